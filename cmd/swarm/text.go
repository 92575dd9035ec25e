package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// writeText prints the report for a person, one topic a line.
func (r *report) writeText(w io.Writer) error {
	var b strings.Builder
	line := func(topic, format string, a ...any) {
		fmt.Fprintf(&b, "%-11s %s\n", topic, fmt.Sprintf(format, a...))
	}
	c := r.Config
	mode := fmt.Sprintf("as fast as a window of %d allows", c.Window)
	if c.Rate > 0 {
		mode = fmt.Sprintf("%g lines/s each", c.Rate)
	}
	line("swarm", "%s %s: %d clients, %d senders %s, %d-byte lines, %gs",
		r.Network, r.Address, c.Clients, c.Senders, mode, c.Size, c.DurationS)
	if r.Interrupted {
		line("", "interrupted: the figures cover the run until Ctrl-C")
	}
	cl := r.Clients
	line("clients", "%s connected, %s failed in %s (each: p50 %s, p99 %s, max %s)",
		group(cl.Connected), group(cl.Failed), fmtMS(cl.TotalMS),
		fmtMS(cl.P50MS), fmtMS(cl.P99MS), fmtMS(cl.MaxMS))
	if cl.Retries > 0 {
		line("", "%s connects retried after EAGAIN (the server's "+
			"listen queue was full)", group(cl.Retries))
	}
	keys := make([]string, 0, len(cl.Errors))
	for k := range cl.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		line("", "%s× %s", group(int64(cl.Errors[k])), k)
	}
	st := r.Settle
	switch {
	case st.Of == 0:
		line("settle", "no client is left to take part")
	case st.SawProbe == st.Of:
		line("settle", "all %s clients are in the room (%s)", group(int64(st.Of)),
			fmtMS(st.MS))
	default:
		line("settle", "only %s of %s clients saw a probe line within %s; "+
			"lines to the others are expected all the same",
			group(int64(st.SawProbe)), group(int64(st.Of)), fmtMS(st.MS))
	}
	ln := r.Lines
	line("lines", "%s sent in %.2fs (%s/s), %d send errors, %s window stalls",
		group(ln.Sent), ln.SendSeconds, group(int64(ln.PerSecond)),
		ln.SendErrors, group(ln.WindowStalls))
	if ln.FirstError != "" {
		line("", "first send error: %s", ln.FirstError)
	}
	d := r.Deliveries
	ratio := "n/a"
	if d.Ratio != nil {
		ratio = strconv.FormatFloat(*d.Ratio, 'f', 4, 64)
	}
	line("deliveries", "%s expected at %s clients, %s received, %s missing: "+
		"ratio %s, %s/s", group(d.Expected), group(d.Receivers),
		group(d.Received), group(d.Missing), ratio, group(int64(d.PerSecond)))
	if d.NotInRoom > 0 {
		line("", "%s of the missing were expected at clients that had "+
			"not seen a probe: the server had not taken them in yet",
			group(d.NotInRoom))
	}
	if !d.Drained && d.Missing > 0 && !r.Interrupted {
		line("", "still missing when the drain gave up after %s",
			fmtMS(d.DrainMS))
	}
	if la := r.Latency; d.Received > 0 {
		line("latency", "p50 %s, p99 %s, max %s", fmtMS(la.P50MS),
			fmtMS(la.P99MS), fmtMS(la.MaxMS))
	} else {
		line("latency", "none: nothing was received")
	}
	p := r.Problems
	line("problems", "%s gaps, %s duplicates, %s echoes to the sender, "+
		"%s corrupt, %s unknown lines, %s unexpected",
		group(p.Gaps), group(p.Duplicates), group(p.Echoes), group(p.Corrupt),
		group(p.Unknown), group(p.Unexpected))
	if p.Disconnected > 0 {
		line("", "%s reading clients were disconnected by the server (%s)",
			group(p.Disconnected), p.FirstDisconn)
	}
	o := r.Other
	line("other", "%s notices (welcome, joined, left), %s error lines, "+
		"%s lines from others", group(o.Notices), group(o.ServerErrors),
		group(o.Foreign))
	if s := r.Slow; s != nil {
		if s.Checked {
			line("slow", "%d clients stopped reading: %d cut off by the server, "+
				"%d still connected; then a 1s read took %s bytes from them",
				s.Clients, s.CutOff, s.StillConnected, group(s.BytesDrained))
		} else {
			line("slow", "%d clients stopped reading (not checked: the run "+
				"was interrupted)", s.Clients)
		}
	}
	if sv := r.Server; sv != nil {
		line("server", "pid %d: RSS peak %s (end %s, VmHWM %s); CPU %.2fs "+
			"(%.0f%%), %.2fs (%.0f%%) while sending and draining",
			sv.PID, mib(sv.RSSPeakBytes), mib(sv.RSSEndBytes),
			mib(sv.HWMBytes), sv.CPUSeconds, sv.CPUPercent, sv.SendCPUSecs,
			sv.SendCPUPct)
		if sv.Error != "" {
			line("", "measuring the server: %s", sv.Error)
		}
	}
	line("swarm", "used %.2fs of CPU, RSS peak %s", r.Swarm.CPUSeconds,
		mib(r.Swarm.RSSPeak))
	_, err := io.WriteString(w, b.String())
	return err
}

// group formats n with thousands separators: 1234567 is "1,234,567".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// fmtMS formats milliseconds with about three significant digits.
func fmtMS(v float64) string {
	d := time.Duration(v * 1e6)
	switch {
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	case d >= 10*time.Millisecond:
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	case d >= time.Millisecond:
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(v*1000, 'f', 0, 64) + "µs"
}

func mib(b int64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}
