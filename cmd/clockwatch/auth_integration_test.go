package main

import (
	"fmt"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// TestRunNTSAgainstChronyd runs the agent with --nts.server against a real
// chronyd NTS server and --nts.required beside a plain chronyd: the NTS
// source synchronizes the agent within its bound of the true offset 0,
// refreshes its cookies past the eight of the key exchange without a
// second one, and is shown as "nts" in the status, the metrics and
// `clockwatch status`; the plain server stays visible as unauthenticated
// and unused.
func TestRunNTSAgainstChronyd(t *testing.T) {
	server := testlab.ChronydNTSServer(t)
	plain := testlab.ChronydServer(t)
	agent := startAgent(t, "run", "--nts.server", server.KE, "--nts.ca-file", server.PKI.CAFile, "--nts.required",
		"--ntp.server", plain, "--poll.interval=1s", "--state.dir", "")
	var s exporters.Status
	var src exporters.Source
	waitFor(t, 40*time.Second, "synchronized on NTS with its cookies refreshed past the first eight", func() bool {
		s = agent.status(t)
		src, _ = sourceByName(s, server.KE)
		return s.Synchronized && src.Auth != nil && src.Auth.CookieRefreshes > 8
	})
	if math.Abs(s.OffsetSeconds) > s.ErrorBoundSeconds {
		t.Errorf("|offset| %g exceeds error bound %g; the true offset is 0", s.OffsetSeconds, s.ErrorBoundSeconds)
	}
	if src.Authentication != "nts" || src.Status != "selected" || src.Auth.KeyExchanges != 1 || src.Auth.BadMACs != 0 || src.Auth.Cookies != 8 {
		t.Errorf("NTS source: %+v, auth %+v", src, *src.Auth)
	}
	if p, _ := sourceByName(s, plain); p.Authentication != "none" || p.Status != "unauthenticated" || p.Results["unauthenticated"] == 0 {
		t.Errorf("plain source under --nts.required: %+v", p)
	}
	t.Logf("agent: offset %.1fµs ± %.1fµs; NTS source %s: %+v", s.OffsetSeconds*1e6, s.ErrorBoundSeconds*1e6, src.Status, *src.Auth)

	families := parseMetrics(t, agent.get(t, "/metrics"))
	for _, m := range families["clockwatch_source_authenticated"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		want := map[string]float64{server.KE: 1, plain: 0}[labels["source"]]
		if m.GetGauge().GetValue() != want {
			t.Errorf("clockwatch_source_authenticated%v = %g, want %g", labels, m.GetGauge().GetValue(), want)
		}
	}
	for _, name := range []string{"clockwatch_source_nts_cookie_refreshes_total", "clockwatch_source_bad_macs_total", "clockwatch_source_nts_key_exchange_failures_total"} {
		if _, ok := families[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	out, err := exec.Command(binary, "status", "--agent.url", agent.url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "KEY EXCHANGES") || !strings.Contains(string(out), "unauthenticated") {
		t.Errorf("clockwatch status: %v\n%s", err, out)
	}
	t.Logf("clockwatch status:\n%s", out)
}

// TestRunNTSKeyExchangeFailureIsVisible points the agent at an NTS server
// whose CA it does not trust: no sample is ever used, each poll is
// counted as a failed key exchange, and the reason names the CA flag.
func TestRunNTSKeyExchangeFailureIsVisible(t *testing.T) {
	server := testlab.ChronydNTSServer(t)
	other := testlab.NewPKI(t, t.TempDir(), "127.0.0.1") // a CA that did not sign chronyd's certificate
	agent := startAgent(t, "run", "--nts.server", server.KE, "--nts.ca-file", other.CAFile, "--poll.interval=1s", "--state.dir", "")
	var src exporters.Source
	waitFor(t, 20*time.Second, "failed key exchanges counted", func() bool {
		src, _ = sourceByName(agent.status(t), server.KE)
		return src.Auth != nil && src.Auth.KeyExchangeFailures >= 3
	})
	if src.Results["nts_ke_failed"] < 3 || src.Results["ok"] != 0 || src.LastSample != nil {
		t.Errorf("source %+v: want only nts_ke_failed polls and no sample", src)
	}
	if !strings.Contains(agent.logs.String(), "--nts.ca-file") {
		t.Errorf("the log does not say to check --nts.ca-file:\n%s", lastLines(agent.logs.String(), 20))
	}
}

// TestRunResponderServesChronydNTS makes a real chronyd an NTS client of
// the agent's responder, started with --responder.nts.certificate and
// --responder.nts.key: chronyd's ntpdata shows the exchanges
// authenticated, its authdata NTS with cookies, and the agent's metrics
// count the key exchange and the authenticated requests.
func TestRunResponderServesChronydNTS(t *testing.T) {
	dir := t.TempDir()
	pki := testlab.NewPKI(t, dir, "127.0.0.1")
	upstream := testlab.ChronydServer(t)
	udp, ke := testlab.FreeUDPPort(t), testlab.FreeTCPPort(t)
	agent := startAgent(t, "run", "--ntp.server", upstream, "--poll.interval=1s", "--state.dir", "",
		fmt.Sprintf("--responder.listen-address=127.0.0.1:%d", udp), "--responder.nts.certificate", pki.CertFile,
		"--responder.nts.key", pki.KeyFile, fmt.Sprintf("--responder.nts.listen-address=127.0.0.1:%d", ke))
	testlab.WaitListening(t, fmt.Sprintf("127.0.0.1:%d", ke))
	chronyd := testlab.MeasuringChronydWith(t, fmt.Sprintf("ntstrustedcerts %s\nnosystemcert\n", pki.CAFile),
		fmt.Sprintf("127.0.0.1:%d nts ntsport %d", udp, ke))
	var nd, ad [][]string
	waitFor(t, 30*time.Second, "chronyd authenticated with NTS", func() bool {
		var err1, err2 error
		nd, err1 = chronyd.Chronyc("ntpdata")
		ad, err2 = chronyd.Chronyc("authdata")
		return err1 == nil && err2 == nil && len(nd) == 1 && len(ad) == 1 && len(nd[0]) > 27 && nd[0][27] == "Yes" && ad[0][1] == "NTS" && ad[0][8] != "0"
	})
	t.Logf("chronyc -c ntpdata: %s", strings.Join(nd[0], ","))
	t.Logf("chronyc -c authdata: %s", strings.Join(ad[0], ","))
	families := parseMetrics(t, agent.get(t, "/metrics"))
	counts := map[string]float64{}
	for _, name := range []string{"clockwatch_responder_nts_key_exchanges_total", "clockwatch_responder_authenticated_requests_total"} {
		for _, m := range families[name].GetMetric() {
			counts[name+"/"+m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if counts["clockwatch_responder_nts_key_exchanges_total/granted"] < 1 || counts["clockwatch_responder_authenticated_requests_total/authenticated"] < 1 {
		t.Errorf("responder metrics %v", counts)
	}
}
