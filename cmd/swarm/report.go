package main

import (
	"encoding/json"
	"io"
	"os"
	"time"
)

// report is what a run measured. Its exported fields are the -json
// output; times are in milliseconds or seconds as their names say.
type report struct {
	Network     string `json:"network"`
	Address     string `json:"address"`
	Interrupted bool   `json:"interrupted"`
	Config      struct {
		Clients    int     `json:"clients"`
		Senders    int     `json:"senders"`
		Slow       int     `json:"slow"`
		Rate       float64 `json:"rate"`
		Window     int     `json:"window"`
		DurationS  float64 `json:"duration_s"`
		Size       int     `json:"size"`
		SrcIPs     int     `json:"src_ips"`
		BufferSize int     `json:"read_buffer"`
	} `json:"config"`
	Clients struct {
		Connected int64          `json:"connected"`
		Failed    int64          `json:"failed"`
		Retries   int64          `json:"connect_retries"`
		Errors    map[string]int `json:"errors,omitempty"`
		TotalMS   float64        `json:"connect_total_ms"`
		P50MS     float64        `json:"connect_p50_ms"`
		P99MS     float64        `json:"connect_p99_ms"`
		MaxMS     float64        `json:"connect_max_ms"`
	} `json:"clients"`
	Settle struct {
		SawProbe int     `json:"saw_probe"`
		Of       int     `json:"of"`
		MS       float64 `json:"ms"`
	} `json:"settle"`
	Lines struct {
		Sent         int64   `json:"sent"`
		PerSecond    float64 `json:"per_second"`
		SendSeconds  float64 `json:"send_seconds"`
		SendErrors   int     `json:"send_errors"`
		FirstError   string  `json:"first_send_error,omitempty"`
		WindowStalls int64   `json:"window_stalls"`
	} `json:"lines"`
	Deliveries struct {
		Receivers int64    `json:"receivers"`
		Expected  int64    `json:"expected"`
		Received  int64    `json:"received"`
		Missing   int64    `json:"missing"`
		NotInRoom int64    `json:"missing_at_clients_not_in_room"`
		Ratio     *float64 `json:"ratio"`
		PerSecond float64  `json:"per_second"`
		Drained   bool     `json:"drained"`
		DrainMS   float64  `json:"drain_ms"`
	} `json:"deliveries"`
	Latency struct {
		P50MS float64 `json:"p50_ms"`
		P99MS float64 `json:"p99_ms"`
		MaxMS float64 `json:"max_ms"`
	} `json:"latency"`
	Problems struct {
		Gaps         int64  `json:"gaps"`
		Duplicates   int64  `json:"duplicates"`
		Echoes       int64  `json:"echoes"`
		Corrupt      int64  `json:"corrupt"`
		Unknown      int64  `json:"unknown_lines"`
		Unexpected   int64  `json:"unexpected"`
		Disconnected int64  `json:"disconnected_by_server"`
		FirstDisconn string `json:"first_disconnect,omitempty"`
	} `json:"problems"`
	Other struct {
		Notices      int64 `json:"notices"`
		ServerErrors int64 `json:"server_errors"`
		Foreign      int64 `json:"foreign_lines"`
		Probes       int64 `json:"probes"`
	} `json:"other"`
	Slow   *slowReport  `json:"slow,omitempty"`
	Server *serverStats `json:"server,omitempty"`
	Swarm  struct {
		CPUSeconds float64 `json:"cpu_seconds"`
		RSSPeak    int64   `json:"rss_peak_bytes"`
	} `json:"swarm"`

	connectTime, settleTime, drainTime time.Duration
	settled, settleOf                  int
	drained, slowChecked, interrupted  bool
	server                             *serverStats
	swarmCPU                           time.Duration
}

