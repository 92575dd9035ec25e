package sockets

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// getExtendedTcpTable is the IP Helper function that lists TCP sockets
// with their owning processes.
var getExtendedTcpTable = windows.NewLazySystemDLL("iphlpapi.dll").NewProc("GetExtendedTcpTable")

// The arguments GetExtendedTcpTable takes here.
const (
	tcpTableOwnerPIDAll = 5 // TCP_TABLE_OWNER_PID_ALL: listeners and connections
	afInet              = 2
	afInet6             = 23
)

// MinInterval is the shortest time a view that polls the table should
// leave between two Reads: none here, where a Read is one call.
const MinInterval time.Duration = 0

// Read returns the sockets f selects, sorted (see Sort), with their
// owning processes. On Windows it lists TCP sockets through the IP
// Helper API (GetExtendedTcpTable); Windows offers no table of AF_UNIX
// sockets, so Unix sockets are not listed. A process's name shows where
// this user may query it. It may be called from any goroutine.
func Read(f Filter) (Snapshot, error) {
	start := time.Now()
	var out []Socket
	if f.All || len(f.Ports) > 0 {
		for _, af := range []uint32{afInet, afInet6} {
			buf, err := tcpTable(af)
			if err != nil {
				return Snapshot{}, err
			}
			if out, err = parseMIBTCPTable(buf, af == afInet6, f, out); err != nil {
				return Snapshot{}, err
			}
		}
	}
	names := make(map[int]string)
	for i := range out {
		pid := out[i].PID
		if pid == 0 {
			continue
		}
		name, ok := names[pid]
		if !ok {
			name = processName(uint32(pid))
			names[pid] = name
		}
		out[i].Process = name
	}
	Sort(out)
	return Snapshot{Taken: start, Sockets: out, Took: time.Since(start)}, nil
}

// tcpTable returns the table of family af, asking again with a larger
// buffer while the table grows between the calls.
func tcpTable(af uint32) ([]byte, error) {
	if err := getExtendedTcpTable.Find(); err != nil {
		return nil, fmt.Errorf("the socket table on Windows needs iphlpapi.dll: %w", err)
	}
	size := uint32(4096)
	for range 8 {
		// []uint32 keeps the rows' DWORDs aligned.
		words := make([]uint32, (size+3)/4)
		r, _, _ := getExtendedTcpTable.Call(uintptr(unsafe.Pointer(&words[0])),
			uintptr(unsafe.Pointer(&size)), 0, uintptr(af), tcpTableOwnerPIDAll, 0)
		switch windows.Errno(r) {
		case 0:
			b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*4)
			return b[:min(int(size), len(b))], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			size += size / 4 // room for sockets opened meanwhile
			continue
		default:
			return nil, fmt.Errorf("GetExtendedTcpTable: %w", windows.Errno(r))
		}
	}
	return nil, errors.New("GetExtendedTcpTable: the table kept growing")
}

// processName returns the file name of process pid's executable, or ""
// when this user may not query it.
func processName(pid uint32) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	var buf [windows.MAX_PATH]uint16
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) != nil {
		return ""
	}
	return filepath.Base(windows.UTF16ToString(buf[:n]))
}
