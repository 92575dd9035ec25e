package chat

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// receive handles one message from another server. NATS calls it from
// one goroutine, in the order the messages came. Anyone who can reach
// NATS can publish, so every message is checked as a client's line is:
// a bad one is refused, logged, and goes no further.
func (b *Bus) receive(m *nats.Msg) {
	name := bytes.TrimPrefix([]byte(m.Subject), []byte("chat."))
	kind, rest, _ := bytes.Cut(m.Data, space)
	b.mu.Lock()
	notes, err := b.handle(name, string(kind), rest)
	if err != nil {
		if b.refused == 0 || time.Since(b.said) >= time.Second {
			b.logger.Printf("bus: refused %s from %s: %v",
				quoted(string(firstBytes(m.Data, 64))),
				quoted(m.Subject), err)
		}
		b.refused++
		b.report()
	}
	b.mu.Unlock()
	b.announce(notes)
}

// handle applies one message from the server name, and returns the
// notes to announce. The caller holds b.mu.
func (b *Bus) handle(name []byte, kind string, rest []byte) (
	[][]byte, error) {
	if !validName(name) {
		return nil, fmt.Errorf("not a server's name")
	}
	if string(name) == b.cfg.Name {
		// No echo: this is another server that took our name.
		if !b.clash {
			b.clash = true
			b.logger.Printf("bus: another server is called %s too; "+
				"give each server its own -name", name)
		}
		return nil, nil
	}
	p, ok := b.servers[string(name)]
	if !ok && kind != "bye" {
		if len(b.servers) >= maxServers {
			return nil, fmt.Errorf("more than %d servers", maxServers)
		}
		p = &server{users: make(map[int]bool), logger: b.logger}
		b.servers[string(name)] = p
	}
	if p != nil {
		p.seen = time.Now()
	}
	switch kind {
	case "say":
		idText, line, _ := bytes.Cut(rest, space)
		id, ok := parseID(idText)
		_, text := checkText(line)
		if !ok || !text || len(line) == 0 ||
			len(line) > b.room.cfg.MaxLine {
			return nil, fmt.Errorf("not a user's line")
		}
		return [][]byte{fmt.Appendf(nil, "User %d@%s: %s\n",
			id, name, line)}, nil
	case "join":
		idText, door, _ := bytes.Cut(rest, space)
		id, ok := parseID(idText)
		if !ok || !validName(door) {
			return nil, fmt.Errorf("not a join")
		}
		return p.join(id, name, door)
	case "left":
		id, ok := parseID(rest)
		if !ok {
			return nil, fmt.Errorf("not a leave")
		}
		return p.leave(id, name, ""), nil
	case "alive":
		return p.alive(rest, name)
	case "bye":
		if p == nil {
			return nil, nil
		}
		delete(b.servers, string(name))
		return p.gone(name, ""), nil
	}
	return nil, fmt.Errorf("unknown message")
}

// join notes that user id of the server name came in.
func (p *server) join(id int, name, door []byte) ([][]byte, error) {
	if p.users[id] {
		return nil, nil
	}
	if len(p.users) >= maxUsers {
		return nil, fmt.Errorf("more than %d users on one server",
			maxUsers)
	}
	p.users[id] = true
	p.logger.Printf("User %d@%s joined (from server %s, %s)", id, name,
		name, door)
	return [][]byte{fmt.Appendf(nil, "User %d@%s joined! (%s)\n",
		id, name, door)}, nil
}

// leave notes that user id left, for a reason if why is not "".
func (p *server) leave(id int, name []byte, why string) [][]byte {
	if !p.users[id] {
		return nil
	}
	delete(p.users, id)
	p.logger.Printf("User %d@%s left%s", id, name, why)
	return [][]byte{fmt.Appendf(nil, "User %d@%s left!%s\n", id, name,
		why)}
}

// alive makes p's users those listed in ids: a heartbeat repairs what
// was missed (a server heard from for the first time, or again after a
// split).
func (p *server) alive(ids []byte, name []byte) ([][]byte, error) {
	now := make(map[int]bool)
	for text := range bytes.SplitSeq(ids, space) {
		if len(ids) == 0 {
			break // nobody is there
		}
		id, ok := parseID(text)
		if !ok || len(now) >= maxUsers {
			return nil, fmt.Errorf("not a list of users")
		}
		now[id] = true
	}
	var notes [][]byte
	for id := range p.users {
		if !now[id] {
			notes = append(notes, p.leave(id, name, "")...)
		}
	}
	for id := range now {
		n, _ := p.join(id, name, []byte("seen on the bus"))
		notes = append(notes, n...)
	}
	return notes, nil
}

// gone says that all of p's users left, because of why.
func (p *server) gone(name []byte, why string) [][]byte {
	var notes [][]byte
	for id := range p.users {
		notes = append(notes, p.leave(id, name, why)...)
	}
	return notes
}

// expire forgets the servers not heard from since before, and returns
// the notes that say their users left. The caller holds b.mu.
func (b *Bus) expire(before time.Time) [][]byte {
	var notes [][]byte
	for name, p := range b.servers {
		if p.seen.Before(before) {
			delete(b.servers, name)
			quiet := time.Since(p.seen).Round(time.Millisecond)
			b.logger.Printf("bus: server %s silent for %v: gone",
				name, quiet)
			notes = append(notes, p.gone([]byte(name),
				" (server "+name+" went silent)")...)
		}
	}
	return notes
}

// firstBytes returns at most n bytes of data, for a log line.
func firstBytes(data []byte, n int) []byte {
	return data[:min(len(data), n)]
}

// validName reports whether name may be a server's name.
func validName(name []byte) bool {
	if len(name) == 0 || len(name) > 32 {
		return false
	}
	for _, c := range name {
		ok := c == '-' || c >= '0' && c <= '9' ||
			c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

var space = []byte(" ")

// parseID parses a user id: a decimal number from 1 to 999,999,999.
func parseID(s []byte) (int, bool) {
	if len(s) == 0 || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	id, err := strconv.Atoi(string(s))
	return id, err == nil && bytes.IndexFunc(s, notDigit) < 0
}

func notDigit(r rune) bool { return r < '0' || r > '9' }
