package capture

// Dir is the direction of a segment within its connection.
type Dir uint8

// The directions. DirUnknown is used when neither a SYN nor a filter
// port says which side is the server.
const (
	DirUnknown Dir = iota
	ClientToServer
	ServerToClient
)

// String returns "client→server", "server→client" or "?".
func (d Dir) String() string {
	switch d {
	case ClientToServer:
		return "client→server"
	case ServerToClient:
		return "server→client"
	}
	return "?"
}

// Reverse returns the opposite direction; DirUnknown stays unknown.
func (d Dir) Reverse() Dir {
	switch d {
	case ClientToServer:
		return ServerToClient
	case ServerToClient:
		return ClientToServer
	}
	return DirUnknown
}

// Copy returns a copy of p that owns its Frame and Payload, so it stays
// valid after the source reads the next packet. It allocates once.
func (p *Packet) Copy() Packet {
	c := *p
	end := p.payloadOff + len(p.Payload)
	if p.Frame == nil || end > len(p.Frame) {
		c.Payload = append([]byte(nil), p.Payload...)
		return c
	}
	c.Frame = append([]byte(nil), p.Frame...)
	c.Payload = c.Frame[p.payloadOff:end:end]
	return c
}
