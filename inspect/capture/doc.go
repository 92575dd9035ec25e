// Package capture reads TCP segments from a live interface or a pcap
// file and formats them in tcpdump's style.
//
// On Linux, Live opens an AF_PACKET socket of its own, without cgo or
// libpcap. It keeps each loopback frame once (the kernel shows lo
// frames twice, leaving and arriving), filters the ports in the kernel
// with a BPF program, reads frames from a TPACKET_V3 ring shared with
// the kernel (falling back to recvmmsg with a raised receive buffer),
// keeps frames of up to 256 KiB (loopback GSO frames exceed 64 KiB) and
// reports the kernel's drop counter. It needs CAP_NET_RAW;
// without it the error matches ErrPermission and PermissionHelp says
// what to run.
//
// On macOS and FreeBSD, Live reads a BPF device (/dev/bpf*), on lo0 by
// default, whose loopback frames carry a 4-byte address family (the
// NULL link type); the filter runs in the kernel there too, and a read
// returns a buffer of bpf_hdr records, which plain Go code walks (tested
// on every system). Elsewhere (Windows) Live returns an error that
// matches ErrUnsupported. Platform, Host and PlatformOf say what each
// system offers, so that callers decide what to show from values.
//
// OpenFile reads pcap and pcapng files, which needs no privileges. The
// decoder is chosen from the link type: Ethernet (lo on Linux),
// NULL/loopback (lo0 on macOS), Linux cooked and raw IP.
//
// A Source fills a caller's Packet without allocating; the Packet's
// Payload and Frame borrow the source's buffer until the next read.
// Sequence numbers are relative to each direction's first, as tcpdump
// prints them, and Dir tells client→server from server→client.
//
// AppendLine, AppendHex and Describe turn packets into text for the
// inspect command and its terminal UI; Writer writes pcap files.
package capture
