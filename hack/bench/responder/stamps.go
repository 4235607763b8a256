//go:build linux

package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
)

// stampResult is the delay and offset spread of many loopback exchanges
// with one combination of timestamping at the client and the responder.
type stampResult struct {
	client, responder string
	offsets, delays   []time.Duration
}

// measureStamps runs count exchanges, spacing apart, against a responder
// on loopback that takes kernel or user-space receive timestamps, with the
// kernel-timestamping client or a user-space one. Both ends read the same
// clock, so every offset is an error and its spread is the jitter.
func measureStamps(ctx context.Context, kernelClient, kernelResponder bool, count int, spacing time.Duration) (stampResult, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return stampResult{}, err
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &ntp.Responder{UserTimestamps: !kernelResponder}
	go func() { _ = r.Serve(ctx, conn) }()
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	res := stampResult{client: where(kernelClient), responder: where(kernelResponder)}
	kernel := &ntp.Client{Timeout: time.Second}
	for range count {
		var x ntp.Exchange
		if kernelClient {
			x, err = kernel.Query(ctx, addr)
		} else {
			x, err = userQuery(addr)
		}
		if err != nil {
			return res, err
		}
		s, err := sampleOf(x)
		if err != nil {
			return res, err
		}
		res.offsets = append(res.offsets, s.offset)
		res.delays = append(res.delays, s.delay)
		time.Sleep(spacing)
	}
	return res, nil
}

// where names a kind of timestamp.
func where(kernel bool) string {
	if kernel {
		return "kernel"
	}
	return "user"
}

// userQuery is an exchange timestamped in user space: right before the
// send and right after the receive returns, as a client without
// SO_TIMESTAMPING does.
func userQuery(addr netip.AddrPort) (ntp.Exchange, error) {
	conn, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return ntp.Exchange{}, err
	}
	defer conn.Close()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	req := ntp.NewRequest(binary.BigEndian.Uint64(nonce[:]))
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 1500)
	t1 := time.Now().Round(0)
	if _, err := conn.Write(req); err != nil {
		return ntp.Exchange{}, err
	}
	n, err := conn.Read(buf)
	t4 := time.Now().Round(0)
	if err != nil {
		return ntp.Exchange{}, err
	}
	return ntp.Exchange{Reply: buf[:n], Nonce: binary.BigEndian.Uint64(nonce[:]), T1: t1, T4: t4, Timestamping: ntp.StampUser}, nil
}
