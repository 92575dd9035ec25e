package sockets

import (
	"net/netip"
	"strings"
	"testing"
)

// Lines below were copied from this machine's /proc/net files while
// Python held the sockets open, then shortened where noted.

func TestParseTCPLine(t *testing.T) {
	tests := []struct {
		name, line    string
		local, remote string
		state         uint8
		sendQ, recvQ  uint32
		inode         uint64
	}{
		{
			name:   "an IPv4 listener on every address",
			line:   "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1119 1 00000000a899a2a2 100 0 0 10 0",
			local:  "0.0.0.0:2024",
			remote: "0.0.0.0:0",
			state:  10,
			inode:  1119,
		},
		{
			name:   "an IPv4 connection on loopback with queued bytes",
			line:   "   1: 0100007F:B25E 0100007F:B225 01 0000002A:00000100 00:00000000 00000000     0        0 10414 2 00000000554472ca 20 0 0 10 -1",
			local:  "127.0.0.1:45662",
			remote: "127.0.0.1:45605",
			state:  1,
			sendQ:  42,
			recvQ:  256,
			inode:  10414,
		},
		{
			name:   "an IPv6 loopback socket",
			line:   "   0: 00000000000000000000000001000000:0BC0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0",
			local:  "[::1]:3008",
			remote: "[::]:0",
			state:  10,
			inode:  555,
		},
		{
			name:   "an IPv4 connection on an IPv6 socket keeps its v4-mapped form",
			line:   "   2: 0000000000000000FFFF00000100007F:B225 0000000000000000FFFF00000100007F:B25E 01 00000000:00000000 00:00000000 00000000     0        0 10415 1 00000000ad909466 20 0 0 10 -1",
			local:  "[::ffff:127.0.0.1]:45605",
			remote: "[::ffff:127.0.0.1]:45662",
			state:  1,
			inode:  10415,
		},
		{
			name:   "a TIME_WAIT socket has inode 0",
			line:   "   3: 0100007F:8063 0100007F:BC88 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000",
			local:  "127.0.0.1:32867",
			remote: "127.0.0.1:48264",
			state:  6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, err := parseTCPLine([]byte(tt.line))
			if err != nil {
				t.Fatal(err)
			}
			want := tcpRow{
				local:  netip.MustParseAddrPort(tt.local),
				remote: netip.MustParseAddrPort(tt.remote),
				state:  tt.state, sendQ: tt.sendQ, recvQ: tt.recvQ, inode: tt.inode,
			}
			if row != want {
				t.Errorf("got %+v, want %+v", row, want)
			}
		})
	}
}

func TestParseTCPLineRejectsGarbage(t *testing.T) {
	for _, line := range []string{
		"",
		"   0: 00000000:07E8",
		"   0: 0000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1119",
		"   0: 00000000:07E8 00000000:0000 0A 00000000-00000000 00:00000000 00000000 0 0 1119",
		"   0: 00000000:07E8 00000000:0000 0Z 00000000:00000000 00:00000000 00000000 0 0 1119",
		"   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x",
		"   0: 0000000G:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
		"   0: 00000000:7E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
	} {
		if row, err := parseTCPLine([]byte(line)); err == nil {
			t.Errorf("parseTCPLine(%q) = %+v, want an error", line, row)
		}
	}
}

func TestScanTCPNamesTheBadLine(t *testing.T) {
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1119 1\n" +
		"   1: garbage\n"
	n := 0
	err := scanTCP(strings.NewReader(table), make([]byte, 4096), func(tcpRow) { n++ })
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("got error %v, want one naming line 3", err)
	}
	if n != 1 {
		t.Errorf("got %d rows before the bad line, want 1", n)
	}
}

func TestParseUnixLine(t *testing.T) {
	tests := []struct {
		name, line string
		want       unixRow
	}{
		{
			name: "a listener has the accept flag",
			line: "00000000eab812de: 00000002 00000000 00010000 0001 01 10416 /tmp/slx.sock",
			want: unixRow{flags: 0x10000, typ: 1, state: 1, inode: 10416, path: "/tmp/slx.sock"},
		},
		{
			name: "an unnamed connected end has no path",
			line: "000000006c383e38: 00000003 00000000 00000000 0001 03   575",
			want: unixRow{typ: 1, state: 3, inode: 575},
		},
		{
			name: "an abstract name starts with @",
			line: "00000000313d5db5: 00000002 00000000 00000000 0002 01 10419 @abs@x",
			want: unixRow{typ: 2, state: 1, inode: 10419, path: "@abs@x"},
		},
		{
			name: "a path may contain spaces",
			line: "00000000313d5db5: 00000002 00000000 00000000 0005 01 7 /tmp/a b  c",
			want: unixRow{typ: 5, state: 1, inode: 7, path: "/tmp/a b  c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, ok := parseUnixLine([]byte(tt.line))
			if !ok || row != tt.want {
				t.Errorf("got %+v, %v; want %+v", row, ok, tt.want)
			}
		})
	}
}

func TestScanUnixSkipsBrokenLines(t *testing.T) {
	// A socket bound to "/tmp/a\nb" splits its line in two.
	table := "Num       RefCount Protocol Flags    Type St Inode Path\n" +
		"00000000eab812de: 00000002 00000000 00010000 0001 01 10416 /tmp/a\n" +
		"b\n" +
		"\x00\xff garbage\n" +
		"000000006c383e38: 00000003 00000000 00000000 0001 03   575\n"
	var inodes []uint64
	err := scanUnix(strings.NewReader(table), make([]byte, 4096), func(r unixRow) {
		inodes = append(inodes, r.inode)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inodes) != 2 || inodes[0] != 10416 || inodes[1] != 575 {
		t.Errorf("got inodes %v, want [10416 575]", inodes)
	}
}

func TestScanReportsALineLongerThanTheBuffer(t *testing.T) {
	table := "header\n" + strings.Repeat("x", 200) + "\n"
	err := scanUnix(strings.NewReader(table), make([]byte, 64), func(unixRow) {})
	if err == nil {
		t.Error("got no error for a line longer than the buffer")
	}
}

func FuzzParseLines(f *testing.F) {
	f.Add("   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1119 1")
	f.Add("   2: 0000000000000000FFFF00000100007F:B225 0000000000000000FFFF00000100007F:B25E 01 00000000:00000000 00:00000000 00000000 0 0 10415")
	f.Add("00000000eab812de: 00000002 00000000 00010000 0001 01 10416 /tmp/slx.sock")
	f.Add("000000006c383e38: 00000003 00000000 00000000 0001 03   575")
	f.Fuzz(func(t *testing.T, line string) {
		parseTCPLine([]byte(line))
		if row, ok := parseUnixLine([]byte(line)); ok {
			unixStateName(row.flags, row.state)
			unixTypeName(row.typ)
		}
	})
}
