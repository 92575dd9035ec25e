// Command scenario makes the TCP traffic that the analysis fixtures
// record: record.sh captures it with tcpdump and writes tshark's
// analysis of it beside the capture.
//
//	go run ./inspect/analysis/testdata/scenario NAME PORT
//
// NAME is one of keepalive, halfclose, unread, refused, zerowindow,
// windowfull or lossy; PORT is the server's port on 127.0.0.1.
package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: scenario NAME PORT")
	}
	addr := "127.0.0.1:" + os.Args[2]
	scenarios := map[string]func(string) error{
		"keepalive":  keepalive,
		"halfclose":  halfclose,
		"unread":     unread,
		"refused":    refused,
		"zerowindow": zerowindow,
		"windowfull": windowfull,
		"lossy":      lossy,
	}
	f, ok := scenarios[os.Args[1]]
	if !ok {
		log.Fatalf("unknown scenario %q", os.Args[1])
	}
	if err := f(addr); err != nil {
		log.Fatal(err)
	}
}

// serve accepts one connection on addr and hands it to h in the
// background; done is closed when h returns.
func serve(addr string, h func(net.Conn)) (done chan struct{}, err error) {
	return serveWith(net.ListenConfig{}, addr, h)
}

// serveWith is serve with a ListenConfig.
func serveWith(lc net.ListenConfig, addr string, h func(net.Conn)) (done chan struct{}, err error) {
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	done = make(chan struct{})
	go func() {
		defer close(done)
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			log.Print(err)
			return
		}
		defer c.Close()
		h(c)
	}()
	return done, nil
}

// echoUpper answers each line with the line in capitals.
func echoUpper(c net.Conn) {
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		fmt.Fprintf(c, "%s\n", strings.ToUpper(sc.Text()))
	}
}

// keepalive lets a quiet connection send two keepalives a second apart,
// then speaks again.
func keepalive(addr string) error {
	done, err := serve(addr, echoUpper)
	if err != nil {
		return err
	}
	d := net.Dialer{KeepAliveConfig: net.KeepAliveConfig{
		Enable: true, Idle: time.Second, Interval: time.Second, Count: 5}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	r := bufio.NewReader(c)
	for _, line := range []string{"hello", "still there?"} {
		fmt.Fprintf(c, "%s\n", line)
		if _, err := r.ReadString('\n'); err != nil {
			return err
		}
		time.Sleep(2500 * time.Millisecond)
	}
	c.Close()
	<-done
	return nil
}

// halfclose sends a request and closes its sending side; the server
// answers in three writes after the client's FIN.
func halfclose(addr string) error {
	done, err := serve(addr, func(c net.Conn) {
		req, _ := io.ReadAll(c)
		for i := 0; i < 3; i++ {
			fmt.Fprintf(c, "part %d of the answer to %q\n", i+1, bytes.TrimSpace(req))
			time.Sleep(20 * time.Millisecond)
		}
	})
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(c, "what time is it?\n")
	c.(*net.TCPConn).CloseWrite()
	if _, err := io.Copy(io.Discard, c); err != nil {
		return err
	}
	c.Close()
	<-done
	return nil
}

// unread has the server close without reading what the client sent, so
// its kernel resets the connection.
func unread(addr string) error {
	got := make(chan struct{})
	done, err := serve(addr, func(c net.Conn) {
		<-got
		time.Sleep(50 * time.Millisecond)
	})
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(c, "are you reading this?\n")
	close(got)
	<-done
	_, err = c.Read(make([]byte, 10))
	log.Printf("client read: %v", err)
	c.Close()
	return nil
}

// refused connects to a port where nothing listens.
func refused(addr string) error {
	_, err := net.Dial("tcp", addr)
	log.Printf("dial: %v", err)
	return nil
}

// zerowindow has the server stop reading until the client's writes
// fill its receive buffer, then read everything.
func zerowindow(addr string) error {
	const total = 64 << 10
	// A small receive buffer, set before listening so that the
	// handshake announces it, fills after a few segments.
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	done, err := serveWith(lc, addr, func(c net.Conn) {
		time.Sleep(1500 * time.Millisecond)
		n, _ := io.Copy(io.Discard, c)
		log.Printf("server read %d bytes", n)
	})
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	c.(*net.TCPConn).SetWriteBuffer(4096)
	line := bytes.Repeat([]byte("z"), 1023)
	line = append(line, '\n')
	for sent := 0; sent < total; sent += len(line) {
		if _, err := c.Write(line); err != nil {
			return err
		}
	}
	c.Close()
	<-done
	return nil
}

// windowfull is zerowindow with the receive buffer made small only after
// the handshake, which announced a window scale for a large one: the
// windows are scaled when they fill.
func windowfull(addr string) error {
	done, err := serve(addr, func(c net.Conn) {
		c.(*net.TCPConn).SetReadBuffer(4096)
		time.Sleep(1500 * time.Millisecond)
		n, _ := io.Copy(io.Discard, c)
		log.Printf("server read %d bytes", n)
	})
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	line := bytes.Repeat([]byte("w"), 1023)
	line = append(line, '\n')
	for sent := 0; sent < 64<<10; sent += len(line) {
		if _, err := c.Write(line); err != nil {
			return err
		}
	}
	c.Close()
	<-done
	return nil
}

// lossy sends lines one by one and reads their echoes, through a link
// that loses and reorders segments (record.sh sets netem on lo).
func lossy(addr string) error {
	done, err := serve(addr, echoUpper)
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	r := bufio.NewReader(c)
	go func() {
		for i := 0; i < 200; i++ {
			fmt.Fprintf(c, "line %03d of the lossy link %s\n", i, strings.Repeat(".", 40))
			if i%20 == 0 {
				time.Sleep(30 * time.Millisecond)
			}
		}
		c.(*net.TCPConn).CloseWrite()
	}()
	n, err := io.Copy(io.Discard, r)
	log.Printf("client read %d bytes: %v", n, err)
	c.Close()
	<-done
	return nil
}
