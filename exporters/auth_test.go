package exporters

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// authEstimate has an NTS source with counters, a keyed one and a plain
// one that says nothing about authentication.
func authEstimate() estimator.Estimate {
	e := testEstimate()
	e.Sources = []estimator.SourceEstimate{
		{SourceInfo: estimator.SourceInfo{Name: "nts:4460", Kind: estimator.KindNTP, Authentication: "nts"}, ErrorBound: estimator.UnknownBound,
			Auth: estimator.AuthCounters{KeyExchanges: 2, KEFailures: 1, BadMACs: 3, CookieRefreshes: 40, NAKs: 1, Cookies: 8}},
		{SourceInfo: estimator.SourceInfo{Name: "keyed:123", Kind: estimator.KindPeer, Authentication: "symmetric"}, ErrorBound: estimator.UnknownBound,
			Auth: estimator.AuthCounters{BadMACs: 5}},
		{SourceInfo: estimator.SourceInfo{Name: "plain:123", Kind: estimator.KindNTP}, ErrorBound: estimator.UnknownBound},
	}
	return e
}

func TestAuthenticationInStatus(t *testing.T) {
	data, err := json.Marshal(NewStatus(authEstimate()))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sources []map[string]any `json:"sources"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"nts", "symmetric", "none"} {
		if got := doc.Sources[i]["authentication"]; got != want {
			t.Errorf("source %d: authentication %v, want %s", i, got, want)
		}
	}
	auth, ok := doc.Sources[0]["auth"].(map[string]any)
	if !ok || auth["key_exchanges"] != 2.0 || auth["key_exchange_failures"] != 1.0 || auth["bad_macs"] != 3.0 ||
		auth["cookie_refreshes"] != 40.0 || auth["naks"] != 1.0 || auth["cookies"] != 8.0 {
		t.Errorf("NTS source's auth %v", doc.Sources[0]["auth"])
	}
	if _, ok := doc.Sources[2]["auth"]; ok {
		t.Errorf("unauthenticated source has auth counters: %v", doc.Sources[2])
	}
}

func TestAuthenticationMetrics(t *testing.T) {
	c := NewCollector(authEstimate)
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
	want := `
# HELP clockwatch_source_authenticated 1 when a source's measurements are authenticated (NTS or a symmetric key), else 0; the label says how: nts, symmetric or none.
# TYPE clockwatch_source_authenticated gauge
clockwatch_source_authenticated{authentication="none",kind="ntp",source="plain:123"} 0
clockwatch_source_authenticated{authentication="nts",kind="ntp",source="nts:4460"} 1
clockwatch_source_authenticated{authentication="symmetric",kind="peer",source="keyed:123"} 1
# HELP clockwatch_source_bad_macs_total Replies of an authenticated source refused because they failed authentication: tampered with, forged, or keyed differently.
# TYPE clockwatch_source_bad_macs_total counter
clockwatch_source_bad_macs_total{kind="ntp",source="nts:4460"} 3
clockwatch_source_bad_macs_total{kind="peer",source="keyed:123"} 5
# HELP clockwatch_source_nts_key_exchange_failures_total NTS key exchanges of a source that failed (TLS, certificate, refused): each a poll without a sample.
# TYPE clockwatch_source_nts_key_exchange_failures_total counter
clockwatch_source_nts_key_exchange_failures_total{kind="ntp",source="nts:4460"} 1
# HELP clockwatch_source_nts_cookie_refreshes_total Fresh NTS cookies a source received in its replies, each replacing one spent.
# TYPE clockwatch_source_nts_cookie_refreshes_total counter
clockwatch_source_nts_cookie_refreshes_total{kind="ntp",source="nts:4460"} 40
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "clockwatch_source_authenticated", "clockwatch_source_bad_macs_total",
		"clockwatch_source_nts_key_exchange_failures_total", "clockwatch_source_nts_cookie_refreshes_total"); err != nil {
		t.Error(err)
	}
}
