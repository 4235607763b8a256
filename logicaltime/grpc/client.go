package logicaltimegrpc

import (
	"context"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// UnaryClientInterceptor carries clock's timestamps on unary calls, client
// side: it stamps each call and updates clock from the reply's stamps. A
// refused stamp of a successful reply fails the call; see the package
// documentation.
func UnaryClientInterceptor(clock *logicaltime.HLC) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		var header, trailer metadata.MD
		opts = append(opts, grpc.Header(&header), grpc.Trailer(&trailer))
		err := invoker(stampCall(ctx, clock), method, req, reply, cc, opts...)
		_, rerr := receive(clock, header, "the reply header's stamp")
		if rerr == nil {
			_, rerr = receive(clock, trailer, "the reply trailer's stamp")
		}
		if err != nil {
			return err
		}
		return rerr
	}
}

// StreamClientInterceptor carries clock's timestamps on streams, client
// side: it stamps each stream it opens and updates clock from the stamps
// of the stream's header and trailer. A refused stamp makes RecvMsg (or
// Header) fail and cancels the stream; see the package documentation.
func StreamClientInterceptor(clock *logicaltime.HLC) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		ctx, cancel := context.WithCancel(ctx)
		cs, err := streamer(stampCall(ctx, clock), desc, cc, method, opts...)
		if err != nil {
			cancel()
			return nil, err
		}
		return &receivingClientStream{ClientStream: cs, clock: clock, cancel: cancel, oneReply: !desc.ServerStreams}, nil
	}
}

// stampCall returns ctx with clock.Now in its outgoing metadata, replacing
// any stamp already there.
func stampCall(ctx context.Context, clock *logicaltime.HLC) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	logicaltime.Inject(clock, MetadataCarrier(md))
	return metadata.NewOutgoingContext(ctx, md)
}

// receivingClientStream updates the clock from the stream's header, once
// it has arrived, and from its trailer, once the stream has ended.
type receivingClientStream struct {
	grpc.ClientStream
	clock  *logicaltime.HLC
	cancel context.CancelFunc
	// oneReply: the server sends one message, after which the stream has
	// ended (unary-reply streams; gRPC reads their trailer with it).
	oneReply bool

	headerOnce, trailerOnce sync.Once
	headerErr, trailerErr   error
}

// Header returns the stream's header metadata once the clock took its
// stamp; it fails when the stamp is refused.
func (s *receivingClientStream) Header() (metadata.MD, error) {
	md, err := s.ClientStream.Header()
	if err != nil {
		return md, err
	}
	if err := s.receiveHeader(); err != nil {
		return nil, err
	}
	return md, nil
}

// RecvMsg receives m, then takes the stamps that have arrived with it: the
// header's with a message, the trailer's at the end of the stream.
func (s *receivingClientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err != nil {
		// The stream has ended: its header and trailer are in.
		rerr := s.receiveHeader()
		if rerr == nil {
			rerr = s.receiveTrailer()
		}
		s.cancel()
		if err == io.EOF && rerr != nil {
			return rerr
		}
		return err
	}
	rerr := s.receiveHeader()
	if rerr == nil && s.oneReply {
		rerr = s.receiveTrailer()
	}
	if rerr != nil || s.oneReply {
		s.cancel()
	}
	return rerr
}

// receiveHeader updates the clock from the header's stamp, once.
func (s *receivingClientStream) receiveHeader() error {
	s.headerOnce.Do(func() {
		md, err := s.ClientStream.Header()
		if err == nil {
			_, s.headerErr = receive(s.clock, md, "the reply header's stamp")
		}
	})
	return s.headerErr
}

// receiveTrailer updates the clock from the trailer's stamp, once.
func (s *receivingClientStream) receiveTrailer() error {
	s.trailerOnce.Do(func() {
		_, s.trailerErr = receive(s.clock, s.ClientStream.Trailer(), "the reply trailer's stamp")
	})
	return s.trailerErr
}
