package logicaltimegrpc

import (
	"google.golang.org/grpc"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// ServerOptions returns the options that install both server interceptors
// for clock, chained after any others the server has.
func ServerOptions(clock *logicaltime.HLC) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(clock)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(clock)),
	}
}

// DialOptions returns the options that install both client interceptors
// for clock, chained after any others the connection has.
func DialOptions(clock *logicaltime.HLC) []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor(clock)),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor(clock)),
	}
}
