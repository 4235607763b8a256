//go:build linux

package main

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
)

// server is an NTP server on loopback serving this machine's clock, shifted
// and its replies rewritten as a case needs.
type server struct {
	conn *net.UDPConn
	// shift returns how far the server's clock is off at a receive time.
	shift func(now time.Time) time.Duration
	// mutate, when set, rewrites each reply (the n-th, from 0) before it
	// is sent.
	mutate func(reply []byte, n int)
	wg     sync.WaitGroup
}

// startServer serves on a free loopback port until close.
func startServer(shift func(time.Time) time.Duration, mutate func([]byte, int)) (*server, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("start an NTP server on loopback: %w", err)
	}
	if shift == nil {
		shift = func(time.Time) time.Duration { return 0 }
	}
	s := &server{conn: conn, shift: shift, mutate: mutate}
	s.wg.Go(s.serve)
	return s, nil
}

// serve answers requests until the connection closes.
func (s *server) serve() {
	r := &ntp.Responder{Stratum: 1, RootDispersion: 10 * time.Microsecond}
	buf := make([]byte, 1500)
	for n := 0; ; n++ {
		size, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		now := time.Now()
		shift := s.shift(now)
		reply, ok := r.Reply(buf[:size], now.Add(shift), time.Now().Add(shift))
		if !ok {
			continue
		}
		if s.mutate != nil {
			s.mutate(reply, n)
		}
		_, _ = s.conn.WriteToUDPAddrPort(reply, from)
	}
}

// addr is where the server listens.
func (s *server) addr() string { return s.conn.LocalAddr().String() }

func (s *server) close() {
	s.conn.Close()
	s.wg.Wait()
}

// servers starts n honest servers and returns them with the agent's
// arguments that run it against them ("run --ntp.server ...").
func servers(n int) ([]*server, []string, error) {
	var all []*server
	args := []string{"run"}
	for range n {
		s, err := startServer(nil, nil)
		if err != nil {
			closeAll(all)
			return nil, nil, err
		}
		all = append(all, s)
		args = append(args, "--ntp.server", s.addr())
	}
	return all, args, nil
}

func closeAll(servers []*server) {
	for _, s := range servers {
		s.close()
	}
}
