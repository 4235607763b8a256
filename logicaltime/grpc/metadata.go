package logicaltimegrpc

import "google.golang.org/grpc/metadata"

// MetadataCarrier is a logicaltime.Carrier over gRPC metadata. Keys are
// lower-cased, as gRPC requires; Get returns the first of a key's values.
type MetadataCarrier metadata.MD

// Get returns the first value of key, or "" when there is none.
func (c MetadataCarrier) Get(key string) string {
	if values := metadata.MD(c).Get(key); len(values) > 0 {
		return values[0]
	}
	return ""
}

// Set replaces the values of key with value.
func (c MetadataCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }
