package main

import "testing"

// A server is this lab's server, as the tests see it. (The labs before
// have a Node twin too, and run these tests against both; this lab has
// none: see its guide.)
type server struct {
	start func(t testing.TB) *testServer
	// unnamed is how the server's log names a client whose socket has no
	// name: Go says "@".
	unnamed string
	// firstFault is true if a refusal names the first fault in a line,
	// as Go's checkText does.
	firstFault bool
}

// eachServer runs test against the Go server, which startServer runs in
// this process, alone: without a bus it is the room of lab 09.
func eachServer(t *testing.T, test func(t *testing.T, s server)) {
	t.Run("the Go server", func(t *testing.T) {
		test(t, server{startServer, "@", true})
	})
}
