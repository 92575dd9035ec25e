package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"time"
)

// The pcapng block types this reader understands, the byte-order magic
// of a section header and the interface options it uses. Every other
// block (name resolution, statistics, custom blocks) is skipped.
const (
	ngSectionHeader  = 0x0a0d0d0a
	ngInterfaceDesc  = 1
	ngObsoletePacket = 2 // the Packet Block, superseded by the next two
	ngSimplePacket   = 3
	ngEnhancedPacket = 6
	ngByteOrderMagic = 0x1a2b3c4d

	ngOptEnd      = 0
	ngOptTsresol  = 9
	ngOptTsoffset = 14

	// ngMaxInterfaces bounds the interfaces one section may describe;
	// more means the file is corrupt or built to exhaust memory.
	ngMaxInterfaces = 1 << 16
	// ngMaxUnread is how many interfaces the report of unread packets
	// names one by one; the packets of any more are counted together.
	ngMaxUnread = 8
)

// ngMinLen returns the smallest length of a block of type typ: type,
// length, the fixed fields of its body and the trailing length.
func ngMinLen(typ uint32) uint32 {
	switch typ {
	case ngSectionHeader:
		return 28
	case ngInterfaceDesc:
		return 20
	case ngObsoletePacket, ngEnhancedPacket:
		return 32
	case ngSimplePacket:
		return 16
	}
	return 12
}

var ngBlockName = map[uint32]string{
	ngSectionHeader:  "section header block",
	ngInterfaceDesc:  "interface description block",
	ngObsoletePacket: "packet block",
	ngSimplePacket:   "simple packet block",
	ngEnhancedPacket: "enhanced packet block",
}

// ngState is what a pcapng reader remembers between blocks.
type ngState struct {
	order   binary.ByteOrder // of the current section
	section int              // 1 for the first section
	ifaces  []ngIface        // described in the current section

	link   uint32 // the file's first interface's link type
	chosen bool   // whether link is known yet

	unread      []ngUnread // packets passed over, by interface
	unreadOther uint64     // and those of interfaces past ngMaxUnread

	hdr [28]byte // a block's header, kept here so that reading one does not allocate
}

// ngIface is one interface of a section.
type ngIface struct {
	link   uint32
	known  bool   // whether inspect decodes the link type
	snap   uint32 // 0: no limit
	units  uint64 // timestamp units per second (if_tsresol)
	offset int64  // seconds added to every timestamp (if_tsoffset)
}

// ngUnread counts the packets of one interface that were not read
// because inspect cannot decode its link type.
type ngUnread struct {
	section, iface int
	link           uint32
	packets        uint64
}

// ngOpen reads the section header that starts the file and the blocks
// up to the first interface description, whose link type is the one
// the file is read as.
func (r *fileReader) ngOpen() (uint32, error) {
	r.ng = &ngState{order: binary.LittleEndian}
	for !r.ng.chosen {
		// Packets before the first interface are refused: they name
		// an interface that is not described.
		_, _, _, _, err := r.ngBlock()
		if err == io.EOF {
			return 0, r.fail(r.off, "the pcapng file describes no interface, so it holds no packets")
		}
		if err != nil {
			return 0, err
		}
	}
	return r.ng.link, nil
}

// ngNext returns the next packet of the link type read, passing over
// every other block.
func (r *fileReader) ngNext() ([]byte, time.Time, int, error) {
	for {
		data, ts, wire, ok, err := r.ngBlock()
		if err != nil || ok {
			return data, ts, wire, err
		}
	}
}

