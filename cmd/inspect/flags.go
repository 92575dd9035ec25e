package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/visible"
)

// portList is the -port flag of every inspect command: repeatable, and
// each value a port or a comma-separated list (3008,3009). The first use
// replaces the default it was created with.
type portList struct {
	ports []int
	set   bool
}

func (l *portList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(l.ports))
	for i, p := range l.ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

func (l *portList) Set(v string) error {
	if !l.set {
		l.ports, l.set = nil, true
	}
	for _, f := range strings.Split(v, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("%s is not a TCP port (1-65535)", visible.Quote(f))
		}
		l.ports = append(l.ports, p)
	}
	return nil
}

// pathList is the -path flag of every inspect command: repeatable, each
// value one socket path. The first use replaces the default it was
// created with; a path given twice is kept once. As in the labs, an
// empty path means none: -path '' watches no socket path.
type pathList struct {
	paths []string
	set   bool
}

func (l *pathList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.paths, ",")
}

func (l *pathList) Set(v string) error {
	if !l.set {
		l.paths, l.set = nil, true
	}
	if v != "" && !slices.Contains(l.paths, v) {
		l.paths = append(l.paths, v)
	}
	return nil
}
