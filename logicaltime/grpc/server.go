package logicaltimegrpc

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// UnaryServerInterceptor carries clock's timestamps on unary calls, server
// side: it updates clock from the request's stamp before the handler runs,
// and stamps the reply once the handler returns. A refused stamp fails the
// call without running the handler; see the package documentation.
func UnaryServerInterceptor(clock *logicaltime.HLC) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := receiveCall(ctx, clock)
		if err != nil {
			return nil, err
		}
		resp, err := handler(ctx, req)
		md := stamp(clock)
		if grpc.SetHeader(ctx, md) != nil {
			// The handler sent the header itself.
			grpc.SetTrailer(ctx, md)
		}
		return resp, err
	}
}

// StreamServerInterceptor carries clock's timestamps on streams, server
// side: it updates clock from the stream's stamp before the handler runs,
// stamps the stream's header when it is sent and its trailer when the
// handler returns. A refused stamp fails the stream without running the
// handler; see the package documentation.
func StreamServerInterceptor(clock *logicaltime.HLC) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := receiveCall(ss.Context(), clock)
		if err != nil {
			return err
		}
		err = handler(srv, &stampingServerStream{ServerStream: ss, ctx: ctx, clock: clock})
		ss.SetTrailer(stamp(clock))
		return err
	}
}

// receiveCall updates clock from the stamp in ctx's incoming metadata and
// returns ctx with the receive timestamp for logicaltime.TimestampFromContext;
// ctx as it is when the call carries no stamp.
func receiveCall(ctx context.Context, clock *logicaltime.HLC) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	ts, err := receive(clock, md, "the call's stamp")
	if err != nil || ts.IsZero() {
		return ctx, err
	}
	return logicaltime.ContextWithTimestamp(ctx, ts), nil
}

// stampingServerStream stamps the header of a stream just before it is
// sent, so the stamp comes after every event of the handler until then.
type stampingServerStream struct {
	grpc.ServerStream
	ctx   context.Context
	clock *logicaltime.HLC
	// once stamps the header: with SendHeader's metadata, or set before
	// the first message.
	once sync.Once
}

// Context returns the stream's context, with the receive timestamp.
func (s *stampingServerStream) Context() context.Context { return s.ctx }

// SendHeader stamps md and sends it.
func (s *stampingServerStream) SendHeader(md metadata.MD) error {
	s.once.Do(func() {
		md = md.Copy()
		logicaltime.Inject(s.clock, MetadataCarrier(md))
	})
	return s.ServerStream.SendHeader(md)
}

// SendMsg stamps the header, which the first message sends, and sends m.
func (s *stampingServerStream) SendMsg(m any) error {
	s.once.Do(func() { s.ServerStream.SetHeader(stamp(s.clock)) })
	return s.ServerStream.SendMsg(m)
}
