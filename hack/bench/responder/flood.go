//go:build linux

package main

import (
	"context"
	"math"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
	"golang.org/x/net/ipv4"
)

// flood sends rate client requests per second from source to server until
// ctx ends, and returns how many it sent. It does not read the replies:
// a flooder does not care.
func flood(ctx context.Context, source netip.Addr, server netip.AddrPort, rate int) (int, error) {
	conn, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(source, 0)), net.UDPAddrFromAddrPort(server))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	pc := ipv4.NewPacketConn(conn)
	msgs := newMessages(batchSize, 48)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start, sent := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return sent, nil
		case <-tick.C:
		}
		due := int(time.Since(start).Seconds()*float64(rate)) - sent
		for due > 0 {
			n, err := pc.WriteBatch(msgs[:min(due, batchSize)], 0)
			if err != nil {
				// A full socket buffer on loopback: the kernel drops, and
				// so may we.
				break
			}
			sent += n
			due -= n
		}
	}
}

// peerSamples is what a legitimate peer measured, one query a second.
type peerSamples struct {
	queries             int
	answered            int
	kod                 int
	offsets, delays     []time.Duration
	boundsCoverTruth    int
	timestampingKernels int
}

// measurePeer queries server once a second for count seconds with the
// agents' own client, as a peer would, and checks each sample against the
// truth: offset 0, since both ends read the same kernel clock.
func measurePeer(ctx context.Context, server netip.AddrPort, count int) peerSamples {
	c := &ntp.Client{Timeout: time.Second}
	var s peerSamples
	for range count {
		s.queries++
		x, err := c.Query(ctx, server)
		if err == nil {
			var smp sampleView
			if smp, err = sampleOf(x); err == nil {
				s.answered++
				s.offsets = append(s.offsets, smp.offset)
				s.delays = append(s.delays, smp.delay)
				if smp.offset.Abs() <= smp.bound {
					s.boundsCoverTruth++
				}
				if smp.timestamping == ntp.StampKernel {
					s.timestampingKernels++
				}
			}
		}
		if _, kod := ntp.IsKoD(err); kod {
			s.kod++
		}
		select {
		case <-ctx.Done():
			return s
		case <-time.After(time.Second):
		}
	}
	return s
}

// sampleView is the part of a sample the benchmarks print.
type sampleView struct {
	offset, delay, bound time.Duration
	timestamping         string
}

// sampleOf validates an exchange and keeps what the benchmarks print.
func sampleOf(x ntp.Exchange) (sampleView, error) {
	s, err := x.Sample("bench")
	if err != nil {
		return sampleView{}, err
	}
	return sampleView{offset: s.Offset, delay: s.Delay, bound: s.ErrorBound(), timestamping: s.Timestamping}, nil
}

// maxAbs returns the largest |d|.
func maxAbs(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d.Abs())
	}
	return m
}

// median returns the middle value.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// stddev returns the standard deviation.
func stddev(ds []time.Duration) time.Duration {
	if len(ds) < 2 {
		return 0
	}
	var sum, sq float64
	for _, d := range ds {
		sum += float64(d)
	}
	mean := sum / float64(len(ds))
	for _, d := range ds {
		sq += (float64(d) - mean) * (float64(d) - mean)
	}
	return time.Duration(math.Sqrt(sq / float64(len(ds)-1)))
}
