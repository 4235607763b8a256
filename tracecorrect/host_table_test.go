package tracecorrect_test

import (
	"testing"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// TestHostAttributes checks which resource attribute names a span's host:
// the first of the list whose value has offsets, else the first present.
func TestHostAttributes(t *testing.T) {
	tests := []struct {
		name       string
		attrs      map[string]string
		opts       tracecorrect.Options
		wantSource string // of the server span, moved by its offset when matched
	}{
		{"host.name by default", map[string]string{"host.name": "b"}, tracecorrect.Options{}, tracecorrect.CorrectionSourceOffset},
		{"host.id without offsets, host.name with", map[string]string{"host.id": "i-0f3", "host.name": "b"}, tracecorrect.Options{}, tracecorrect.CorrectionSourceOffset},
		{"k8s.node.name last in the defaults", map[string]string{"host.ip": "198.18.0.7", "k8s.node.name": "b"}, tracecorrect.Options{}, tracecorrect.CorrectionSourceOffset},
		{"no attribute has offsets", map[string]string{"host.id": "i-0f3", "host.name": "c"}, tracecorrect.Options{}, tracecorrect.CorrectionSourceCausality},
		{"an attribute outside the list", map[string]string{"node": "b"}, tracecorrect.Options{}, tracecorrect.CorrectionSourceCausality},
		{"a list of one's own", map[string]string{"node": "b"}, tracecorrect.Options{HostAttributes: []string{"node"}}, tracecorrect.CorrectionSourceOffset},
		{"HostAttribute alone", map[string]string{"host.name": "x", "node": "b"}, tracecorrect.Options{HostAttribute: "node"}, tracecorrect.CorrectionSourceOffset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := buildTrace(
				testSpan{id: 1, host: "a", kind: client, start: 0, end: 10 * ms},
				testSpan{id: 2, parent: 1, host: "", kind: server, start: 5 * ms, end: 8 * ms},
			)
			attrs := td.ResourceSpans().At(1).Resource().Attributes()
			for k, v := range tt.attrs {
				attrs.PutStr(k, v)
			}
			if len(tt.opts.HostAttributes) == 0 && tt.opts.HostAttribute == "" {
				td.ResourceSpans().At(0).Resource().Attributes().PutStr("host.name", "a")
			} else {
				td.ResourceSpans().At(0).Resource().Attributes().PutStr(firstAttribute(tt.opts), "a")
			}
			tt.opts.MinimalShifts = true
			c, err := tracecorrect.NewCorrector(merged(measured("a", 0, 10*us), measured("b", 2*ms, 10*us)), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			c.Correct(td)
			got, _ := spanByID(td, 2).Attributes().Get(tracecorrect.AttrCorrectionSource)
			if got.Str() != tt.wantSource {
				t.Errorf("server span's %s = %q, want %q", tracecorrect.AttrCorrectionSource, got.Str(), tt.wantSource)
			}
		})
	}
}

// firstAttribute is the first host attribute opts names.
func firstAttribute(opts tracecorrect.Options) string {
	if len(opts.HostAttributes) > 0 {
		return opts.HostAttributes[0]
	}
	return opts.HostAttribute
}

func TestNewCorrectorRefusesAnEmptyHostAttribute(t *testing.T) {
	_, err := tracecorrect.NewCorrector(nil, tracecorrect.Options{HostAttributes: []string{"host.name", ""}})
	if err == nil {
		t.Fatal("no error for an empty host attribute name")
	}
}