// ngBlock reads one block. ok is true when it is a packet to return:
// data then aliases r.buf. At the end of the file it returns io.EOF.
func (r *fileReader) ngBlock() (data []byte, ts time.Time, wire int, ok bool, err error) {
	ng := r.ng
	start := r.off
	h := ng.hdr[:]
	n, err := io.ReadFull(r.br, h[:8])
	r.off += int64(n)
	if err == io.EOF {
		return nil, ts, 0, false, io.EOF
	}
	if err != nil {
		return nil, ts, 0, false, r.ngReadError(start, err, "a block header has %d of 8 bytes", n)
	}
	// A section header's type reads the same in either byte order; the
	// magic after its length says which order the section uses.
	typ := ng.order.Uint32(h[0:4])
	if typ == ngSectionHeader {
		n, err := io.ReadFull(r.br, h[8:12])
		r.off += int64(n)
		if err != nil {
			return nil, ts, 0, false, r.ngReadError(start, err, "a section header has %d of 12 bytes", 8+n)
		}
		switch uint32(ngByteOrderMagic) {
		case binary.LittleEndian.Uint32(h[8:12]):
			ng.order = binary.LittleEndian
		case binary.BigEndian.Uint32(h[8:12]):
			ng.order = binary.BigEndian
		default:
			return nil, ts, 0, false, r.fail(start, "not a pcapng section header (byte-order magic %#08x, want %#08x)",
				binary.LittleEndian.Uint32(h[8:12]), ngByteOrderMagic)
		}
	}
	length := ng.order.Uint32(h[4:8])
	if err := r.ngCheckLength(start, typ, length); err != nil {
		return nil, ts, 0, false, err
	}
	body := int64(length) - 12 // what follows the length, up to the trailer
	if typ == ngSectionHeader {
		body -= 4 // the byte-order magic, read above
	}

	switch typ {
	case ngSectionHeader:
		err = r.ngSection(start, h[:12], body)
	case ngInterfaceDesc:
		err = r.ngInterface(start, h[:8], body)
	case ngEnhancedPacket, ngObsoletePacket, ngSimplePacket:
		data, ts, wire, ok, err = r.ngPacket(start, typ, h, body)
	default:
		err = r.ngSkip(body, start, length)
	}
	if err != nil {
		return nil, ts, 0, false, err
	}
	if err := r.ngRead(h[:4], start, length); err != nil {
		return nil, ts, 0, false, err
	}
	if trailer := ng.order.Uint32(h[:4]); trailer != length {
		return nil, ts, 0, false, r.fail(start, "the block's trailing length %d differs from its leading length %d: the file is corrupt", trailer, length)
	}
	return data, ts, wire, ok, nil
}

// ngCheckLength refuses block lengths that no well-formed block has:
// too short for the block type, not a multiple of 4, or running past
// the end of the file (as it is now: a file still being written grows).
func (r *fileReader) ngCheckLength(start int64, typ, length uint32) error {
	switch {
	case length < 12:
		return r.fail(start, "a block claims %d bytes, fewer than the 12 of an empty block: the file is corrupt", length)
	case length%4 != 0:
		return r.fail(start, "a block claims %d bytes, which is not a multiple of 4: the file is corrupt", length)
	case length < ngMinLen(typ):
		return r.fail(start, "a %s of %d bytes is too short (at least %d): the file is corrupt", ngBlockName[typ], length, ngMinLen(typ))
	case r.size >= 0 && !r.grownTo(start+int64(length)):
		return r.fail(start, "file is truncated: the block has %d of its %d bytes", r.size-start, length)
	}
	return nil
}

// ngSection starts a new section: its interfaces replace the last
// section's. h holds the block's first 12 bytes.
func (r *fileReader) ngSection(start int64, h []byte, body int64) error {
	ng := r.ng
	var v [12]byte // version and section length
	if err := r.ngRead(v[:], start, ng.order.Uint32(h[4:8])); err != nil {
		return err
	}
	if major, minor := ng.order.Uint16(v[0:2]), ng.order.Uint16(v[2:4]); major != 1 {
		return r.fail(start, "pcapng version %d.%d is not supported (want 1.0)", major, minor)
	}
	ng.section++
	ng.ifaces = ng.ifaces[:0]
	return r.ngSkip(body-12, start, ng.order.Uint32(h[4:8]))
}

// ngInterface adds an interface to the section, with the timestamp
// resolution and offset of its options. The file's first interface
// sets the link type read.
func (r *fileReader) ngInterface(start int64, h []byte, body int64) error {
	ng := r.ng
	length := ng.order.Uint32(h[4:8])
	if len(ng.ifaces) >= ngMaxInterfaces {
		return r.fail(start, "section %d describes more than %d interfaces: the file is corrupt", ng.section, ngMaxInterfaces)
	}
	var b [8]byte
	if err := r.ngRead(b[:], start, length); err != nil {
		return err
	}
	ifc := ngIface{link: uint32(ng.order.Uint16(b[0:2])), snap: ng.order.Uint32(b[4:8]), units: 1e6}
	ifc.known = knownLink(LinkType(ifc.link))
	id := len(ng.ifaces)
	// The length is a multiple of 4 (see ngCheckLength), and so is
	// every padded option, so rem always holds a whole option header.
	for rem := body - 8; rem > 0; {
		if err := r.ngRead(b[:4], start, length); err != nil {
			return err
		}
		code, n := ng.order.Uint16(b[0:2]), int64(ng.order.Uint16(b[2:4]))
		padded := (n + 3) &^ 3
		rem -= 4
		if code == ngOptEnd {
			padded = rem
		}
		if padded > rem {
			return r.fail(start, "an option of interface %d runs past the end of its block: the file is corrupt", id)
		}
		rem -= padded
		switch {
		case code == ngOptTsresol && n == 1:
			if err := r.ngRead(b[:1], start, length); err != nil {
				return err
			}
			units, ok := ngUnits(b[0])
			if !ok {
				return r.fail(start, "interface %d counts time in units of %s seconds (if_tsresol %#02x), "+
					"which cannot be represented", id, ngResolution(b[0]), b[0])
			}
			ifc.units = units
			padded--
		case code == ngOptTsoffset && n == 8:
			if err := r.ngRead(b[:8], start, length); err != nil {
				return err
			}
			ifc.offset = int64(ng.order.Uint64(b[:8]))
			padded -= 8
		}
		if err := r.ngSkip(padded, start, length); err != nil {
			return err
		}
	}
	ng.ifaces = append(ng.ifaces, ifc)
	if !ng.chosen {
		ng.chosen, ng.link, r.snap, r.linkOff = true, ifc.link, ifc.snap, start+8
	}
	return nil
}