// slowReport says what became of the clients that stopped reading.
type slowReport struct {
	Clients        int   `json:"clients"`
	Checked        bool  `json:"checked"`
	CutOff         int   `json:"cut_off"`
	StillConnected int   `json:"still_connected"`
	BytesDrained   int64 `json:"bytes_drained"`
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// fill computes the report once every reader has returned.
func (s *swarm) fill(r *report) {
	cfg := s.cfg
	r.Network, r.Address, r.Interrupted = cfg.network, cfg.address, r.interrupted
	r.Config.Clients, r.Config.Senders = cfg.clients, cfg.senders
	r.Config.Slow = cfg.slow
	r.Config.Rate, r.Config.Window = cfg.rate, cfg.window
	r.Config.DurationS, r.Config.Size = cfg.duration.Seconds(), cfg.size
	r.Config.SrcIPs, r.Config.BufferSize = cfg.srcIPs, s.bufSize

	r.Clients.Connected, r.Clients.Failed = s.connected.Load(), s.failed.Load()
	r.Clients.Retries = s.retries.Load()
	if len(s.dialErrs) > 0 {
		r.Clients.Errors = s.dialErrs
	}
	r.Clients.TotalMS = ms(r.connectTime)
	if d := s.connectTimes(); len(d) > 0 {
		r.Clients.P50MS = ms(d[(len(d)-1)/2])
		r.Clients.P99MS = ms(d[(len(d)-1)*99/100])
		r.Clients.MaxMS = ms(d[len(d)-1])
	}
	r.Settle.SawProbe, r.Settle.Of = r.settled, r.settleOf
	r.Settle.MS = ms(r.settleTime)

	sent := make([]int64, len(s.senders))
	for i, st := range s.senders {
		sent[i] = st.sent.Load()
		r.Lines.Sent += sent[i]
		r.Lines.WindowStalls += st.stalls
		if st.err != nil {
			r.Lines.SendErrors++
			if r.Lines.FirstError == "" {
				r.Lines.FirstError = st.err.Error()
			}
		}
	}
	sendTime := time.Duration(s.sendEnd - s.sendStart)
	r.Lines.SendSeconds = sendTime.Seconds()
	if sendTime > 0 {
		r.Lines.PerSecond = float64(r.Lines.Sent) / sendTime.Seconds()
	}

	d, p, o := &r.Deliveries, &r.Problems, &r.Other
	var last int64
	for _, c := range s.clients {
		if c == nil {
			continue
		}
		p.Echoes += c.echoes
		p.Unknown += c.unknown
		o.Notices += c.notices
		o.ServerErrors += c.serverErrors
		o.Foreign += c.foreign
		o.Probes += c.probes
		if c.slow {
			continue
		}
		d.Receivers++
		want, got := s.want(c, sent), c.recv.Load()
		if got > want {
			p.Unexpected += got - want
			got = want
		}
		d.Expected += want
		d.Received += got
		if !c.inRoom {
			d.NotInRoom += want - got
		}
		p.Gaps += c.gaps
		p.Duplicates += c.dups
		p.Corrupt += c.corrupt
		last = max(last, c.lastNs)
		if c.goneErr != nil {
			p.Disconnected++
			if p.FirstDisconn == "" {
				p.FirstDisconn = c.goneErr.Error()
			}
		}
	}
	d.Missing = d.Expected - d.Received
	if d.Expected > 0 {
		ratio := float64(d.Received) / float64(d.Expected)
		d.Ratio = &ratio
	}
	if span := time.Duration(last - s.sendStart); last > 0 && span > 0 {
		d.PerSecond = float64(d.Received) / span.Seconds()
	}
	d.Drained, d.DrainMS = r.drained, ms(r.drainTime)

	l := s.hist.summary()
	r.Latency.P50MS, r.Latency.P99MS = ms(l.p50), ms(l.p99)
	r.Latency.MaxMS = ms(l.max)

	if cfg.slow > 0 {
		r.Slow = &slowReport{}
		r.Slow.Checked = r.slowChecked
		for _, c := range s.clients {
			if c == nil || !c.slow {
				continue
			}
			r.Slow.Clients++
			r.Slow.BytesDrained += c.slowBytes
			if c.slowCut {
				r.Slow.CutOff++
			} else if r.slowChecked {
				r.Slow.StillConnected++
			}
		}
	}
	r.Server = r.server
	r.Swarm.CPUSeconds = r.swarmCPU.Seconds()
	_, r.Swarm.RSSPeak, _ = procMem(os.Getpid())
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
