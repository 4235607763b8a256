package logicaltimegrpc

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// receive updates clock from the stamp md carries, if any, and returns the
// receive timestamp; what names the metadata in a refusal's message.
func receive(clock *logicaltime.HLC, md metadata.MD, what string) (logicaltime.Timestamp, error) {
	ts, err := logicaltime.Receive(clock, MetadataCarrier(md))
	if err != nil {
		return logicaltime.Timestamp{}, refusal(what, err)
	}
	return ts, nil
}

// refusal turns an error of logicaltime.Receive into the status of a
// refused call: FailedPrecondition for a stamp the clock would not move to,
// InvalidArgument for one it could not read.
func refusal(what string, err error) error {
	code := codes.InvalidArgument
	if errors.Is(err, logicaltime.ErrRemoteAhead) || errors.Is(err, logicaltime.ErrTimestampRange) {
		code = codes.FailedPrecondition
	}
	return status.Errorf(code, "logicaltime: %s refused: %v", what, err)
}

// stamp returns metadata holding clock.Now, a send event.
func stamp(clock *logicaltime.HLC) metadata.MD {
	md := metadata.MD{}
	logicaltime.Inject(clock, MetadataCarrier(md))
	return md
}
