package ptp

import (
	"encoding/binary"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/facebook/time/ptp/protocol"
)

var (
	gmAddr    = netip.MustParseAddr("198.18.0.1")
	otherAddr = netip.MustParseAddr("198.18.0.9")
	ourPort   = protocol.PortIdentity{ClockIdentity: 0x0200000000000001, PortNumber: 1}
)

// fakeGM is a grandmaster whose clock reads ahead of ours, behind a path
// of the given one-way delay. Its messages are queued; a Delay_Req gets a
// Delay_Resp; granting unicast service starts Announces and Syncs.
type fakeGM struct {
	t           testing.TB
	ahead       time.Duration
	delay       time.Duration
	tai         bool
	respondTo   protocol.PortIdentity
	denyUnicast bool
	queue       []packet
	requests    []protocol.MessageType
	now         time.Time
}

// gmTime is the grandmaster's reading of local time at.
func (g *fakeGM) gmTime(at time.Time) time.Time {
	t := at.Add(g.ahead)
	if g.tai {
		t = t.Add(37 * time.Second)
	}
	return t
}

func (g *fakeGM) header(kind protocol.MessageType, seq uint16, flags uint16) protocol.Header {
	if g.tai {
		flags |= protocol.FlagPTPTimescale | protocol.FlagCurrentUtcOffsetValid
	}
	return protocol.Header{SdoIDAndMsgType: protocol.NewSdoIDAndMsgType(kind, 0), Version: protocol.Version, SequenceID: seq, FlagField: flags,
		SourcePortIdentity: protocol.PortIdentity{ClockIdentity: 0xaa2b66fffe082961, PortNumber: 1}}
}

func (g *fakeGM) push(from netip.Addr, p protocol.Packet, rx time.Time) {
	b, err := protocol.Bytes(p)
	if err != nil {
		g.t.Fatal(err)
	}
	g.queue = append(g.queue, packet{data: b, from: from, rx: stamp{sw: rx}})
}

// announce queues an Announce.
func (g *fakeGM) announce() {
	g.push(gmAddr, &protocol.Announce{Header: g.header(protocol.MessageAnnounce, 1, 0), AnnounceBody: protocol.AnnounceBody{
		CurrentUTCOffset: 37, GrandmasterIdentity: 0xaa2b66fffe082961,
		GrandmasterClockQuality: protocol.ClockQuality{ClockClass: 6, ClockAccuracy: protocol.ClockAccuracyNanosecond100}}}, g.now)
}

// sync queues a two-step Sync sent now and its Follow_Up.
func (g *fakeGM) sync(seq uint16) {
	sent := g.now
	g.now = g.now.Add(g.delay)
	g.push(gmAddr, &protocol.SyncDelayReq{Header: g.header(protocol.MessageSync, seq, protocol.FlagTwoStep)}, g.now)
	g.push(gmAddr, &protocol.FollowUp{Header: g.header(protocol.MessageFollowUp, seq, 0),
		FollowUpBody: protocol.FollowUpBody{PreciseOriginTimestamp: protocol.NewTimestamp(g.gmTime(sent))}}, g.now)
}

func (g *fakeGM) receive(time.Time) (packet, error) {
	if len(g.queue) == 0 {
		return packet{}, os.ErrDeadlineExceeded
	}
	p := g.queue[0]
	g.queue = g.queue[1:]
	return p, nil
}

func (g *fakeGM) sendEvent(b []byte) (stamp, error) {
	req := &protocol.SyncDelayReq{}
	if err := protocol.FromBytes(b, req); err != nil || req.MessageType() != protocol.MessageDelayReq {
		g.t.Fatalf("sent %v %v, want a Delay_Req", req.MessageType(), err)
	}
	sent := g.now.Add(time.Microsecond)
	g.now = sent.Add(g.delay)
	port := req.SourcePortIdentity
	if g.respondTo != (protocol.PortIdentity{}) {
		port = g.respondTo
	}
	g.push(gmAddr, &protocol.DelayResp{Header: g.header(protocol.MessageDelayResp, req.SequenceID, 0),
		DelayRespBody: protocol.DelayRespBody{ReceiveTimestamp: protocol.NewTimestamp(g.gmTime(g.now)), RequestingPortIdentity: port}}, g.now)
	return stamp{sw: sent}, nil
}

