package chat

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// Joined, Said and Left are the room's Relay: they queue the news for
// the other servers.
func (b *Bus) Joined(id int, door string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.local[id] = true
	b.push(fmt.Appendf(nil, "join %d %s", id, door))
}

func (b *Bus) Said(id int, line []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.push(append(fmt.Appendf(nil, "say %d ", id), line...))
}

func (b *Bus) Left(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.local, id)
	b.push(fmt.Appendf(nil, "left %d", id))
}

// push queues msg for the publisher, or drops it if the queue is full.
// The caller holds b.mu, so messages queue in the order of the changes
// to b.local that they report.
func (b *Bus) push(msg []byte) {
	select {
	case b.out <- msg:
	default:
		b.lost++
		b.report()
	}
}

// publish is the one goroutine that publishes, so that the bus keeps
// the order of the queue. While the room is split, Publish fails at
// once (no reconnect buffer): those lines stay on this server.
func (b *Bus) publish() {
	defer b.wg.Done()
	subject := string(b.subject)
	for {
		select {
		case msg := <-b.out:
			b.nc.Publish(subject, msg)
		case <-b.done:
			return
		}
	}
}

// heartbeat tells the other servers who is here, once per heartbeat,
// and takes those that went quiet for gone.
func (b *Bus) heartbeat() {
	defer b.wg.Done()
	tick := time.NewTicker(b.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-b.done:
			return
		}
		b.mu.Lock()
		b.push(b.alive())
		var notes [][]byte
		if !b.split {
			notes = b.expire(time.Now().Add(-3 * b.cfg.Heartbeat))
		}
		b.mu.Unlock()
		b.announce(notes)
	}
}

// alive returns the heartbeat message: who is here. The caller holds
// b.mu.
func (b *Bus) alive() []byte {
	msg := []byte("alive")
	for id := range b.local {
		msg = strconv.AppendInt(append(msg, ' '), int64(id), 10)
	}
	return msg
}

// announce sends each note to every client of the room. It is called
// without b.mu: the room takes its own locks.
func (b *Bus) announce(notes [][]byte) {
	for _, n := range notes {
		b.room.Announce(n)
	}
}

// setSplit tells the room's clients that the bus is gone or back.
func (b *Bus) setSplit(split bool) {
	b.mu.Lock()
	if b.closing || b.split == split {
		b.mu.Unlock()
		return
	}
	b.split = split
	// Nobody was heard while we were away: start counting again.
	for _, p := range b.servers {
		p.seen = time.Now()
	}
	if !split {
		// Back: say who is here at once, not a heartbeat later, so
		// that nobody takes us for gone in the meantime.
		b.push(b.alive())
	}
	b.mu.Unlock()
	if split {
		b.logger.Printf("bus: lost NATS; the room is split")
		b.room.Announce([]byte("*** The room is split: the bus is " +
			"down, so only this server's users hear you, and you " +
			"hear only them.\n"))
		return
	}
	b.logger.Printf("bus: back on NATS; the room is whole")
	b.room.Announce([]byte("*** The room is whole again: lines said " +
		"elsewhere meanwhile are not replayed.\n"))
}

// asyncError logs what NATS reports outside any call. A slow consumer
// means that NATS dropped messages this server did not take in time:
// the clients are told that some lines are missing.
func (b *Bus) asyncError(_ *nats.Conn, sub *nats.Subscription,
	err error) {
	b.logger.Printf("bus: %v", err)
	if errors.Is(err, nats.ErrSlowConsumer) && sub != nil {
		n, _ := sub.Dropped()
		b.logger.Printf("bus: %d messages from other servers dropped "+
			"so far", n)
		b.room.Announce([]byte("*** Some lines from other servers " +
			"were lost: this server fell behind the bus.\n"))
	}
}

// report logs the count of lost and refused messages, at most once a
// second, so that a flood cannot flood the log too. The caller holds
// b.mu.
func (b *Bus) report() {
	if time.Since(b.said) < time.Second {
		return
	}
	if b.lost > 0 {
		b.logger.Printf("bus: %d messages not published: the queue "+
			"to NATS was full", b.lost)
	}
	if b.refused > 0 {
		b.logger.Printf("bus: %d messages from the bus refused (see "+
			"the line before)", b.refused)
	}
	b.lost, b.refused, b.said = 0, 0, time.Now()
}
