package agent

import (
	"testing"
	"time"
)

// TestPollsBackOffAfterHoldover: the agent polls a silent server at its
// interval for as long as it carries the estimate through an outage
// (holdover.max), so the servers are found again within a poll of their
// return; only then do its polls back off.
func TestPollsBackOffAfterHoldover(t *testing.T) {
	for _, holdover := range []time.Duration{time.Minute, 30 * time.Minute, 36 * time.Hour} {
		cfg := Config{PollInterval: 64 * time.Second, HoldoverMax: holdover}
		if got := cfg.pollConfig(); got.Interval != cfg.PollInterval || got.BackoffGrace != holdover {
			t.Errorf("holdover.max %v: poll config %+v, want interval %v and back-off grace %v", holdover, got, cfg.PollInterval, holdover)
		}
	}
}
