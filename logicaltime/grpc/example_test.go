package logicaltimegrpc_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/test/bufconn"

	"github.com/clockwatch/clockwatch/logicaltime"
	logicaltimegrpc "github.com/clockwatch/clockwatch/logicaltime/grpc"
)

// service answers unary calls, reporting the receive timestamp the server
// interceptor put into the call's context.
type service struct {
	testgrpc.UnimplementedTestServiceServer
	received chan logicaltime.Timestamp
}

func (s *service) UnaryCall(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	ts, _ := logicaltime.TimestampFromContext(ctx)
	s.received <- ts
	return &testgrpc.SimpleResponse{}, nil
}

func Example() {
	// The server, with its own clock.
	serverClock := logicaltime.NewHLC()
	server := grpc.NewServer(logicaltimegrpc.ServerOptions(serverClock)...)
	svc := &service{received: make(chan logicaltime.Timestamp, 1)}
	testgrpc.RegisterTestServiceServer(server, svc)
	lis := bufconn.Listen(1 << 20) // in-process; a real server listens on TCP
	go server.Serve(lis)
	defer server.Stop()

	// The client, with its own clock.
	clientClock := logicaltime.NewHLC()
	opts := append(logicaltimegrpc.DialOptions(clientClock),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///example", opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	sent := clientClock.Now()
	if _, err := testgrpc.NewTestServiceClient(conn).UnaryCall(context.Background(), &testgrpc.SimpleRequest{}); err != nil {
		log.Fatal(err)
	}
	received := <-svc.received
	fmt.Println("the server received the call after it was sent:", sent.Before(received))
	fmt.Println("the client's next event comes after the server's:", received.Before(clientClock.Now()))
	// Output:
	// the server received the call after it was sent: true
	// the client's next event comes after the server's: true
}
