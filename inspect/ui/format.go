package ui

import (
	"fmt"
	"net/netip"
)

// addrString formats an address and port the way a learner types it:
// 127.0.0.1:3008 or [::1]:3008. An invalid address prints as "?".
func addrString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "?"
	}
	return ap.String()
}

// printable returns c if it is printable ASCII and "." otherwise.
func printable(c byte) byte {
	if c >= 0x20 && c < 0x7f {
		return c
	}
	return '.'
}

// plural returns "1 byte" or "n bytes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
