package ntp

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

func TestQualityOf(t *testing.T) {
	source := func(addr string, stratum uint8, selected bool) estimator.SourceEstimate {
		return estimator.SourceEstimate{SourceInfo: estimator.SourceInfo{Name: addr, Kind: estimator.KindNTP, Address: addr}, Stratum: stratum, Selected: selected}
	}
	synced := estimator.Estimate{
		Status: estimator.StatusSynchronized, Synchronized: true,
		Offset: -3 * time.Millisecond, ErrorBound: time.Millisecond,
		Sources: []estimator.SourceEstimate{
			source("198.18.0.5:123", 2, true),
			source("198.18.0.6:123", 1, false), // not selected: ignored
			source("198.18.0.7:123", 3, true),
		},
	}
	free := Quality{Stratum: FreeRunningStratum, RefID: refIDLocal}
	tests := []struct {
		name      string
		estimate  estimator.Estimate
		consensus bool
		want      Quality
	}{
		{"nothing measured", estimator.Estimate{Status: estimator.StatusUnsynchronized, ErrorBound: estimator.UnknownBound}, false, free},
		{"synchronized: best selected source, |offset| + bound", synced, false,
			Quality{Stratum: 3, RefID: 198<<24 | 18<<16 | 5, RootDispersion: 4 * time.Millisecond}},
		{"consensus mode serves the raw clock as a voter", synced, true, free},
		{"holdover ended", func() estimator.Estimate { e := synced; e.Synchronized = false; return e }(), false, free},
		{"selected source named by host: MD5 reference ID", estimator.Estimate{
			Synchronized: true, ErrorBound: time.Millisecond,
			Sources: []estimator.SourceEstimate{source("time.example.com:123", 1, true)},
		}, false, Quality{Stratum: 2, RefID: refIDOf("time.example.com:123"), RootDispersion: time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := QualityOf(tc.estimate, tc.consensus); got != tc.want {
				t.Errorf("QualityOf = %+v, want %+v", got, tc.want)
			}
		})
	}
	if refIDOf("time.example.com:123") == refIDLocal || refIDOf("a:1") == refIDOf("b:1") {
		t.Error("MD5 reference IDs collide")
	}
}