func (g *fakeGM) sendGeneral(b []byte) error {
	sig := &protocol.Signaling{}
	if err := protocol.FromBytes(b, sig); err != nil {
		g.t.Fatal(err)
	}
	for _, tlv := range sig.TLVs {
		req := tlv.(*protocol.RequestUnicastTransmissionTLV)
		kind := req.MsgTypeAndReserved.MsgType()
		g.requests = append(g.requests, kind)
		grant := &protocol.GrantUnicastTransmissionTLV{
			TLVHead:            protocol.TLVHead{TLVType: protocol.TLVGrantUnicastTransmission, LengthField: 8},
			MsgTypeAndReserved: req.MsgTypeAndReserved, DurationField: req.DurationField}
		if g.denyUnicast {
			grant.DurationField = 0
		}
		size := binary.Size(protocol.Header{}) + binary.Size(protocol.PortIdentity{}) + 12
		h := g.header(protocol.MessageSignaling, 1, protocol.FlagUnicast)
		h.MessageLength = uint16(size)
		g.push(gmAddr, &protocol.Signaling{Header: h, TargetPortIdentity: ourPort, TLVs: []protocol.TLV{grant}}, g.now)
		switch {
		case g.denyUnicast:
		case kind == protocol.MessageAnnounce:
			g.announce()
		case kind == protocol.MessageDelayResp:
			g.sync(100)
		}
	}
	return nil
}

func (g *fakeGM) close() error { return nil }

func TestSessionMeasures(t *testing.T) {
	tests := []struct {
		name       string
		gm         fakeGM
		noise      func(g *fakeGM)
		wantOffset time.Duration
		wantErr    string
	}{
		{name: "grandmaster 3 ms ahead: offset -3 ms", gm: fakeGM{ahead: 3 * time.Millisecond, delay: 40 * time.Microsecond}, wantOffset: -3 * time.Millisecond},
		{name: "grandmaster on TAI", gm: fakeGM{ahead: -500 * time.Microsecond, delay: 40 * time.Microsecond, tai: true}, wantOffset: 500 * time.Microsecond},
		{name: "messages from another host are ignored", gm: fakeGM{delay: 10 * time.Microsecond}, noise: func(g *fakeGM) {
			g.push(otherAddr, &protocol.SyncDelayReq{Header: g.header(protocol.MessageSync, 7, protocol.FlagTwoStep)}, g.now)
			g.push(otherAddr, &protocol.FollowUp{Header: g.header(protocol.MessageFollowUp, 7, 0)}, g.now)
		}},
		{name: "garbage is ignored", gm: fakeGM{delay: 10 * time.Microsecond}, noise: func(g *fakeGM) {
			g.queue = append(g.queue, packet{data: []byte{0x01, 0x02, 0x00}, from: gmAddr, rx: stamp{sw: g.now}})
		}},
		{name: "a Delay_Resp to another client is not ours", gm: fakeGM{delay: 10 * time.Microsecond, respondTo: protocol.PortIdentity{ClockIdentity: 1, PortNumber: 1}},
			wantErr: os.ErrDeadlineExceeded.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.gm
			g.t, g.now = t, epoch
			g.announce()
			if tt.noise != nil {
				tt.noise(&g)
			}
			g.sync(5)
			s := newSession(&g, gmAddr, ourPort, false, func() time.Time { return g.now })
			if err := s.awaitGrandmaster(epoch.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			x, err := s.measure(epoch.Add(time.Second))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			offset, delay := x.offset()
			if offset != tt.wantOffset || delay != g.delay {
				t.Errorf("offset %v delay %v, want %v and %v", offset, delay, tt.wantOffset, g.delay)
			}
		})
	}
}

func TestSessionUnicastNegotiation(t *testing.T) {
	tests := []struct {
		name    string
		deny    bool
		wantErr string
	}{
		{name: "granted"},
		{name: "refused", deny: true, wantErr: "refused unicast ANNOUNCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeGM{t: t, now: epoch, delay: 20 * time.Microsecond, denyUnicast: tt.deny}
			s := newSession(g, gmAddr, ourPort, true, func() time.Time { return g.now })
			err := s.awaitGrandmaster(epoch.Add(time.Second))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g.sync(1)
			if _, err := s.measure(epoch.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			want := []protocol.MessageType{protocol.MessageAnnounce, protocol.MessageSync, protocol.MessageDelayResp}
			if len(g.requests) != len(want) {
				t.Fatalf("asked for %v, want %v once each while the grants last", g.requests, want)
			}
			g.now = g.now.Add(grantDuration/2 + time.Second)
			g.sync(2)
			if _, err := s.measure(g.now.Add(time.Second)); err != nil || len(g.requests) != 2*len(want) {
				t.Errorf("after half the grant: asked %v (%v), want renewals", g.requests, err)
			}
		})
	}
}

func FuzzSessionHandle(f *testing.F) {
	g := &fakeGM{t: f, now: epoch}
	g.announce()
	g.sync(1)
	for _, p := range g.queue {
		f.Add(p.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fakeGM{t: t, now: epoch}
		s := newSession(g, gmAddr, ourPort, true, func() time.Time { return epoch })
		s.pending = &exchange{}
		for range 3 {
			x, _ := s.handle(packet{data: data, from: gmAddr, rx: stamp{sw: epoch}})
			if x != nil && !s.pending.sent {
				t.Fatal("an exchange completed without our Delay_Req")
			}
		}
	})
}
