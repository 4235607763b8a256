package ptp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/facebook/time/ptp/protocol"
)

// stamp is when a packet left or arrived, by the kernel (sw) and by the
// NIC (hw, zero when the NIC does not timestamp).
type stamp struct {
	sw, hw time.Time
}

// packet is a PTP message as received.
type packet struct {
	data []byte
	from netip.Addr
	rx   stamp
}

// transport moves the client's PTP messages: event messages (Delay_Req)
// with a transmit timestamp, general ones (signaling) without. The Linux
// one uses kernel timestamps; tests use a fake grandmaster.
type transport interface {
	// receive returns the next message, or os.ErrDeadlineExceeded.
	receive(deadline time.Time) (packet, error)
	sendEvent(b []byte) (stamp, error)
	sendGeneral(b []byte) error
	close() error
}

// grantDuration is how long unicast service is asked for; it is renewed
// when half of it is left.
const grantDuration = 60 * time.Second

// grantRetry is how long to wait for a grant before asking again.
const grantRetry = 2 * time.Second

// unicastServices are the messages a unicast client asks the grandmaster
// for, in the order IEEE 1588 negotiation expects.
var unicastServices = []protocol.MessageType{protocol.MessageAnnounce, protocol.MessageSync, protocol.MessageDelayResp}

// session is the client's conversation with one grandmaster: it follows
// its Announces, and measures on demand with one two-step (or one-step)
// end-to-end exchange. It never steers a clock.
type session struct {
	t       transport
	server  netip.Addr
	port    protocol.PortIdentity
	unicast bool
	now     func() time.Time

	gm      grandmaster
	haveGM  bool
	grants  map[protocol.MessageType]time.Time
	denied  error
	genSeq  uint16
	evSeq   uint16
	pending *exchange
}

// exchange is an exchange in progress.
type exchange struct {
	syncSeq  uint16
	t1       time.Time
	t2       stamp
	syncCorr time.Duration
	haveT1   bool
	delaySeq uint16
	t3       stamp
	sent     bool
}

func newSession(t transport, server netip.Addr, port protocol.PortIdentity, unicast bool, now func() time.Time) *session {
	return &session{t: t, server: server, port: port, unicast: unicast, now: now, grants: map[protocol.MessageType]time.Time{}}
}

// awaitGrandmaster waits for the first Announce (asking for unicast
// service first, in unicast mode).
func (s *session) awaitGrandmaster(deadline time.Time) error {
	for !s.haveGM {
		if err := s.renewGrants(); err != nil {
			return err
		}
		if _, err := s.next(deadline); err != nil {
			return err
		}
	}
	return nil
}

// measure runs one exchange and returns its timestamps.
func (s *session) measure(deadline time.Time) (stamps, error) {
	s.pending = &exchange{}
	for {
		if err := s.renewGrants(); err != nil {
			return stamps{}, err
		}
		x, err := s.next(deadline)
		if err != nil {
			return stamps{}, err
		}
		if x != nil {
			return *x, nil
		}
	}
}

// next handles one message; it returns the stamps when it completed the
// pending exchange.
func (s *session) next(deadline time.Time) (*stamps, error) {
	p, err := s.t.receive(deadline)
	if err != nil {
		return nil, err
	}
	if p.from != s.server {
		return nil, nil
	}
	return s.handle(p)
}

// handle dispatches one message from the grandmaster. Malformed messages
// are ignored, as are ones that belong to no exchange of ours.
func (s *session) handle(p packet) (*stamps, error) {
	msg, err := protocol.DecodePacket(p.data)
	if err != nil {
		return nil, nil
	}
	switch m := msg.(type) {
	case *protocol.Announce:
		s.gm, s.haveGM = grandmasterOf(m), true
	case *protocol.SyncDelayReq:
		if m.MessageType() == protocol.MessageSync {
			return nil, s.onSync(m, p.rx)
		}
	case *protocol.FollowUp:
		return nil, s.onFollowUp(m)
	case *protocol.DelayResp:
		return s.onDelayResp(m), nil
	case *protocol.Signaling:
		s.onSignaling(m)
		return nil, s.denied
	}
	return nil, nil
}

// onSync starts an exchange; a one-step Sync carries t1 itself.
func (s *session) onSync(m *protocol.SyncDelayReq, rx stamp) error {
	x := s.pending
	if x == nil || x.sent || !s.haveGM {
		return nil
	}
	*x = exchange{syncSeq: m.SequenceID, t2: rx, syncCorr: m.CorrectionField.Duration()}
	if m.FlagField&protocol.FlagTwoStep != 0 {
		return nil
	}
	x.t1, x.haveT1 = s.gm.toUTC(m.OriginTimestamp.Time()), true
	return s.sendDelayReq()
}

// onFollowUp completes the Sync it follows and sends our Delay_Req.
func (s *session) onFollowUp(m *protocol.FollowUp) error {
	x := s.pending
	if x == nil || x.sent || x.haveT1 || x.t2.sw.IsZero() || m.SequenceID != x.syncSeq {
		return nil
	}
	x.t1, x.haveT1 = s.gm.toUTC(m.PreciseOriginTimestamp.Time()), true
	x.syncCorr += m.CorrectionField.Duration()
	return s.sendDelayReq()
}

