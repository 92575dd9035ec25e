package main

import (
	"errors"
	"io"
	"testing"
)

func TestTUIExpression(t *testing.T) {
	t.Run("the words after the flags are one expression that decides alone", func(t *testing.T) {
		cfg, err := parseTUIFlags([]string{"-all", "tcp[tcpflags]", "&", "tcp-syn", "!=", "0"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Filter.String() != "tcp[tcpflags] & tcp-syn != 0" || !cfg.FilterAlone || !cfg.All {
			t.Errorf("filter %q, alone %v, all %v", cfg.Filter, cfg.FilterAlone, cfg.All)
		}
	})
	t.Run("with -port the expression narrows the port's packets", func(t *testing.T) {
		cfg, err := parseTUIFlags([]string{"-port", "4000", "src port 4000"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.FilterAlone || len(cfg.Ports) != 1 || cfg.Filter.String() != "src port 4000" {
			t.Errorf("filter %q, alone %v, ports %v", cfg.Filter, cfg.FilterAlone, cfg.Ports)
		}
	})
	t.Run("no expression is no filter", func(t *testing.T) {
		cfg, err := parseTUIFlags(nil, io.Discard)
		if err != nil || !cfg.Filter.Empty() || cfg.FilterAlone {
			t.Errorf("filter %q, alone %v, error %v", cfg.Filter, cfg.FilterAlone, err)
		}
	})
	t.Run("a malformed expression is a usage error", func(t *testing.T) {
		_, err := parseTUIFlags([]string{"tcp", "port"}, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("error %v, want a usage error", err)
		}
	})
}
