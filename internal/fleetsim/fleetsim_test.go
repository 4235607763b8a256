package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFaults runs a fleet of 1,000 agents through each fault of issue 19
// on a fixed seed: every faulty host is named within 5 poll rounds of
// being 1 ms off, and no healthy host is named.
func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults func(f *Faults)
	}{
		{"hosts 1ms off", func(f *Faults) { f.Hosts, f.Offset = 10, time.Millisecond }},
		{"hosts 2ms off", func(f *Faults) { f.Hosts, f.Offset = 10, 2*time.Millisecond }},
		{"hosts 10ms off", func(f *Faults) { f.Hosts, f.Offset = 10, 10*time.Millisecond }},
		{"hosts drifting 50ppm", func(f *Faults) { f.DriftingHosts, f.Drift = 10, 50e-6 }},
		{"a rack behind a bad PTP grandmaster", func(f *Faults) { f.Racks, f.RackOffset = 1, 2*time.Millisecond }},
		{"a quarter of the fleet behind a bad upstream NTP server", func(f *Faults) { f.Upstream = 2 * time.Millisecond }},
		{"two racks rerouted 2ms one way, hosts 1ms off", func(f *Faults) {
			f.RouteRacks, f.Detour, f.Hosts, f.Offset = 2, 2*time.Millisecond, 5, time.Millisecond
		}},
		{"10% of the agents down, hosts 1ms off", func(f *Faults) { f.PeersDown, f.Hosts, f.Offset = 0.1, 5, time.Millisecond }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkNamed(t, 19, 12, tc.faults)
		})
	}
}

// TestFaultsTogether runs faults that are harmless alone but named
// healthy hosts together, on the seeds that showed it: a quarter of the
// fleet steps 2 ms behind a bad upstream server as 10% of the agents stop,
// and the measurements of the stopped agents, taken before the step, must
// not be offered as current for the 8 polls they still count as
// reachable. The rounds reach 9 past the faults, beyond the 5 to 9 in
// which the healthy hosts were named.
//
// Seed 8 named a running healthy host at the first round after the faults:
// 5 of its 8 peers were behind the bad upstream and it had last measured
// them just before they stepped, within their poll interval, so its
// measurements were current, while the newer measurements of and by those
// peers already put them 2 ms off. Its agent cannot know before its next
// polls; the inference can: a host's newer measurements that agree among
// themselves and contradict its older ones show that it moved between
// them (mesh.Edge.Taken).
func TestFaultsTogether(t *testing.T) {
	for _, seed := range []uint64{2, 19, 3, 8} {
		t.Run(fmt.Sprintf("a bad upstream NTP server and 10%% of the agents down, seed %d", seed), func(t *testing.T) {
			t.Parallel()
			checkNamed(t, seed, 16, func(f *Faults) { f.Upstream, f.PeersDown = 2*time.Millisecond, 0.1 })
		})
	}
}

// TestEveryFaultAtOnce runs every fault of the issue at once on 1,000
// agents, seed 2, the faults of the simulated day in docs/fleet.md: no
// healthy host is named, and every faulty host is named within 5 rounds
// but those behind the bad upstream server inside the rerouted racks.
// Their clocks step 2 ms at the very moment every path out of their rack
// detours 2 ms one way, which no measurement can tell from the rack's other
// hosts stepping 2 ms back while the detour is on the way in
// (mesh.TestInferCannotTellARerouteFromAStepAtTheSameMoment).
func TestEveryFaultAtOnce(t *testing.T) {
	sc := DefaultScenario()
	sc.Hosts, sc.Seed, sc.Rounds = 1000, 2, 16
	sc.Faults = Faults{Round: 6, Hosts: 5, Offset: time.Millisecond, DriftingHosts: 5, Drift: 50e-6, Racks: 1, RackOffset: 2 * time.Millisecond,
		Upstream: 2 * time.Millisecond, RouteRacks: 2, Detour: 2 * time.Millisecond, PeersDown: 0.1}
	w := newWorld(sc)
	r := w.run()
	if r.FalsePositives != 0 || r.MaxDetectionRounds > 5 {
		t.Errorf("%+v: want no healthy host named, every named one within 5 rounds", r)
	}
	rerouted, reroutedNamed := 0, 0
	for h, f := range w.faults {
		switch {
		case f.kind == "":
		case f.kind == "upstream" && w.net.detoured[w.net.rack(h)]:
			rerouted++
			if w.score.mesh.rounds[h] >= 0 {
				reroutedNamed++
			}
		case w.score.mesh.rounds[h] < 0:
			t.Errorf("host %d (%s) not named", h, f.kind)
		}
	}
	if rerouted == 0 {
		t.Error("no host behind the bad upstream in a rerouted rack: the seed no longer shows the limit")
	}
	t.Logf("named %d of %d faulty hosts within %d rounds, and no healthy host; %d of the %d behind the bad upstream in the rerouted racks",
		r.Detected, r.Faulty, r.MaxDetectionRounds, reroutedNamed, rerouted)
}

