package ntp

import (
	"context"
	"fmt"
	"math"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/testlab"
	dto "github.com/prometheus/client_model/go"
)

// TestChronyExporterAgainstChronyc runs a real chronyd (measure-only) that
// follows an NTP server on loopback 40 ms ahead of this host and gaining
// 20 ppm on it, and watches a second one (noselect) 100 ms ahead. It
// compares the chrony_exporter metrics clockwatch serves with what
// `chronyc -c` prints for tracking, sources, sourcestats and serverstats,
// read just before and just after the same poll: every number must lie
// between chronyc's two readings (to their printed precision), so every
// sign is chronyc's. chronyd polls 4 times a second until it is ready,
// then every 4 s, so that no update falls between the readings; a
// comparison with a miss is still repeated, up to 5 times (a wrong sign
// misses every time). Over UDP chronyd refuses serverstats: there are
// none, and chrony_up stays 1.
func TestChronyExporterAgainstChronyc(t *testing.T) {
	chronyc, err := exec.LookPath("chronyc")
	if err != nil {
		t.Skip("chronyc not installed (Debian package chrony; make test installs it)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chronyd := testlab.MeasuringChronyd(t,
		skewedServer(ctx, t, "127.0.0.1", 40*time.Millisecond, 20e-6),
		skewedServer(ctx, t, "127.0.0.2", 100*time.Millisecond, 0)+" noselect")

	src, err := NewChronySource("unix://"+chronyd.Socket, time.Second, nil, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer src.poller.close()
	waitForChronyd(t, src, 20*time.Second)

	c := &chronycReader{path: chronyc, socket: chronyd.Socket}
	for _, address := range []string{"127.0.0.1", "127.0.0.2"} {
		c.run(t, "maxpoll", address, "2")
		c.run(t, "minpoll", address, "2")
	}
	time.Sleep(500 * time.Millisecond) // the last quick poll
	var cmp *chronycComparison
	for attempt := 1; attempt <= 5; attempt++ {
		before := c.read(t, true)
		src.poll()
		families := gatherCompat(t, src)
		cmp = &chronycComparison{t: t, families: families, before: before, after: c.read(t, false)}
		cmp.tracking()
		cmp.sources()
		cmp.serverStats()
		if len(cmp.misses) == 0 {
			t.Logf("attempt %d: clockwatch against chronyc -c (before / after the poll):\n%s", attempt, cmp.log.String())
			break
		}
		t.Logf("attempt %d: %d numbers outside chronyc's readings: %s", attempt, len(cmp.misses), strings.Join(cmp.misses, "; "))
	}
	for _, miss := range cmp.misses {
		t.Error(miss)
	}
	if ours := mustValue(t, cmp.families, "clockwatch_chrony_tracking_system_time_seconds"); ours >= 0 {
		t.Errorf("clockwatch_chrony_tracking_system_time_seconds = %g: this host is behind true time, local − true is negative", ours)
	}

	udp, err := NewChronySource(chronyd.UDP, time.Second, nil, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer udp.poller.close()
	if obs := udp.poll(); obs.Result != estimator.ResultOK {
		t.Fatalf("over UDP: %s %v", obs.Result, obs.Err)
	}
	overUDP := gatherCompat(t, udp)
	if _, ok := overUDP["chrony_serverstats_command_packets_received_total"]; ok || udp.latest.ServerStatsErr == nil {
		t.Error("chronyd gave serverstats over UDP, or clockwatch did not say why it has none")
	}
	if up := mustValue(t, overUDP, "chrony_up"); up != 1 {
		t.Errorf("over UDP chrony_up = %g, want 1: serverstats refused is no failure", up)
	}
	t.Logf("over UDP: %v", udp.latest.ServerStatsErr)
}

// skewedServer serves NTP on host (a loopback address) from this host's
// clock plus ahead, gaining rate (a ratio) from now on, and returns its
// HOST:PORT.
func skewedServer(ctx context.Context, t *testing.T, host string, ahead time.Duration, rate float64) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := &Responder{Clock: func() time.Time {
		now := time.Now()
		return now.Add(ahead + time.Duration(rate*float64(now.Sub(start))))
	}}
	go func() { _ = r.Serve(ctx, conn) }()
	t.Cleanup(func() { conn.Close() })
	return conn.LocalAddr().String()
}

// waitForChronyd polls src until chronyd follows its server and has enough
// samples of both for a frequency and a regression.
func waitForChronyd(t *testing.T, src *ChronySource, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		obs := src.poll()
		ready := obs.Result == estimator.ResultOK && src.latest.Tracking.LastUpdateInterval > 0 && len(src.latest.Sources) == 2
		for _, s := range src.latest.Sources {
			ready = ready && s.Stats.NSamples >= 8
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("chronyd not ready after %v: %s %v %+v", timeout, obs.Result, obs.Err, src.latest.Sources)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// chronycReader runs chronyc -c on chronyd's unix socket.
type chronycReader struct{ path, socket string }

// chronycReading is one reading of every report, as chronyc -c prints it:
// one row of fields per line.
type chronycReading map[string][][]string

// run runs one chronyc command.
func (c *chronycReader) run(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(c.path, append([]string{"-h", c.socket}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("chronyc %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// read reads every report; tracking, which changes most, last when
// trackingLast, else first, so it is read right before or after a poll.
func (c *chronycReader) read(t *testing.T, trackingLast bool) chronycReading {
	t.Helper()
	out := chronycReading{}
	reports := []string{"tracking", "sources", "sourcestats", "serverstats"}
	if trackingLast {
		slices.Reverse(reports)
	}
	for _, report := range reports {
		b, err := exec.Command(c.path, "-n", "-c", "-h", c.socket, report).Output()
		if err != nil {
			t.Fatalf("chronyc -c %s: %v", report, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			out[report] = append(out[report], strings.Split(line, ","))
		}
	}
	return out
}

// chronycComparison checks clockwatch's families against two chronyc
// readings and logs what it compared.
type chronycComparison struct {
	t             *testing.T
	families      map[string]*dto.MetricFamily
	before, after chronycReading
	log           strings.Builder
	// misses are the numbers outside chronyc's readings.
	misses []string
}

// field compares the metric name{labels} with field i of the row of report
// whose key field (index key) is keyValue (key −1: the only row). parse
// reads chronyc's field in the metric's unit; precision is half chronyc's
// printed resolution, in that unit.
func (c *chronycComparison) field(report string, key int, keyValue string, i int, precision float64, parse func(*testing.T, string) float64, name string, labels ...string) float64 {
	c.t.Helper()
	ours := mustValue(c.t, c.families, name, labels...)
	lo, hi := c.number(c.before, report, key, keyValue, i, parse), c.number(c.after, report, key, keyValue, i, parse)
	lo, hi = math.Min(lo, hi), math.Max(lo, hi)
	fmt.Fprintf(&c.log, "  %-58s %14.9g  chronyc %s[%d] %14.9g / %.9g\n", name+braces(labels), ours, report, i, lo, hi)
	if ours < lo-precision || ours > hi+precision {
		c.misses = append(c.misses, fmt.Sprintf("%s%s = %.9g, but chronyc -c %s field %d read %.9g before and %.9g after", name, braces(labels), ours, report, i, lo, hi))
	}
	return ours
}

// number is field i of report's row whose field key is keyValue.
func (c *chronycComparison) number(r chronycReading, report string, key int, keyValue string, i int, parse func(*testing.T, string) float64) float64 {
	c.t.Helper()
	for _, row := range r[report] {
		if key >= 0 && row[key] != keyValue {
			continue
		}
		if i >= len(row) {
			c.t.Fatalf("chronyc -c %s: row %q has no field %d", report, row, i)
		}
		return parse(c.t, row[i])
	}
	c.t.Fatalf("chronyc -c %s: no row with %q", report, keyValue)
	return math.NaN()
}

// decimal reads a number as chronyc prints it.
func decimal(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("chronyc field %q is not a number", s)
	}
	return v
}

// pollSeconds reads chronyc's poll, log2 seconds.
func pollSeconds(t *testing.T, s string) float64 { return math.Ldexp(1, int(decimal(t, s))) }

// reachShare reads chronyc's reach register, in octal, as the share of
// the last 8 polls answered.
func reachShare(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 8, 16)
	if err != nil {
		t.Fatalf("chronyc reach %q is not octal", s)
	}
	return reachRatio(uint16(v))
}

func braces(labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+"="+labels[i+1])
	}
	return "{" + strings.Join(pairs, ",") + "}"
}

// tracking compares chrony_tracking_* with chronyc -c tracking: system
// time, offsets and frequencies keep chronyc's signs.
func (c *chronycComparison) tracking() {
	c.t.Helper()
	c.field("tracking", -1, "", 2, 0, decimal, "chrony_tracking_stratum")
	c.field("tracking", -1, "", 3, 1e-6, decimal, "chrony_tracking_reference_timestamp_seconds")
	if v := c.field("tracking", -1, "", 4, 1e-9, decimal, "chrony_tracking_system_time_seconds"); v <= 0 {
		c.t.Errorf("chrony_tracking_system_time_seconds = %g: chronyd's clock is slow of its server, chronyc's System time is positive", v)
	}
	c.field("tracking", -1, "", 5, 1e-9, decimal, "chrony_tracking_last_offset_seconds")
	c.field("tracking", -1, "", 6, 1e-9, decimal, "chrony_tracking_rms_offset_seconds")
	if v := c.field("tracking", -1, "", 7, 0.001, decimal, "chrony_tracking_frequency_ppms"); math.Abs(v) < 5 {
		c.t.Errorf("chrony_tracking_frequency_ppms = %g: the server gains 20 ppm, the sign check needs chronyd to have seen it", v)
	}
	c.field("tracking", -1, "", 8, 0.001, decimal, "chrony_tracking_residual_frequency_ppms")
	c.field("tracking", -1, "", 9, 0.001, decimal, "chrony_tracking_skew_ppms")
	c.field("tracking", -1, "", 10, 1e-9, decimal, "chrony_tracking_root_delay_seconds")
	c.field("tracking", -1, "", 11, 1e-9, decimal, "chrony_tracking_root_dispersion_seconds")
	c.field("tracking", -1, "", 12, 0.05, decimal, "chrony_tracking_update_interval_seconds")
}

// sources compares chrony_sources_* and chrony_sourcestats_* of both
// servers with chronyc -c sources and sourcestats (keyed by address).
func (c *chronycComparison) sources() {
	c.t.Helper()
	for _, address := range []string{"127.0.0.1", "127.0.0.2"} {
		labels := []string{"source_address", address}
		c.field("sources", 2, address, 3, 0, decimal, "chrony_sources_stratum", labels...)
		c.field("sources", 2, address, 4, 0, pollSeconds, "chrony_sources_polling_interval_seconds", labels...)
		c.field("sources", 2, address, 5, 0, reachShare, "chrony_sources_reachability_ratio", labels...)
		offset := c.field("sources", 2, address, 7, 1e-9, decimal, "chrony_sources_last_sample_offset_seconds", labels...)
		c.field("sources", 2, address, 9, 1e-9, decimal, "chrony_sources_last_sample_error_margin_seconds", labels...)
		c.field("sourcestats", 0, address, 1, 0, decimal, "chrony_sourcestats_samples", labels...)
		c.field("sourcestats", 0, address, 2, 0, decimal, "chrony_sourcestats_runs", labels...)
		estimated := c.field("sourcestats", 0, address, 6, 1e-9, decimal, "chrony_sourcestats_offset", labels...)
		c.field("sourcestats", 0, address, 7, 1e-9, decimal, "chrony_sourcestats_stddev", labels...)
		if address == "127.0.0.2" && (offset > -0.05 || estimated > -0.05) {
			c.t.Errorf("the watched server is 60 ms ahead of chronyd's clock: last sample %g and estimated offset %g must be about −0.06 (chronyd's clock minus the source)", offset, estimated)
		}
	}
}

// serverStats compares the command counter, which chronyc's own commands
// move between the two readings.
func (c *chronycComparison) serverStats() {
	c.t.Helper()
	c.field("serverstats", -1, "", 0, 0, decimal, "chrony_serverstats_ntp_packets_received_total")
	c.field("serverstats", -1, "", 2, 0, decimal, "chrony_serverstats_command_packets_received_total")
}
