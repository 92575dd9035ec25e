package sockets

import (
	"cmp"
	"slices"
)

// Sort sorts a table in place the way Read returns it: TCP before Unix;
// then by local port, or for Unix by path, an unnamed end taking the path
// of its peer so that both ends of a connection sit together; then
// listeners first, live connections next and closing ones last; then by
// remote address and port, local address, and inode.
func Sort(ss []Socket) {
	peerPath := make(map[uint64]string)
	for _, s := range ss {
		if s.Kind == Unix && s.Path != "" {
			peerPath[s.Inode] = s.Path
		}
	}
	group := func(s *Socket) string {
		if s.Kind == Unix && s.Path == "" && s.PeerInode != 0 {
			return peerPath[s.PeerInode]
		}
		return s.Path
	}
	// The comparisons run in order and stop at the first difference:
	// tables can hold tens of thousands of rows.
	compare := func(a, b *Socket) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := cmp.Compare(a.LocalPort, b.LocalPort); c != 0 {
			return c
		}
		if a.Kind == Unix {
			if c := cmp.Compare(group(a), group(b)); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(stateRank(a.State), stateRank(b.State)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.State, b.State); c != 0 {
			return c
		}
		// A named Unix end (the server's) before its unnamed peer.
		if c := cmp.Compare(unnamed(a), unnamed(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.RemoteAddr, b.RemoteAddr); c != 0 {
			return c
		}
		if c := cmp.Compare(a.RemotePort, b.RemotePort); c != 0 {
			return c
		}
		if c := cmp.Compare(a.LocalAddr, b.LocalAddr); c != 0 {
			return c
		}
		return cmp.Compare(a.Inode, b.Inode)
	}
	// Sorting the rows' positions, not the rows, moves 8 bytes where a
	// row is over 200; equal rows keep their order.
	idx := make([]int, len(ss))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		if c := compare(&ss[i], &ss[j]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	// Row k goes where idx says: follow each cycle of the permutation,
	// moving each row once.
	for k := range idx {
		if idx[k] < 0 {
			continue
		}
		first := ss[k]
		for j := k; ; {
			from := idx[j]
			idx[j] = -1
			if from == k {
				ss[j] = first
				break
			}
			ss[j] = ss[from]
			j = from
		}
	}
}

// unnamed is 1 for a Unix socket without a path, else 0.
func unnamed(s *Socket) int {
	if s.Kind == Unix && s.Path == "" {
		return 1
	}
	return 0
}
