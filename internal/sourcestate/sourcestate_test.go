package sourcestate

import (
	"bytes"
	"errors"
	"github.com/clockwatch/clockwatch/estimator"
	"log/slog"
	"strings"
	"testing"
)

func TestTrackerLogsChangesOnce(t *testing.T) {
	var logs bytes.Buffer
	tr := New(slog.New(slog.NewTextHandler(&logs, nil)), "test source")
	down := errors.New("connection refused")
	steps := []struct {
		state estimator.Result
		err   error
	}{
		{"down", down}, {"down", down}, {"down", down}, {"ok", nil}, {"ok", nil}, {"stale", errors.New("old")},
	}
	for _, s := range steps {
		tr.Set(s.state, s.err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3 (one per change):\n%s", len(lines), logs.String())
	}
	for i, want := range []string{`"test source down"`, `"test source up"`, `"test source stale"`} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d %q lacks %s", i, lines[i], want)
		}
	}
	if tr.Get() != "stale" {
		t.Errorf("state %q", tr.Get())
	}
	if o := tr.Fail("src", "down", down); o.Source != "src" || o.Result != "down" || o.Err != down || tr.Get() != "down" {
		t.Errorf("Fail: %+v, state %q", o, tr.Get())
	}
}
