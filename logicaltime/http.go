package logicaltime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Header is the HTTP header that carries a timestamp in its text form, on
// requests and on responses.
const Header = "Clockwatch-Hlc"

// Transport is an http.RoundTripper that carries Clock's timestamps: it
// stamps every request with Clock.Now (a send event) and updates Clock from
// the response's stamp (a receive event).
//
// A response whose stamp is malformed or rejected by Clock.Update fails the
// round trip, so a caller never acts on a reply that broke causality.
type Transport struct {
	// Clock issues and receives the timestamps. Required.
	Clock *HLC
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Clock == nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errors.New("logicaltime: Transport.Clock is nil (set it to the service's HLC)")
	}
	req = req.Clone(req.Context())
	req.Header.Set(Header, t.Clock.Now().String())
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if _, err := receive(t.Clock, resp.Header); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("response from %s: %w", req.URL.Redacted(), err)
	}
	return resp, nil
}

// Middleware carries Clock's timestamps on the server side: it updates clock
// from each request's stamp (a receive event), makes the receive timestamp
// available to next through TimestampFromContext, and stamps the response
// with clock.Now when its header is written (a send event). A request with
// a malformed or rejected stamp gets 400 Bad Request and does not reach
// next. A request without a stamp reaches next without a receive event; its
// response is stamped all the same.
func Middleware(clock *HLC, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts, err := receive(clock, r.Header)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !ts.IsZero() {
			r = r.WithContext(context.WithValue(r.Context(), receiveKey{}, ts))
		}
		sw := &stampingWriter{ResponseWriter: w, clock: clock}
		next.ServeHTTP(sw, r)
		// A handler that wrote nothing leaves the header to the server,
		// which sends it after this returns.
		sw.stamp()
	})
}

// TimestampFromContext returns the receive timestamp Middleware put into the
// request's context; false if the request carried no stamp.
func TimestampFromContext(ctx context.Context) (Timestamp, bool) {
	ts, ok := ctx.Value(receiveKey{}).(Timestamp)
	return ts, ok
}

// receiveKey is the context key of the receive timestamp.
type receiveKey struct{}

// receive updates clock from the stamp in h, if any, and returns the
// receive timestamp; the zero Timestamp without a stamp.
func receive(clock *HLC, h http.Header) (Timestamp, error) {
	stamp := h.Get(Header)
	if stamp == "" {
		return Timestamp{}, nil
	}
	remote, err := ParseTimestamp(stamp)
	if err != nil {
		return Timestamp{}, fmt.Errorf("header %s: %w", Header, err)
	}
	ts, err := clock.Update(remote)
	if err != nil {
		return Timestamp{}, fmt.Errorf("header %s: %w", Header, err)
	}
	return ts, nil
}

// stampingWriter sets the timestamp header just before the response header
// is written, so the stamp comes after every event of the handler.
type stampingWriter struct {
	http.ResponseWriter
	clock   *HLC
	stamped bool
}

// WriteHeader stamps and writes the header.
func (w *stampingWriter) WriteHeader(code int) {
	if code >= http.StatusOK {
		w.stamp()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write stamps if needed and writes the body.
func (w *stampingWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}

// Flush stamps if needed and flushes, when the underlying writer can.
func (w *stampingWriter) Flush() {
	w.stamp()
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *stampingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// stamp sets the header once.
func (w *stampingWriter) stamp() {
	if !w.stamped {
		w.stamped = true
		w.ResponseWriter.Header().Set(Header, w.clock.Now().String())
	}
}