// TestEveryFaultStaggered runs every fault of the issue on 1,000 agents
// as in TestEveryFaultAtOnce, each from its own round within 8 rounds of
// round 6 (--fault-stagger 8), as independent faults begin: every faulty
// host is named within 5 rounds of its own fault's start, the hosts behind
// the bad upstream server inside the rerouted racks too, and no healthy
// host is ever named. A rack's route change shows in the round trips of
// its paths, the hosts' later (or earlier) step does not, and
// mesh.History, which remembers each path's round trip from round to
// round, puts each move of the offsets where it belongs. On these seeds no
// rerouted rack's detour begins in the same round as the bad upstream
// server's error, the coincidence that no inference can resolve: on seed 1
// one rack is rerouted 7 rounds before the upstream server goes bad and
// the other 2 rounds after; on seeds 2 and 5 both before (5 rounds; 3 and
// 4), and on seed 5 the bad rack steps at the very moment one of them is
// rerouted, so the paths between those two racks move by a step and a
// detour at once.
func TestEveryFaultStaggered(t *testing.T) {
	for _, seed := range []uint64{1, 2, 5} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			t.Parallel()
			sc := DefaultScenario()
			sc.Hosts, sc.Seed, sc.Rounds = 1000, seed, 20
			sc.Faults = Faults{Round: 6, Stagger: 8, Hosts: 5, Offset: time.Millisecond, DriftingHosts: 5, Drift: 50e-6, Racks: 1,
				RackOffset: 2 * time.Millisecond, Upstream: 2 * time.Millisecond, RouteRacks: 2, Detour: 2 * time.Millisecond, PeersDown: 0.1}
			w := newWorld(sc)
			r := w.run()
			if r.Faulty == 0 || r.Detected != r.Faulty || r.MaxDetectionRounds > 5 || r.FalsePositives != 0 {
				t.Errorf("%+v: want every faulty host named within 5 rounds of its fault, none healthy", r)
			}
			step := w.upstreams[0].errFrom
			rerouted, most := 0, 0
			for h, f := range w.faults {
				if f.kind == "upstream" && w.net.detoured[w.net.rack(h)] {
					rerouted++
					most = max(most, w.score.mesh.rounds[h])
					if w.net.detourFrom[w.net.rack(h)] == step {
						t.Errorf("host %d: its rack's detour and its step begin together: the seed no longer shows the staggered case", h)
					}
				}
			}
			if rerouted == 0 {
				t.Error("no host behind the bad upstream in a rerouted rack: the seed no longer shows the case")
			}
			t.Logf("named %d of %d faulty hosts within %d rounds of their faults, %d healthy; the %d behind the bad upstream (from %v) in racks rerouted from %v within %d",
				r.Detected, r.Faulty, r.MaxDetectionRounds, r.FalsePositives, rerouted, step, reroutes(w), most)
		})
	}
}

// TestStaggeredAtTenThousandHosts is the run that found a healthy host
// named (9b205ef): at 10,000 hosts on seed 2, every fault staggered from
// round 8, host 7074's measurements all predated its peers' step behind the
// bad upstream, and Infer took that for the host itself moving. It is the
// only known reproduction (about 35 CPU-seconds), so it is skipped by
// go test -short.
func TestStaggeredAtTenThousandHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 hosts for 20 rounds: about 35 CPU-seconds and 2 GB; skipped with -short")
	}
	sc := staggeredOnSeed2(10000, 20)
	checkStaggered(t, sc)
}

// TestStaggeredWithRotatingPeers runs the staggered faults at 1,000 hosts
// on seed 2 for 120 rounds with agents rotating a quarter of their peers
// every 4 minutes (--rotate 4m) instead of every hour, so that within the
// run most paths of the rerouted racks are first measured on their
// detour, as over a day at the default. The first mesh.History named a
// healthy host here (as it named 8 over a day at the default rotation):
// it corrected only the paths it had seen change route. About 30
// CPU-seconds; skipped by go test -short.
func TestStaggeredWithRotatingPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 hosts for 120 rounds: about 30 CPU-seconds; skipped with -short")
	}
	sc := staggeredOnSeed2(1000, 120)
	sc.Rotate = 4 * time.Minute
	checkStaggered(t, sc)
}

// staggeredOnSeed2 is every fault of the issue on seed 2, each from its
// own round within 8 rounds of round 8, as the command lines of
// docs/fleet.md run it.
func staggeredOnSeed2(hosts, rounds int) Scenario {
	sc := DefaultScenario()
	sc.Hosts, sc.Seed, sc.Rounds = hosts, 2, rounds
	sc.Faults = Faults{Round: 8, Stagger: 8, Hosts: 10, Offset: time.Millisecond, DriftingHosts: 10, Drift: 50e-6, Racks: 1,
		RackOffset: 2 * time.Millisecond, Upstream: 2 * time.Millisecond, RouteRacks: 2, Detour: 2 * time.Millisecond, PeersDown: 0.1}
	return sc
}

