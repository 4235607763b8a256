// Package logicaltimegrpc carries hybrid logical clock timestamps on gRPC
// calls, as logicaltime.Transport and logicaltime.Middleware do on HTTP:
// interceptors for unary and streaming calls, client and server.
//
//	clock := logicaltime.NewHLC()
//	server := grpc.NewServer(logicaltimegrpc.ServerOptions(clock)...)
//	conn, err := grpc.NewClient(target, append(logicaltimegrpc.DialOptions(clock), creds)...)
//
// It is a module of its own (github.com/clockwatch/clockwatch/logicaltime/grpc),
// so that services which import only logicaltime do not inherit gRPC.
//
// # What travels where
//
// The timestamp rides in the call's metadata under the key
// "clockwatch-hlc" (logicaltime.Header, lower-cased as gRPC wants), in its
// text form, through the same codec as every other carrier
// (logicaltime.Inject, logicaltime.Receive, over MetadataCarrier):
//
//   - The client stamps every call it starts with clock.Now, a send event.
//   - The server updates its clock from the call's stamp, a receive event,
//     before the handler runs; the handler finds the receive timestamp with
//     logicaltime.TimestampFromContext. A call without a stamp reaches the
//     handler without a receive event.
//   - The server stamps its reply: a unary reply's header metadata once the
//     handler has returned (so after every event of the handler; in the
//     trailer if the handler sent the header itself); a stream's header
//     metadata when it is sent (with the first message, or by SendHeader),
//     and its trailer when the handler returns.
//   - The client updates its clock from each stamp of the reply it
//     receives: a unary call's header and trailer when it returns, a
//     stream's header with its first message (or from Header) and its
//     trailer when it ends.
//
// On a stream the stamps travel at its open and its close only, as
// metadata does; messages in between carry none. A service that needs the
// order of individual stream messages puts a logicaltime.Timestamp in them
// (8 bytes: Timestamp.AppendBinary).
//
// # Refusals
//
// As over HTTP, a stamp the receiving clock refuses fails the call and
// never reaches the code that would act on it: a malformed stamp with
// codes.InvalidArgument, and a stamp further ahead of the receiver's clock
// than its max offset (logicaltime.WithMaxOffset), or at the end of the
// timestamp range, with codes.FailedPrecondition: the clocks of the two
// hosts need fixing first. The status message says which stamp was
// refused and why. On the server the handler does not run; on the client
// the call or the stream's RecvMsg returns that status (a stream is
// cancelled), and a refusal of a failed call's stamp leaves the call's own
// error in place. Every refusal counts in clock.RejectedUpdates.
package logicaltimegrpc
