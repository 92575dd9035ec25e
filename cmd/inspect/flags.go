package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/filter"
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
// empty path means none: -path "" watches no socket path.
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

// parseExpression joins the arguments after the flags with spaces, as
// tcpdump does, and parses them as a filter expression; none gives nil.
func parseExpression(args []string) (*filter.Expr, error) {
	if len(args) == 0 {
		return nil, nil
	}
	return filter.Parse(strings.Join(args, " "))
}

// filterPorts returns the ports a capture keeps beside an expression:
// those of -port when it was given or when there is no expression; with
// an expression alone, none, so that the expression decides.
func filterPorts(ports *portList, expr *filter.Expr) []int {
	if !ports.set && !expr.Empty() {
		return nil
	}
	return ports.ports
}

// filterHelp is the end of the help of the commands that take an
// expression.
const filterHelp = `
EXPRESSION is tcpdump's filter language, for example:
  tcp port 3008 or 3009          port 3008 and not host 127.0.0.2
  'tcp[tcpflags] & tcp-syn != 0' 'tcp[13] & 2 != 0 and len > 100'
  src portrange 3000-3010        ip6 and tcp
Quote it when it holds characters the shell reads (&, [, !, parentheses).
`
