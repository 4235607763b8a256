package main

import "time"

// Result is a run's score, printed as the last line of the output. Its
// first six fields are issue 19's contract.
type Result struct {
	Hosts int `json:"hosts"`
	// Faulty counts the hosts a fault made wrong; Detected those the mesh
	// inference named, MaxDetectionRounds the most poll rounds it took
	// after a host was offBy off, FalsePositives the hosts it named while
	// they were not faulty.
	Faulty             int `json:"faulty"`
	Detected           int `json:"detected"`
	MaxDetectionRounds int `json:"max_detection_rounds"`
	FalsePositives     int `json:"false_positives"`
	// PeersPerHost is the most peers any agent measured at once.
	PeersPerHost int `json:"peers_per_host"`
	// Rounds and Seed say what ran.
	Rounds int    `json:"rounds"`
	Seed   uint64 `json:"seed"`
	// OutlierRuleDetected and OutlierRuleFalsePositives score the agents'
	// own rule (ntp.PeerView: most of a host's peers see it beyond
	// --peers.max-offset) the same way.
	OutlierRuleDetected       int `json:"outlier_rule_detected"`
	OutlierRuleFalsePositives int `json:"outlier_rule_false_positives"`
	// What one agent costs, which must not grow with the fleet:
	// PollsPerHostRound is the exchanges an agent starts per round (its
	// servers' and peers'), MaxAnsweredPerHostRound the peer requests the
	// busiest responder answered per round, SeriesPerHost the most
	// clockwatch_* series an agent exported at the last round.
	PollsPerHostRound       float64 `json:"polls_per_host_round"`
	MaxAnsweredPerHostRound float64 `json:"max_answered_per_host_round"`
	SeriesPerHost           int     `json:"series_per_host"`
}

// verdicts tracks whom one judge named: the first detection of each
// faulty host, in rounds, and the healthy hosts it named.
type verdicts struct {
	poll   time.Duration
	faults []hostFault
	// rounds is how many rounds each host took to be named (-1: not yet).
	rounds []int
	wrong  []bool
}

func newVerdicts(faults []hostFault, poll time.Duration) *verdicts {
	v := &verdicts{poll: poll, faults: faults, rounds: make([]int, len(faults)), wrong: make([]bool, len(faults))}
	for h := range v.rounds {
		v.rounds[h] = -1
	}
	return v
}

// judge records that host h was named at true time t.
func (v *verdicts) judge(h int, t time.Duration) {
	f := v.faults[h]
	switch {
	case !f.faultyAt(t):
		v.wrong[h] = true
	case v.rounds[h] < 0:
		v.rounds[h] = max(0, int((t-f.off+v.poll-1)/v.poll))
	}
}

// tally counts the hosts detected, the most rounds a detection took, and
// the healthy hosts named.
func (v *verdicts) tally() (detected, maxRounds, wrong int) {
	for h, r := range v.rounds {
		if r >= 0 {
			detected++
			maxRounds = max(maxRounds, r)
		}
		if v.wrong[h] {
			wrong++
		}
	}
	return detected, maxRounds, wrong
}

// scorer scores a run: the mesh inference and the agents' own rule.
type scorer struct {
	sc         Scenario
	faulty     int
	mesh, rule *verdicts
	// peers is the most peers an agent measured at once; rounds counts
	// the rounds scored.
	peers, rounds int
	cost          cost
}

func newScorer(w *world) *scorer {
	s := &scorer{sc: w.sc, mesh: newVerdicts(w.faults, w.sc.Poll), rule: newVerdicts(w.faults, w.sc.Poll), cost: cost{answered: make([]int, w.sc.Hosts)}}
	for _, f := range w.faults {
		if f.kind != "" {
			s.faulty++
		}
	}
	return s
}

func (s *scorer) result() Result {
	r := Result{Hosts: s.sc.Hosts, Faulty: s.faulty, PeersPerHost: s.peers, Rounds: s.rounds, Seed: s.sc.Seed}
	r.Detected, r.MaxDetectionRounds, r.FalsePositives = s.mesh.tally()
	r.OutlierRuleDetected, _, r.OutlierRuleFalsePositives = s.rule.tally()
	r.PollsPerHostRound, r.MaxAnsweredPerHostRound, r.SeriesPerHost = s.cost.perHost(s.rounds)
	return r
}