// ngPacket reads an enhanced, simple or obsolete packet block whose
// first 8 bytes are in h, and notes its interface's link type in
// r.link. ok is false when the packet is of an interface whose link
// type inspect cannot decode: it is counted and passed over.
func (r *fileReader) ngPacket(start int64, typ uint32, h []byte, body int64) (data []byte, ts time.Time, wire int, ok bool, err error) {
	ng := r.ng
	length := ng.order.Uint32(h[4:8])
	fixed := int64(20)
	if typ == ngSimplePacket {
		fixed = 4
	}
	f := h[8 : 8+fixed]
	if err := r.ngRead(f, start, length); err != nil {
		return nil, ts, 0, false, err
	}
	var id, caplen, wireLen uint32
	switch typ {
	case ngEnhancedPacket:
		id, caplen, wireLen = ng.order.Uint32(f[0:4]), ng.order.Uint32(f[12:16]), ng.order.Uint32(f[16:20])
	case ngObsoletePacket:
		id, caplen, wireLen = uint32(ng.order.Uint16(f[0:2])), ng.order.Uint32(f[12:16]), ng.order.Uint32(f[16:20])
	case ngSimplePacket:
		// The block says only the length on the wire: the captured
		// length is that, cut to the interface's snap length. What the
		// block holds past it is padding, never packet data.
		wireLen = ng.order.Uint32(f[0:4])
		caplen = wireLen
	}
	if int64(id) >= int64(len(ng.ifaces)) {
		return nil, ts, 0, false, r.fail(start, "a %s names interface %d, but section %d describes %d: the file is corrupt",
			ngBlockName[typ], id, ng.section, len(ng.ifaces))
	}
	ifc := &ng.ifaces[id]
	if typ == ngSimplePacket && ifc.snap != 0 {
		caplen = min(caplen, ifc.snap)
	}
	limit := min(max(ifc.snap, DefaultSnapLen), maxRecordLen)
	switch {
	case int64(caplen) > body-fixed:
		return nil, ts, 0, false, r.fail(start, "a %s claims %d captured bytes, but holds %d: the file is corrupt",
			ngBlockName[typ], caplen, body-fixed)
	case caplen > limit:
		return nil, ts, 0, false, r.fail(start, "a %s claims %d captured bytes, more than the snap length %d: the file is corrupt",
			ngBlockName[typ], caplen, limit)
	case wireLen < caplen:
		return nil, ts, 0, false, r.fail(start, "a %s claims %d captured bytes of a %d-byte frame: the file is corrupt",
			ngBlockName[typ], caplen, wireLen)
	}
	if !ifc.known {
		ng.countUnread(int(id), ifc.link)
		return nil, ts, 0, false, r.ngSkip(body-fixed, start, length)
	}
	r.link = LinkType(ifc.link)
	data = r.frame(caplen)
	if err := r.ngRead(data, start, length); err != nil {
		return nil, ts, 0, false, err
	}
	if err := r.ngSkip(body-fixed-int64(caplen), start, length); err != nil {
		return nil, ts, 0, false, err
	}
	if typ == ngSimplePacket {
		ts = time.Unix(0, 0) // a simple packet block has no timestamp
	} else if ts, ok = ifc.time(ng.order.Uint32(f[4:8]), ng.order.Uint32(f[8:12])); !ok {
		return nil, ts, 0, false, r.fail(start, "a %s is timed outside the years 1 to 9999 "+
			"(its interface's if_tsoffset is %d s): the file is corrupt", ngBlockName[typ], ifc.offset)
	}
	return data, ts, int(wireLen), true, nil
}

