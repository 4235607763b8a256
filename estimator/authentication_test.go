package estimator

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestRequireAuthentication feeds the same samples to sources authenticated
// in every way: with authentication required, the unauthenticated network
// sources are shown as such, counted and never used, however well they
// measure; authenticated and local sources are used. Without the
// requirement all are used.
func TestRequireAuthentication(t *testing.T) {
	infos := []SourceInfo{
		{Name: "plain", Kind: KindNTP},
		{Name: "plain-none", Kind: KindNTP, Authentication: AuthNone},
		{Name: "nts", Kind: KindNTP, Authentication: "nts"},
		{Name: "keyed", Kind: KindNTP, Authentication: "symmetric"},
		{Name: "ptp", Kind: KindPTP},
		{Name: "chronyd", Kind: KindChrony},
	}
	want := map[bool]map[string]bool{ // required → source → used
		true:  {"plain": false, "plain-none": false, "nts": true, "keyed": true, "ptp": false, "chronyd": true},
		false: {"plain": true, "plain-none": true, "nts": true, "keyed": true, "ptp": true, "chronyd": true},
	}
	for _, required := range []bool{true, false} {
		e := New(Config{RequireAuthentication: required})
		e.SetSources(infos)
		rng := rand.New(rand.NewPCG(1, 2))
		s := server{delay: 200 * time.Microsecond, jitter: 20 * time.Microsecond, asymmetry: 0.5}
		for i := range 16 {
			at := epoch.Add(time.Duration(i) * time.Second)
			for _, info := range infos {
				s.name = info.Name
				if err := e.Observe(Observation{Source: info.Name, Result: ResultOK, Sample: s.measure(rng, at, 0)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		est := e.Estimate(epoch.Add(16 * time.Second))
		if !est.Synchronized {
			t.Fatalf("required=%v: not synchronized", required)
		}
		for _, se := range est.Sources {
			used := se.Status != SourceUnauthenticated
			if used != want[required][se.Name] {
				t.Errorf("required=%v: %s status %s", required, se.Name, se.Status)
			}
			if !used && (se.Results[ResultUnauthenticated] != 16 || se.Reachable || !se.LastSample.IsZero()) {
				t.Errorf("required=%v: %s results %v, reachable %v: want 16 unauthenticated polls and no sample", required, se.Name, se.Results, se.Reachable)
			}
		}
	}
}

// TestAuthCountersPassThrough checks that a source's authentication
// counters reach its estimate, and that an observation without them keeps
// the last ones.
func TestAuthCountersPassThrough(t *testing.T) {
	e := New(Config{})
	e.SetSources([]SourceInfo{{Name: "nts", Kind: KindNTP, Authentication: "nts"}})
	counts := AuthCounters{KeyExchanges: 1, KEFailures: 2, BadMACs: 3, CookieRefreshes: 4, NAKs: 5, Cookies: 6}
	for _, o := range []Observation{
		{Source: "nts", Result: "bad_mac", Auth: &counts},
		{Source: "nts", Result: "timeout"},
	} {
		if err := e.Observe(o); err != nil {
			t.Fatal(err)
		}
		if got := e.Estimate(epoch).Sources[0]; got.Auth != counts || got.Authentication != "nts" {
			t.Fatalf("after %s: %+v, want %+v", o.Result, got.Auth, counts)
		}
	}
}
