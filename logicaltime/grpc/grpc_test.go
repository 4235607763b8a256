package logicaltimegrpc

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// start is the physical time the tests' clocks start near.
var start = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// testService implements the four kinds of call of gRPC's interop test
// service. Each handler notes whether the call carried a stamp and takes
// one timestamp of its own, an event of the handler, just before replying.
type testService struct {
	testgrpc.UnimplementedTestServiceServer
	clock *logicaltime.HLC
	// sendHeader makes the unary handler send the header itself.
	sendHeader bool
	// fail makes the unary handler fail after its event.
	fail bool

	mu       sync.Mutex
	calls    int
	received []logicaltime.Timestamp // receive timestamps of stamped calls
	events   []logicaltime.Timestamp // the handlers' own events
}

// handled notes a call of ctx and returns the handler's event.
func (s *testService) handled(ctx context.Context) logicaltime.Timestamp {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if ts, ok := logicaltime.TimestampFromContext(ctx); ok {
		s.received = append(s.received, ts)
	}
	event := s.clock.Now()
	s.events = append(s.events, event)
	return event
}

func (s *testService) UnaryCall(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	if s.sendHeader {
		grpc.SendHeader(ctx, metadata.Pairs("sent-by", "handler"))
	}
	s.handled(ctx)
	if s.fail {
		return nil, status.Error(codes.NotFound, "no such thing")
	}
	return &testgrpc.SimpleResponse{}, nil
}