// The seconds since 1970 of the first and the last second of the years
// 1 to 9999, the times a packet may have. Every time.Time between them
// can be formatted; far past them time.Unix wraps around.
const (
	ngMinSec = -62135596800
	ngMaxSec = 253402300799
)

// time converts a timestamp in the interface's units to a time. It
// reports false when the time, with the interface's offset, falls
// outside the years 1 to 9999.
func (ifc *ngIface) time(hi, lo uint32) (time.Time, bool) {
	t := uint64(hi)<<32 | uint64(lo)
	sec, frac := t/ifc.units, t%ifc.units
	if sec > math.MaxInt64 {
		return time.Time{}, false
	}
	// The sum overflows exactly when it moves against the offset's sign.
	s := int64(sec) + ifc.offset
	if (s < int64(sec)) != (ifc.offset < 0) || s < ngMinSec || s > ngMaxSec {
		return time.Time{}, false
	}
	// frac < units, so frac*1e9/units is below 1e9 and the division
	// of the 128-bit product cannot overflow.
	h, l := bits.Mul64(frac, 1e9)
	nsec, _ := bits.Div64(h, l, ifc.units)
	return time.Unix(s, int64(nsec)), true
}

// ngUnits returns the timestamp units per second that an if_tsresol
// value names: 10^v, or 2^(v&0x7f) when the top bit is set. It reports
// false when the number does not fit in 64 bits.
func ngUnits(v byte) (uint64, bool) {
	e := uint(v & 0x7f)
	if v&0x80 != 0 {
		return 1 << e, e <= 63
	}
	if e > 19 {
		return 0, false
	}
	u := uint64(1)
	for range e {
		u *= 10
	}
	return u, true
}

// ngResolution writes an if_tsresol value as a power, such as "10^-6".
func ngResolution(v byte) string {
	if v&0x80 != 0 {
		return fmt.Sprintf("2^-%d", v&0x7f)
	}
	return fmt.Sprintf("10^-%d", v)
}

// countUnread counts a packet of interface id that is not read.
func (ng *ngState) countUnread(id int, link uint32) {
	for i := range ng.unread {
		if u := &ng.unread[i]; u.section == ng.section && u.iface == id {
			u.packets++
			return
		}
	}
	if len(ng.unread) < ngMaxUnread {
		ng.unread = append(ng.unread, ngUnread{section: ng.section, iface: id, link: link, packets: 1})
		return
	}
	ng.unreadOther++
}

// unreadText describes the packets passed over, or returns "".
func (ng *ngState) unreadText() string {
	if len(ng.unread) == 0 {
		return ""
	}
	var parts []string
	for _, u := range ng.unread {
		where := fmt.Sprintf("interface %d", u.iface)
		if u.section > 1 {
			where += fmt.Sprintf(" of section %d", u.section)
		}
		parts = append(parts, fmt.Sprintf("%d of %s, %s", u.packets, where, linkText(LinkType(u.link))))
	}
	if ng.unreadOther > 0 {
		parts = append(parts, fmt.Sprintf("%d of other interfaces", ng.unreadOther))
	}
	return fmt.Sprintf("packets not read (%s): inspect cannot decode "+
		"their link type", strings.Join(parts, "; "))
}

// ngRead fills b from the file, as part of the block of the given
// length at start.
func (r *fileReader) ngRead(b []byte, start int64, length uint32) error {
	n, err := io.ReadFull(r.br, b)
	r.off += int64(n)
	if err != nil {
		return r.ngReadError(start, err, "the block has %d of its %d bytes", r.off-start, length)
	}
	return nil
}

// ngSkip passes over n bytes of the block of the given length at start.
func (r *fileReader) ngSkip(n int64, start int64, length uint32) error {
	for n > 0 {
		d, err := r.br.Discard(int(min(n, 1<<30)))
		r.off += int64(d)
		n -= int64(d)
		if err != nil {
			return r.ngReadError(start, err, "the block has %d of its %d bytes", r.off-start, length)
		}
	}
	return nil
}

// ngReadError reports a failed read inside the block at start: the end
// of the file there means the file is truncated.
func (r *fileReader) ngReadError(start int64, err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.fail(start, "file is truncated: "+format, args...)
	}
	return &FileError{Path: r.path, Offset: r.off, Err: err}
}
