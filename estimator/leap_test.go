package estimator

import (
	"testing"
	"time"
)

func TestLeapString(t *testing.T) {
	for leap, want := range map[Leap]string{LeapNone: "normal", LeapInsert: "insert_second", LeapDelete: "delete_second", LeapUnsynchronized: "unsynchronized", 7: "unsynchronized"} {
		if got := leap.String(); got != want {
			t.Errorf("Leap(%d) = %q, want %q", leap, got, want)
		}
	}
}

// TestSourceReachPollAndReference follows one source's reach register,
// poll interval, leap status and reference ID through its observations,
// as chronyc sources shows them.
func TestSourceReachPollAndReference(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}})
	sample := func(at time.Duration, leap Leap) Sample {
		return Sample{Source: "a", Time: epoch.Add(at), Delay: time.Millisecond, Stratum: 2, Leap: leap, ReferenceID: 0xc0000201}
	}
	steps := []struct {
		obs   Observation
		reach uint8
		poll  time.Duration
		leap  Leap
	}{
		{obs: Observation{Source: "a", Result: "timeout", Poll: 16 * time.Second}, reach: 0b0, poll: 16 * time.Second},
		{obs: Observation{Source: "a", Result: ResultOK, Sample: sample(time.Second, LeapNone), Poll: 16 * time.Second}, reach: 0b1, poll: 16 * time.Second},
		{obs: Observation{Source: "a", Result: ResultOK, Sample: sample(2*time.Second, LeapInsert)}, reach: 0b11, poll: 16 * time.Second, leap: LeapInsert},
		{obs: Observation{Source: "a", Result: "timeout", Poll: 32 * time.Second}, reach: 0b110, poll: 32 * time.Second, leap: LeapInsert},
	}
	for i, st := range steps {
		if err := e.Observe(st.obs); err != nil {
			t.Fatal(err)
		}
		se := e.Estimate(epoch.Add(3 * time.Second)).Sources[0]
		if se.Reach != st.reach || se.Poll != st.poll || se.Leap != st.leap {
			t.Errorf("after observation %d: reach %b poll %v leap %v, want %b %v %v", i, se.Reach, se.Poll, se.Leap, st.reach, st.poll, st.leap)
		}
		if wantID := uint32(0xc0000201); i > 0 && se.ReferenceID != wantID {
			t.Errorf("after observation %d: reference ID %08x, want %08x", i, se.ReferenceID, wantID)
		}
	}
}
