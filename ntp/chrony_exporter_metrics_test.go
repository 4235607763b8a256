package ntp

import (
	"bufio"
	"math"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facebook/time/ntp/chrony"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// compatFamily is a metric family's name, type and label names.
type compatFamily struct {
	kind   string
	labels string
}

// readChronyExporterTable reads testdata/chrony_exporter_metrics.txt: the
// metrics chrony_exporter serves, as read from its source.
func readChronyExporterTable(t *testing.T) map[string]compatFamily {
	t.Helper()
	f, err := os.Open("testdata/chrony_exporter_metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table := map[string]compatFamily{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("table line %q is not NAME TYPE LABELS", line)
		}
		var labels []string
		if fields[2] != "-" {
			labels = strings.Split(fields[2], ",")
		}
		slices.Sort(labels)
		table[fields[0]] = compatFamily{kind: fields[1], labels: strings.Join(labels, ",")}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return table
}

// gatherCompat registers s and returns its metric families by name.
func gatherCompat(t *testing.T, s *ChronySource) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(s)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range families {
		out[f.GetName()] = f
	}
	return out
}

// familyShape is a gathered family's type and sorted label names.
func familyShape(f *dto.MetricFamily) compatFamily {
	var labels []string
	for _, l := range f.GetMetric()[0].GetLabel() {
		labels = append(labels, l.GetName())
	}
	slices.Sort(labels)
	return compatFamily{kind: strings.ToLower(f.GetType().String()), labels: strings.Join(labels, ",")}
}

// fullReport is syncedReport with a reference clock among the sources and
// chronyd's server statistics.
func fullReport() ChronyReport {
	r := syncedReport()
	r.Tracking.FreqPPM, r.Tracking.ResidFreqPPM, r.Tracking.SkewPPM = -12.5, 0.01, 0.2
	r.Tracking.RefTime = time.Date(2026, 3, 1, 11, 59, 0, 0, time.UTC)
	r.Sources[0].IPAddr = "192.0.2.1"
	r.Sources = append(r.Sources, ChronySourceView{Address: "PPS", IPAddr: "80.80.83.0",
		Data:  chrony.SourceData{Poll: 4, State: chrony.SourceStateCandidate, Mode: chrony.SourceModeRef, Reachability: 0xfe, LatestMeas: 0.0000002},
		Stats: chrony.SourceStats{NSamples: 6, NRuns: 3, SpanSeconds: 80, EstimatedOffset: 0.0000001}})
	r.ServerStats = &chrony.ServerStats4{NTPHits: 1200, CMDHits: 40, NTPDrops: 3, NTPSpanSeconds: 7}
	return r
}

// TestChronyExporterNamesAndLabels compares what clockwatch serves when it
// reads chronyd with what chrony_exporter serves: every metric of the
// table under the same name, type and label names, and no chrony_* metric
// beside them.
func TestChronyExporterNamesAndLabels(t *testing.T) {
	table := readChronyExporterTable(t)
	s := newTestChronySource(t, &fakeChronyd{report: fullReport()}, nil)
	s.poll()
	got := map[string]compatFamily{}
	for name, f := range gatherCompat(t, s) {
		if strings.HasPrefix(name, "chrony_") {
			got[name] = familyShape(f)
		}
	}
	for name, want := range table {
		switch g, ok := got[name]; {
		case !ok:
			t.Errorf("%s: missing (chrony_exporter serves it as %s {%s})", name, want.kind, want.labels)
		case g != want:
			t.Errorf("%s: %s {%s}, chrony_exporter's is %s {%s}", name, g.kind, g.labels, want.kind, want.labels)
		}
	}
	for name, g := range got {
		if _, ok := table[name]; !ok {
			t.Errorf("%s %s {%s}: chrony_exporter has no such metric", name, g.kind, g.labels)
		}
	}
	t.Logf("%d chrony_exporter metrics compared: names, types and label names equal", len(table))
}

// TestChronyExporterValues checks the values and signs of the
// chrony_exporter metrics against the report they come from: chronyd's own
// numbers, unlike clockwatch's, which follow local − true.
func TestChronyExporterValues(t *testing.T) {
	s := newTestChronySource(t, &fakeChronyd{report: fullReport()}, nil)
	s.poll()
	families := gatherCompat(t, s)
	value := func(name string, labels ...string) float64 {
		t.Helper()
		return mustValue(t, families, name, labels...)
	}
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"chrony_up", nil, 1},
		{"chrony_tracking_system_time_seconds", nil, 0.0015}, // chronyd's correction: the clock is 1.5 ms slow
		{"chrony_tracking_frequency_ppms", nil, -12.5},
		{"chrony_tracking_reference_timestamp_seconds", nil, float64(time.Date(2026, 3, 1, 11, 59, 0, 0, time.UTC).Unix())},
		{"chrony_tracking_remote_reference", nil, 1},
		{"chrony_tracking_info", []string{"tracking_address", "192.0.2.1", "tracking_name", "ntp1.example.com", "tracking_refid", "C0000201"}, 1},
		{"chrony_sources_last_sample_offset_seconds", []string{"source_address", "192.0.2.1", "source_name", "ntp1.example.com"}, -0.0012},
		{"chrony_sources_polling_interval_seconds", []string{"source_name", "ntp1.example.com"}, 64},
		{"chrony_sources_reachability_ratio", []string{"source_name", "ntp1.example.com"}, 0.875},
		{"chrony_sources_reachability_success", []string{"source_name", "PPS"}, 0},
		{"chrony_sources_state_info", []string{"source_address", "80.80.83.0", "source_name", "PPS", "source_state", "candidate", "source_mode", "reference clock"}, 1},
		{"chrony_sourcestats_offset", []string{"source_name", "ntp1.example.com"}, -0.0011},
		{"chrony_sourcestats_span_seconds", []string{"source_name", "PPS"}, 80},
		{"chrony_serverstats_ntp_packets_received_total", nil, 1200},
		{"chrony_serverstats_ntp_timestamp_span_seconds", nil, 7},
	}
	for _, tt := range tests {
		if got := value(tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %g, want %g", tt.name, tt.labels, got, tt.want)
		}
	}
	if ours, theirs := value("clockwatch_chrony_tracking_system_time_seconds"), value("chrony_tracking_system_time_seconds"); ours != -theirs {
		t.Errorf("clockwatch's system time %g (local − true) is not the opposite of chrony_exporter's %g", ours, theirs)
	}
}

