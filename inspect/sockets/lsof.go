package sockets

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// This file reads the socket table from the field output of lsof, the
// way Read does on macOS. It is plain Go, built on every system, so
// that its tests run on any (lsof prints the same fields on Linux).

// lsofArgs are the arguments Read gives lsof: no name or port lookups
// (-nP), no warnings (-w), TCP queues and state (-Tqs), every TCP and
// Unix socket (-i TCP -U), as fields: pid, command, fd, type,
// device, protocol, name and TCP info (-F).
var lsofArgs = []string{"-nP", "-w", "-Tqs", "-F", "pcftdPnT", "-i", "TCP", "-U"}

// maxLsofLine bounds one line of lsof's output: a path and two
// addresses fit many times over.
const maxLsofLine = 64 << 10

// parseLsof returns the sockets of lsof -F output (the fields lsofArgs
// asks for) that f selects: TCP sockets with their addresses, state and
// queues, Unix sockets with their path, each with the pid and command
// of the process that holds it. lsof lists a socket once for each
// process and descriptor that holds it; parseLsof keeps it once, with
// its first holder. A line that does not parse is an error.
func parseLsof(r io.Reader, f Filter) ([]Socket, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLsofLine)
	var (
		out     []Socket
		pid     int
		command string
		cur     *Socket // the socket of the file being read
		curType string  // its lsof type: IPv4, IPv6, unix
		name    string
		device  string
		seen    = make(map[string]bool) // device and name of sockets kept
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		s := cur
		cur = nil
		switch curType {
		case "IPv4", "IPv6":
			if err := lsofTCP(s, curType, name); err != nil {
				return err
			}
		case "unix":
			lsofUnix(s, name)
		default:
			return nil
		}
		if d, ok := lsofDevice(device); ok && curType == "unix" {
			s.Inode = d
		}
		key := curType + " " + device + " " + name
		if seen[key] {
			return nil
		}
		seen[key] = true
		out = append(out, *s)
		return nil
	}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		val := line[1:]
		switch line[0] {
		case 'p':
			if err := flush(); err != nil {
				return nil, err
			}
			p, err := strconv.Atoi(val)
			if err != nil || p < 0 {
				return nil, fmt.Errorf("lsof line %d: pid %q", n, val)
			}
			pid, command = p, ""
		case 'c':
			command = val
		case 'f':
			if err := flush(); err != nil {
				return nil, err
			}
			cur = &Socket{PID: pid, Process: command}
			curType, name, device = "", "", ""
		case 't':
			curType = val
		case 'd':
			device = val
		case 'n':
			name = val
		case 'T':
			if cur != nil {
				lsofTCPInfo(cur, val)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading lsof's output: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return selectSockets(out, f), nil
}

// lsofTCP fills s from a TCP socket's name, "LOCAL" or "LOCAL->REMOTE",
// each address "A.B.C.D:PORT", "[V6]:PORT" or "*:PORT".
func lsofTCP(s *Socket, family, name string) error {
	s.Kind, s.Family = TCP, family
	local, remote, connected := strings.Cut(name, "->")
	la, lp, err := lsofAddr(local, family)
	if err != nil {
		return err
	}
	s.LocalAddr, s.LocalPort = la, lp
	if connected {
		ra, rp, err := lsofAddr(remote, family)
		if err != nil {
			return err
		}
		s.RemoteAddr, s.RemotePort = ra, rp
	}
	if s.State == "" && !connected {
		s.State = "LISTEN"
	}
	if a, err := netip.ParseAddr(s.LocalAddr); err == nil && a.Is4In6() {
		s.V4Mapped = true
	}
	return nil
}

// lsofAddr parses one address of a TCP name; "*" is the unspecified
// address of family.
func lsofAddr(s, family string) (string, int, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("lsof: TCP address %q has no port", s)
	}
	host, port := s[:i], s[i+1:]
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("lsof: TCP address %q: bad port", s)
	}
	if host == "*" {
		if family == "IPv6" {
			return "::", p, nil
		}
		return "0.0.0.0", p, nil
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", 0, fmt.Errorf("lsof: TCP address %q: %v", s, err)
	}
	return a.String(), p, nil
}

// lsofTCPInfo takes one T field: ST=state, QR=receive queue, QS=send
// queue. Other fields are left alone.
func lsofTCPInfo(s *Socket, v string) {
	key, val, _ := strings.Cut(v, "=")
	switch key {
	case "ST":
		s.State = strings.ToUpper(val)
		if s.State == "SYN_RCVD" {
			s.State = "SYN_RECV"
		}
	case "QR":
		s.RecvQ, _ = strconv.Atoi(val)
	case "QS":
		s.SendQ, _ = strconv.Atoi(val)
	}
}

// lsofUnix fills s from a Unix socket's name: its path, "->0xPEER" (the
// kernel address of the other end, on macOS) or nothing; Linux's lsof
// adds " type=STREAM".
func lsofUnix(s *Socket, name string) {
	s.Kind, s.Family = Unix, "unix"
	typ := ""
	if t, ok := strings.CutPrefix(name, "type="); ok {
		name, typ = "", t
	} else if path, t, ok := strings.Cut(name, " type="); ok {
		name, typ = path, t
	}
	if f := strings.Fields(typ); len(f) > 0 {
		s.Type = strings.ToLower(f[0])
	}
	if peer, ok := strings.CutPrefix(name, "->"); ok {
		if p, ok := lsofDevice(peer); ok {
			s.PeerInode = p
		}
		name = ""
	}
	s.Path = name
	// The state names are the ones Read gives on Linux.
	switch {
	case s.State == "CONNECTED", s.State == "" && s.PeerInode != 0:
		s.State = "ESTABLISHED"
	case s.State == "":
		s.State = "UNCONNECTED"
	}
}

// lsofDevice parses a device field: a kernel address 0x… (Unix sockets)
// or a number (an inode on Linux).
func lsofDevice(d string) (uint64, bool) {
	if h, ok := strings.CutPrefix(d, "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 64)
		return v, err == nil
	}
	v, err := strconv.ParseUint(d, 10, 64)
	return v, err == nil
}

// selectSockets returns the sockets of ss that f selects: TCP sockets
// by port, Unix sockets by path and the peers of those.
func selectSockets(ss []Socket, f Filter) []Socket {
	if f.All {
		return ss
	}
	var out []Socket
	wanted := make(map[uint64]bool)
	for _, s := range ss {
		if s.Kind == Unix && s.Path != "" && s.Inode != 0 && slices.Contains(f.Paths, s.Path) {
			wanted[s.Inode] = true
		}
	}
	for _, s := range ss {
		switch s.Kind {
		case TCP:
			if slices.Contains(f.Ports, s.LocalPort) || s.RemotePort != 0 && slices.Contains(f.Ports, s.RemotePort) {
				out = append(out, s)
			}
		case Unix:
			if s.Path != "" && slices.Contains(f.Paths, s.Path) || s.PeerInode != 0 && wanted[s.PeerInode] {
				out = append(out, s)
			}
		}
	}
	return out
}
