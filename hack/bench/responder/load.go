//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
)

// epoch is the zero of the timestamps the load generator puts in its
// requests' transmit field; the server echoes them as the origin, so a
// reply says by itself when its request left.
var epoch = time.Now()

// loadResult is what one load run measured.
type loadResult struct {
	replies int
	// stalls counts the times a socket heard nothing for 50 ms (requests
	// or replies dropped by full socket buffers) and refilled its window.
	stalls    int
	duration  time.Duration
	latencies []time.Duration // a sample of request-to-reply times
}

// rate is replies per second.
func (r loadResult) rate() float64 { return float64(r.replies) / r.duration.Seconds() }

// percentile returns the p-th percentile latency (0 ≤ p ≤ 1).
func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// loadConfig shapes a load run.
type loadConfig struct {
	server  netip.AddrPort
	source  netip.Addr // local address to send from
	workers int        // sockets, one goroutine each
	window  int        // requests in flight per socket
	length  time.Duration
}

// runLoad keeps window requests in flight on each of workers sockets for
// length, sending and receiving in batches (sendmmsg/recvmmsg) so that the
// load generator is cheaper than the server it measures.
func runLoad(cfg loadConfig) (loadResult, error) {
	var (
		mu    sync.Mutex
		total loadResult
		wg    sync.WaitGroup
		errs  = make(chan error, cfg.workers)
	)
	deadline := time.Now().Add(cfg.length)
	for range cfg.workers {
		wg.Go(func() {
			r, err := loadWorker(cfg, deadline)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			total.replies += r.replies
			total.stalls += r.stalls
			total.latencies = append(total.latencies, r.latencies...)
		})
	}
	wg.Wait()
	close(errs)
	total.duration = cfg.length
	return total, <-errs
}

// batchSize is the most messages one sendmmsg or recvmmsg moves.
const batchSize = 64

// latencySampleEvery keeps one latency in this many, to bound memory.
const latencySampleEvery = 16

// loadWorker runs one socket of the load until deadline.
func loadWorker(cfg loadConfig, deadline time.Time) (loadResult, error) {
	conn, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(cfg.source, 0)), net.UDPAddrFromAddrPort(cfg.server))
	if err != nil {
		return loadResult{}, err
	}
	defer conn.Close()
	_ = conn.SetReadBuffer(4 << 20)
	pc := ipv4.NewPacketConn(conn)
	out, in := newMessages(batchSize, 48), newMessages(batchSize, 1500)
	var r loadResult
	send := func(n int) error {
		for n > 0 {
			k := min(n, batchSize)
			now := uint64(time.Since(epoch))
			for i := range k {
				binary.BigEndian.PutUint64(out[i].Buffers[0][40:48], now)
			}
			sent, err := pc.WriteBatch(out[:k], 0)
			if err != nil {
				return err
			}
			n -= sent
		}
		return nil
	}
	if err := send(cfg.window); err != nil {
		return r, err
	}
	for time.Now().Before(deadline) {
		_ = conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := pc.ReadBatch(in, 0)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Replies were lost (full socket buffers): refill the window.
			r.stalls++
			if err := send(cfg.window); err != nil {
				return r, err
			}
			continue
		}
		if err != nil {
			return r, err
		}
		now := time.Since(epoch)
		for i := range n {
			if in[i].N < 48 {
				continue
			}
			r.replies++
			if r.replies%latencySampleEvery == 0 {
				sent := time.Duration(binary.BigEndian.Uint64(in[i].Buffers[0][24:32]))
				r.latencies = append(r.latencies, now-sent)
			}
		}
		if err := send(n); err != nil {
			return r, err
		}
	}
	return r, nil
}

// newMessages returns count messages with one buffer of size each; the
// 48-byte ones are NTPv4 client requests.
func newMessages(count, size int) []ipv4.Message {
	ms := make([]ipv4.Message, count)
	for i := range ms {
		b := make([]byte, size)
		b[0] = 4<<3 | 3
		ms[i].Buffers = [][]byte{b}
	}
	return ms
}