// sendDelayReq sends a Delay_Req and notes when it left.
func (s *session) sendDelayReq() error {
	x := s.pending
	s.evSeq++
	req := &protocol.SyncDelayReq{Header: s.header(protocol.MessageDelayReq, s.evSeq, binary.Size(protocol.Header{})+binary.Size(protocol.SyncDelayReqBody{}))}
	b, err := protocol.Bytes(req)
	if err != nil {
		return err
	}
	tx, err := s.t.sendEvent(b)
	if err != nil {
		return fmt.Errorf("ptp: send Delay_Req to %s: %w", s.server, err)
	}
	x.delaySeq, x.t3, x.sent = s.evSeq, tx, true
	return nil
}

// onDelayResp completes the exchange when the answer is to our request.
func (s *session) onDelayResp(m *protocol.DelayResp) *stamps {
	x := s.pending
	if x == nil || !x.sent || m.SequenceID != x.delaySeq || m.RequestingPortIdentity != s.port {
		return nil
	}
	st := stamps{
		t1: x.t1, t2: x.t2.sw, t3: x.t3.sw, t4: s.gm.toUTC(m.ReceiveTimestamp.Time()),
		syncCorrection: x.syncCorr, delayCorrection: m.CorrectionField.Duration(),
		t2hw: x.t2.hw, t3hw: x.t3.hw,
	}
	return &st
}

// onSignaling records unicast grants and cancellations.
func (s *session) onSignaling(m *protocol.Signaling) {
	for _, tlv := range m.TLVs {
		switch v := tlv.(type) {
		case *protocol.GrantUnicastTransmissionTLV:
			kind := v.MsgTypeAndReserved.MsgType()
			if v.DurationField == 0 {
				s.denied = fmt.Errorf("ptp: grandmaster %s refused unicast %s service", s.server, kind)
				continue
			}
			s.grants[kind] = s.now().Add(time.Duration(v.DurationField) * time.Second)
		case *protocol.CancelUnicastTransmissionTLV:
			delete(s.grants, v.MsgTypeAndFlags.MsgType())
		}
	}
}

// renewGrants asks for unicast service that is missing or half used up.
func (s *session) renewGrants() error {
	if !s.unicast {
		return nil
	}
	if s.denied != nil {
		return s.denied
	}
	now := s.now()
	for _, kind := range unicastServices {
		if until, ok := s.grants[kind]; ok && until.Sub(now) > grantDuration/2 {
			continue
		}
		if err := s.requestService(kind); err != nil {
			return err
		}
		// The grant comes back among the other messages; ask again
		// after grantRetry if it does not.
		s.grants[kind] = now.Add(grantDuration/2 + grantRetry)
	}
	return nil
}

// requestService sends REQUEST_UNICAST_TRANSMISSION for kind.
func (s *session) requestService(kind protocol.MessageType) error {
	tlv := &protocol.RequestUnicastTransmissionTLV{
		TLVHead:            protocol.TLVHead{TLVType: protocol.TLVRequestUnicastTransmission, LengthField: uint16(binary.Size(protocol.RequestUnicastTransmissionTLV{}) - binary.Size(protocol.TLVHead{}))},
		MsgTypeAndReserved: protocol.NewUnicastMsgTypeAndFlags(kind, 0),
		DurationField:      uint32(grantDuration / time.Second),
	}
	s.genSeq++
	size := binary.Size(protocol.Header{}) + binary.Size(protocol.PortIdentity{}) + binary.Size(protocol.RequestUnicastTransmissionTLV{})
	msg := &protocol.Signaling{
		Header:             s.header(protocol.MessageSignaling, s.genSeq, size),
		TargetPortIdentity: protocol.PortIdentity{ClockIdentity: 0xffffffffffffffff, PortNumber: 0xffff},
		TLVs:               []protocol.TLV{tlv},
	}
	b, err := protocol.Bytes(msg)
	if err != nil {
		return err
	}
	if err := s.t.sendGeneral(b); err != nil {
		return fmt.Errorf("ptp: ask %s for unicast %s: %w", s.server, kind, err)
	}
	return nil
}

// header is the common header of the messages we send.
func (s *session) header(kind protocol.MessageType, seq uint16, size int) protocol.Header {
	flags := uint16(0)
	if s.unicast {
		flags = protocol.FlagUnicast
	}
	return protocol.Header{
		SdoIDAndMsgType:    protocol.NewSdoIDAndMsgType(kind, 0),
		Version:            protocol.Version,
		MessageLength:      uint16(size),
		FlagField:          flags,
		SourcePortIdentity: s.port,
		SequenceID:         seq,
		LogMessageInterval: 0x7f,
	}
}

// errNoGrandmaster says nothing PTP answered at the server's address.
var errNoGrandmaster = errors.New("no PTP grandmaster answers")