func (s *testService) StreamingOutputCall(_ *testgrpc.StreamingOutputCallRequest, stream testgrpc.TestService_StreamingOutputCallServer) error {
	for range 3 {
		if err := stream.Send(&testgrpc.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
	s.handled(stream.Context())
	return nil
}

func (s *testService) StreamingInputCall(stream testgrpc.TestService_StreamingInputCallServer) error {
	for {
		if _, err := stream.Recv(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
	}
	s.handled(stream.Context())
	return stream.SendAndClose(&testgrpc.StreamingInputCallResponse{})
}

func (s *testService) FullDuplexCall(stream testgrpc.TestService_FullDuplexCallServer) error {
	for {
		if _, err := stream.Recv(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if err := stream.Send(&testgrpc.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
	s.handled(stream.Context())
	return nil
}

// callKinds makes one complete call of each kind.
var callKinds = []struct {
	name string
	call func(context.Context, testgrpc.TestServiceClient) error
}{
	{"unary", func(ctx context.Context, c testgrpc.TestServiceClient) error {
		_, err := c.UnaryCall(ctx, &testgrpc.SimpleRequest{})
		return err
	}},
	{"server streaming", func(ctx context.Context, c testgrpc.TestServiceClient) error {
		stream, err := c.StreamingOutputCall(ctx, &testgrpc.StreamingOutputCallRequest{})
		if err != nil {
			return err
		}
		for {
			if _, err := stream.Recv(); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	}},
	{"client streaming", func(ctx context.Context, c testgrpc.TestServiceClient) error {
		stream, err := c.StreamingInputCall(ctx)
		if err != nil {
			return err
		}
		for range 3 {
			if err := stream.Send(&testgrpc.StreamingInputCallRequest{}); err != nil {
				break // the server refused: CloseAndRecv says why
			}
		}
		_, err = stream.CloseAndRecv()
		return err
	}},
	{"bidirectional", func(ctx context.Context, c testgrpc.TestServiceClient) error {
		stream, err := c.FullDuplexCall(ctx)
		if err != nil {
			return err
		}
		for range 3 {
			if err := stream.Send(&testgrpc.StreamingOutputCallRequest{}); err != nil {
				break
			}
			if _, err := stream.Recv(); err != nil {
				return err
			}
		}
		stream.CloseSend()
		for {
			if _, err := stream.Recv(); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	}},
}

// serve starts service on an in-process listener with the server
// interceptors of service.clock and returns a client of it, dialled with
// opts.
func serve(t *testing.T, service *testService, opts ...grpc.DialOption) testgrpc.TestServiceClient {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	server := grpc.NewServer(ServerOptions(service.clock)...)
	testgrpc.RegisterTestServiceServer(server, service)
	go server.Serve(lis)
	t.Cleanup(server.Stop)
	opts = append(opts,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///bufconn", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return testgrpc.NewTestServiceClient(conn)
}

// clockAt returns an HLC whose physical clock stands still at t.
func clockAt(t time.Time) *logicaltime.HLC {
	return logicaltime.NewHLC(logicaltime.WithPhysicalClock(logicaltime.NewManualClock(t).Now))
}

// TestCallsCarryCausality checks, for every kind of call, both directions
// of happens-before: the server's receive event comes after the client's
// send, and the client's events after the call come after the handler's,
// although the server's clock runs 100 ms ahead of the client's, which
// stands still.
func TestCallsCarryCausality(t *testing.T) {
	for _, kind := range callKinds {
		t.Run(kind.name, func(t *testing.T) {
			service := &testService{clock: clockAt(start.Add(100 * time.Millisecond))}
			client := clockAt(start)
			c := serve(t, service, DialOptions(client)...)
			before := client.Now()
			if err := kind.call(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			after := client.Now()
			if len(service.received) != 1 || !before.Before(service.received[0]) {
				t.Errorf("server received %v, want one receive event after the client's %v", service.received, before)
			}
			if len(service.events) != 1 || !service.events[0].Before(after) {
				t.Errorf("client's event after the call %v is not after the handler's %v", after, service.events)
			}
			if client.RejectedUpdates()+service.clock.RejectedUpdates() != 0 {
				t.Errorf("rejected updates: client %d, server %d", client.RejectedUpdates(), service.clock.RejectedUpdates())
			}
		})
	}
}

// TestRefusals checks that a stamp the receiver's clock refuses fails the
// call with a status that says so: a refusing server does not run the
// handler, a refusing client fails the call (and cancels a stream).
func TestRefusals(t *testing.T) {
	ahead := start.Add(time.Hour)
	tests := []struct {
		name                 string
		clientAt, serverAt   time.Time
		malformed            bool
		wantCode             codes.Code
		wantMsg              string
		refusedByServer      bool // the handler must not run
		wantRejectedByServer uint64
		wantRejectedByClient uint64
	}{
		{name: "client an hour ahead", clientAt: ahead, serverAt: start, wantCode: codes.FailedPrecondition,
			wantMsg: "the call's stamp refused", refusedByServer: true, wantRejectedByServer: 1},
		{name: "server an hour ahead", clientAt: start, serverAt: ahead, wantCode: codes.FailedPrecondition,
			wantMsg: "the reply header's stamp refused", wantRejectedByClient: 1},
		{name: "malformed stamp", clientAt: start, serverAt: start, malformed: true, wantCode: codes.InvalidArgument,
			wantMsg: `logicaltime: timestamp "yesterday"`, refusedByServer: true},
	}
	for _, tt := range tests {
		for _, kind := range callKinds {
			t.Run(tt.name+"/"+kind.name, func(t *testing.T) {
				service := &testService{clock: clockAt(tt.serverAt)}
				client := clockAt(tt.clientAt)
				ctx := context.Background()
				var opts []grpc.DialOption
				if tt.malformed {
					ctx = metadata.AppendToOutgoingContext(ctx, logicaltime.Header, "yesterday")
				} else {
					opts = DialOptions(client)
				}
				err := kind.call(ctx, serve(t, service, opts...))
				if st, _ := status.FromError(err); st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
					t.Errorf("call = %v, want %v mentioning %q", err, tt.wantCode, tt.wantMsg)
				}
				if tt.refusedByServer && service.calls != 0 {
					t.Errorf("handler ran %d times, want none", service.calls)
				}
				if got := service.clock.RejectedUpdates(); got != tt.wantRejectedByServer {
					t.Errorf("server rejected %d updates, want %d", got, tt.wantRejectedByServer)
				}
				if got := client.RejectedUpdates(); got != tt.wantRejectedByClient {
					t.Errorf("client rejected %d updates, want %d", got, tt.wantRejectedByClient)
				}
			})
		}
	}
}

// TestUnstampedCallsAreServed checks that a client without the
// interceptors is served without a receive event, and gets a stamped reply.
func TestUnstampedCallsAreServed(t *testing.T) {
	service := &testService{clock: clockAt(start)}
	c := serve(t, service)
	var header metadata.MD
	if _, err := c.UnaryCall(context.Background(), &testgrpc.SimpleRequest{}, grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	if service.calls != 1 || len(service.received) != 0 {
		t.Errorf("handler ran %d times with %d receive events, want 1 with none", service.calls, len(service.received))
	}
	if _, err := logicaltime.ParseTimestamp(MetadataCarrier(header).Get(logicaltime.Header)); err != nil {
		t.Errorf("reply header %v has no stamp: %v", header, err)
	}
}

// TestUnaryReplyStamps checks the unary reply's stamp where the header
// cannot take it (the handler sent the header itself) and on a failed
// call, whose error the client gets as it is.
func TestUnaryReplyStamps(t *testing.T) {
	tests := []struct {
		name       string
		sendHeader bool
		fail       bool
		wantCode   codes.Code
	}{
		{name: "header sent by the handler", sendHeader: true, wantCode: codes.OK},
		{name: "failed call", fail: true, wantCode: codes.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			service := &testService{clock: clockAt(start.Add(100 * time.Millisecond)), sendHeader: tt.sendHeader, fail: tt.fail}
			client := clockAt(start)
			_, err := serve(t, service, DialOptions(client)...).UnaryCall(context.Background(), &testgrpc.SimpleRequest{})
			if status.Code(err) != tt.wantCode {
				t.Fatalf("call = %v, want %v", err, tt.wantCode)
			}
			if after := client.Now(); !service.events[0].Before(after) {
				t.Errorf("client's event after the call %v is not after the handler's %v", after, service.events[0])
			}
		})
	}
}

// TestMetadataCarrier checks the carrier's case handling and first-value
// rule.
func TestMetadataCarrier(t *testing.T) {
	md := metadata.MD{}
	c := MetadataCarrier(md)
	c.Set(logicaltime.Header, "a")
	if got := md.Get("clockwatch-hlc"); len(got) != 1 || got[0] != "a" {
		t.Errorf("Set stored %v under clockwatch-hlc", md)
	}
	md.Append("clockwatch-hlc", "b")
	if got := c.Get("Clockwatch-Hlc"); got != "a" {
		t.Errorf("Get = %q, want the first value a", got)
	}
	if got := c.Get("absent"); got != "" {
		t.Errorf("Get(absent) = %q", got)
	}
	if !errors.Is(refusal("x", logicaltime.ErrRemoteAhead), status.Error(codes.FailedPrecondition, "logicaltime: x refused: "+logicaltime.ErrRemoteAhead.Error())) {
		t.Errorf("refusal of a stamp ahead is not FailedPrecondition")
	}
}
