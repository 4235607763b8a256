package tracecorrect

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// jsonSource streams OTLP JSON documents with encoding/json's Decoder,
// one element of their resourceSpans array at a time.
type jsonSource struct {
	dec       *json.Decoder
	doc       int  // documents begun
	resource  int  // elements of the current document's array read
	inDoc     bool // between a document's { and }
	inArray   bool // inside its resourceSpans array
	sawSpans  bool // the current document had a resourceSpans key
	raw       json.RawMessage
	wrapped   []byte
	unmarshal ptrace.JSONUnmarshaler
}

// newJSONSource reads OTLP JSON from r.
func newJSONSource(r io.Reader) *jsonSource {
	return &jsonSource{dec: json.NewDecoder(r)}
}

// position names the document and resource last read.
func (s *jsonSource) position() string {
	if s.resource > 0 {
		return fmt.Sprintf("OTLP JSON document %d, resourceSpans[%d]", s.doc, s.resource-1)
	}
	return fmt.Sprintf("OTLP JSON document %d", s.doc)
}

// document is the number of the current document.
func (s *jsonSource) document() int { return s.doc }

// next returns the next element of a resourceSpans array as a batch.
func (s *jsonSource) next() (ptrace.Traces, error) {
	for {
		switch {
		case s.inArray:
			if s.dec.More() {
				return s.resourceSpans()
			}
			if _, err := s.dec.Token(); err != nil { // ]
				return ptrace.Traces{}, s.syntaxError(err)
			}
			s.inArray = false
		case s.inDoc:
			if err := s.nextKey(); err != nil {
				return ptrace.Traces{}, err
			}
		default:
			if err := s.beginDocument(); err != nil {
				return ptrace.Traces{}, err
			}
		}
	}
}

// beginDocument reads the { of the next document, or reports io.EOF.
func (s *jsonSource) beginDocument() error {
	tok, err := s.dec.Token()
	if err == io.EOF {
		return io.EOF
	}
	s.doc++
	s.resource, s.sawSpans = 0, false
	if err != nil {
		return s.syntaxError(err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("got %s; want an object {\"resourceSpans\": [...]}", describeToken(tok))
	}
	s.inDoc = true
	return nil
}

// nextKey reads the next key of a document and enters its resourceSpans
// array, or ends the document.
func (s *jsonSource) nextKey() error {
	tok, err := s.dec.Token()
	if err != nil {
		return s.syntaxError(err)
	}
	if tok == json.Delim('}') {
		s.inDoc = false
		if !s.sawSpans {
			return fmt.Errorf(`got an empty object {}; want {"resourceSpans": [...]}`)
		}
		return nil
	}
	key, _ := tok.(string)
	if key != "resourceSpans" && key != "resource_spans" {
		return unknownKeyError(key)
	}
	if tok, err = s.dec.Token(); err != nil {
		return s.syntaxError(err)
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("resourceSpans is %s; want an array", describeToken(tok))
	}
	s.sawSpans, s.inArray = true, true
	return nil
}

// resourceSpans decodes one element of the array into a batch.
func (s *jsonSource) resourceSpans() (ptrace.Traces, error) {
	s.resource++
	if err := s.dec.Decode(&s.raw); err != nil {
		return ptrace.Traces{}, s.syntaxError(err)
	}
	s.wrapped = append(append(append(s.wrapped[:0], `{"resourceSpans":[`...), s.raw...), "]}"...)
	td, err := s.unmarshal.UnmarshalTraces(s.wrapped)
	if err != nil {
		return ptrace.Traces{}, fmt.Errorf("%w; want a ResourceSpans as OTLP JSON has it", err)
	}
	return td, nil
}

// syntaxError adds where in the input err happened.
func (s *jsonSource) syntaxError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("the input ends inside the object (byte %d): cut short?", s.dec.InputOffset())
	}
	if strings.Contains(err.Error(), "exceeded max depth") {
		return fmt.Errorf("JSON nested more than 10000 levels deep (near byte %d), where OTLP needs a few dozen: not OTLP traces?", s.dec.InputOffset())
	}
	return fmt.Errorf("%w (near byte %d)", err, s.dec.InputOffset())
}

// jaegerKeys are the keys of Jaeger's JSON: its HTTP API's response and
// its UI's download.
var jaegerKeys = []string{"data", "total", "limit", "offset", "errors", "traceID", "spans", "processes"}

// unknownKeyError says that key has no place in OTLP JSON, naming Jaeger's
// format when it looks like it.
func unknownKeyError(key string) error {
	if slices.Contains(jaegerKeys, key) {
		return fmt.Errorf(`got key %q: this looks like Jaeger's JSON (its HTTP API or UI download), which has no OTLP resources; `+
			`want OTLP JSON, objects {"resourceSpans": [...]} as the OpenTelemetry Collector's file exporter writes them`, key)
	}
	return fmt.Errorf(`got key %q; want an OTLP ExportTraceServiceRequest, whose only key is "resourceSpans"`, key)
}

// describeToken names a JSON token for an error.
func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return fmt.Sprintf("the string %.40q", t)
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T %v", t, t)
	}
}