// checkStaggered runs sc and wants every faulty host named within 5
// rounds of its fault and no healthy host.
func checkStaggered(t *testing.T, sc Scenario) {
	t.Helper()
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	r := newWorld(sc).run()
	if r.Faulty == 0 || r.Detected != r.Faulty || r.MaxDetectionRounds > 5 || r.FalsePositives != 0 {
		t.Errorf("%+v: want every faulty host named within 5 rounds of its fault, none healthy", r)
	}
	t.Logf("named %d of %d faulty hosts within %d rounds of their faults, %d healthy", r.Detected, r.Faulty, r.MaxDetectionRounds, r.FalsePositives)
}

// reroutes lists when each rerouted rack's detour begins.
func reroutes(w *world) []time.Duration {
	var out []time.Duration
	for r, d := range w.net.detoured {
		if d {
			out = append(out, w.net.detourFrom[r])
		}
	}
	return out
}

// checkNamed runs 1,000 agents for rounds on seed with the faults set from
// the middle of round 6: every faulty host must be named within 5 rounds
// and no healthy host.
func checkNamed(t *testing.T, seed uint64, rounds int, faults func(f *Faults)) {
	t.Helper()
	sc := DefaultScenario()
	sc.Hosts, sc.Seed, sc.Rounds = 1000, seed, rounds
	sc.Faults = Faults{Round: 6}
	faults(&sc.Faults)
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	r := newWorld(sc).run()
	if r.Faulty == 0 || r.Detected != r.Faulty || r.MaxDetectionRounds > 5 || r.FalsePositives != 0 || r.PeersPerHost != sc.Peers {
		t.Errorf("%+v: want every faulty host named within 5 rounds, none healthy, %d peers per host", r, sc.Peers)
	}
	t.Logf("named %d of %d within %d rounds, and %d healthy hosts; the agents' own rule flagged %d of them and %d healthy hosts",
		r.Detected, r.Faulty, r.MaxDetectionRounds, r.FalsePositives, r.OutlierRuleDetected, r.OutlierRuleFalsePositives)
}

// TestDeterministic: the same seed gives the same run.
func TestDeterministic(t *testing.T) {
	sc := DefaultScenario()
	sc.Hosts, sc.Rounds, sc.Faults = 200, 6, Faults{Round: 3, Hosts: 2, Offset: time.Millisecond, PeersDown: 0.1}
	if a, b := newWorld(sc).run(), newWorld(sc).run(); a != b {
		t.Errorf("two runs of seed %d differ: %+v and %+v", sc.Seed, a, b)
	}
}

// TestCommandLine: the contract's flags run, and the output ends with one
// JSON line whose first fields are the contract's, in order.
func TestCommandLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"--hosts", "60", "--seed", "3", "--faulty-hosts", "1", "--fault-offset", "2ms", "--rounds", "4", "--fault-round", "1"}
	if code := execute(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	want := `{"hosts":60,"faulty":1,"detected":`
	if !strings.HasPrefix(last, want) {
		t.Fatalf("last line %s, want it to start %s", last, want)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(last), &fields); err != nil {
		t.Fatal(err)
	}
	order := []string{`"hosts"`, `"faulty"`, `"detected"`, `"max_detection_rounds"`, `"false_positives"`, `"peers_per_host"`}
	at := 0
	for _, key := range order {
		i := strings.Index(last, key)
		if i < at {
			t.Errorf("%s missing or out of order in %s", key, last)
		}
		at = i
	}
}

// TestCommandLineProgress: --progress prints the score so far to stderr
// at every multiple of it, and the last one is the final score.
func TestCommandLineProgress(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"--hosts", "60", "--seed", "3", "--faulty-hosts", "1", "--rounds", "4", "--fault-round", "1", "--progress", "32s"}
	if code := execute(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `fleetsim: 32s simulated: {"hosts":60,`) || !strings.HasPrefix(lines[1], "fleetsim: 1m4s simulated: ") {
		t.Fatalf("stderr %q, want the score at 32s and at 1m4s", stderr.String())
	}
	var last, final Result
	if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[1], "fleetsim: 1m4s simulated: ")), &last); err != nil {
		t.Fatal(err)
	}
	out := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(out[len(out)-1]), &final); err != nil {
		t.Fatal(err)
	}
	if last.Rounds != 4 || last.Detected != final.Detected || last.FalsePositives != final.FalsePositives {
		t.Errorf("last progress %+v, final %+v: want the same verdicts after 4 rounds", last, final)
	}
}

func TestCommandLineRefusesBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--hosts", "1"}, "--hosts 1 is outside"},
		{[]string{"--rounds", "10", "--fault-round", "11"}, "--fault-round 11"},
		{[]string{"--rounds", "10", "--fault-round", "8", "--fault-stagger", "3"}, "--fault-stagger 3"},
		{[]string{"--fault-stagger", "-1"}, "--fault-stagger -1"},
		{[]string{"--peers-down", "0.7"}, "--peers-down 0.7"},
		{[]string{"--hosts", "100", "--bad-racks", "9"}, "the fleet has 3"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--progress", "-1s"}, "--progress -1s"},
		{[]string{"--hosts", "many"}, "invalid value"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if code := execute(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