// mustValue is the value of the series of the family name that has the
// label pairs labels (name, value, name, value, ...).
func mustValue(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	for _, m := range families[name].GetMetric() {
		if matchLabels(m, labels) {
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return math.NaN()
}

// matchLabels reports whether m has every name=value pair of labels.
func matchLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
			return l.GetName() == labels[i] && l.GetValue() == labels[i+1]
		}) {
			return false
		}
	}
	return true
}

// TestChronyExporterLocalReference: chronyd serving its own clock (local)
// has no remote reference, and a reference clock is named by its refid.
func TestChronyExporterLocalReference(t *testing.T) {
	tests := []struct {
		name                string
		ip                  net.IP
		refID               uint32
		remote              float64
		address, trackingAs string
	}{
		{name: "local", ip: net.IPv4(127, 127, 1, 1), refID: 0x7f7f0101, remote: 0, address: "127.127.1.1", trackingAs: "127.127.1.1"},
		{name: "reference clock", ip: nil, refID: 0x50505300, remote: 1, address: "", trackingAs: "PPS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fullReport()
			r.Tracking.IPAddr, r.Tracking.RefID = tt.ip, tt.refID
			s := newTestChronySource(t, &fakeChronyd{report: r}, nil)
			s.poll()
			families := gatherCompat(t, s)
			if v := families["chrony_tracking_remote_reference"].GetMetric()[0].GetGauge().GetValue(); v != tt.remote {
				t.Errorf("remote_reference %g, want %g", v, tt.remote)
			}
			info := families["chrony_tracking_info"].GetMetric()[0]
			if !matchLabels(info, []string{"tracking_address", tt.address, "tracking_name", tt.trackingAs}) {
				t.Errorf("tracking_info labels %v", info.GetLabel())
			}
		})
	}
}

// TestServerStats4 reads every version of chronyd's serverstats reply into
// the newest form.
func TestServerStats4(t *testing.T) {
	tests := []struct {
		name  string
		reply chrony.ResponsePacket
		want  chrony.ServerStats4
	}{
		{name: "chrony 2", reply: &chrony.ReplyServerStats{ServerStats: chrony.ServerStats{NTPHits: 5, CMDHits: 4, NTPDrops: 3, CMDDrops: 2, LogDrops: 1}},
			want: chrony.ServerStats4{NTPHits: 5, CMDHits: 4, NTPDrops: 3, CMDDrops: 2, LogDrops: 1}},
		{name: "chrony 4.0", reply: &chrony.ReplyServerStats2{ServerStats2: chrony.ServerStats2{NTPHits: 8, NKEHits: 7, CMDHits: 6, NTPDrops: 5, NKEDrops: 4, CMDDrops: 3, LogDrops: 2, NTPAuthHits: 1}},
			want: chrony.ServerStats4{NTPHits: 8, NKEHits: 7, CMDHits: 6, NTPDrops: 5, NKEDrops: 4, CMDDrops: 3, LogDrops: 2, NTPAuthHits: 1}},
		{name: "chrony 4.2", reply: &chrony.ReplyServerStats3{ServerStats3: chrony.ServerStats3{NTPHits: 11, NKEHits: 10, CMDHits: 9, NTPDrops: 8, NKEDrops: 7, CMDDrops: 6, LogDrops: 5, NTPAuthHits: 4, NTPInterleavedHits: 3, NTPTimestamps: 2, NTPSpanSeconds: 1}},
			want: chrony.ServerStats4{NTPHits: 11, NKEHits: 10, CMDHits: 9, NTPDrops: 8, NKEDrops: 7, CMDDrops: 6, LogDrops: 5, NTPAuthHits: 4, NTPInterleavedHits: 3, NTPTimestamps: 2, NTPSpanSeconds: 1}},
		{name: "chrony 4.4", reply: &chrony.ReplyServerStats4{ServerStats4: chrony.ServerStats4{NTPHits: 1 << 40, NTPHwTxTimestamps: 9}},
			want: chrony.ServerStats4{NTPHits: 1 << 40, NTPHwTxTimestamps: 9}},
	}
	for _, tt := range tests {
		got, ok := serverStats4(tt.reply)
		if !ok || *got != tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.name, got, ok, tt.want)
		}
	}
	if _, ok := serverStats4(&chrony.ReplyTracking{}); ok {
		t.Error("a tracking reply was read as serverstats")
	}
}
