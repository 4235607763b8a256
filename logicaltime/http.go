package logicaltime

import (
	"errors"
	"fmt"
	"net/http"
)

// Header is the key under which every Carrier holds a timestamp in its text
// form: the HTTP header on requests and responses, the gRPC metadata key
// (which gRPC lower-cases), a queue record's header key.
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
	Inject(t.Clock, req.Header)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if _, err := Receive(t.Clock, resp.Header); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("response from %s: header %w", req.URL.Redacted(), err)
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
		ts, err := Receive(clock, r.Header)
		if err != nil {
			http.Error(w, "header "+err.Error(), http.StatusBadRequest)
			return
		}
		if !ts.IsZero() {
			r = r.WithContext(ContextWithTimestamp(r.Context(), ts))
		}
		sw := &stampingWriter{ResponseWriter: w, clock: clock}
		next.ServeHTTP(sw, r)
		// A handler that wrote nothing leaves the header to the server,
		// which sends it after this returns.
		sw.stamp()
	})
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
		Inject(w.clock, w.ResponseWriter.Header())
	}
}
