package main

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/internal/configfile"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/common/model"
)

// fileConfig is the YAML configuration file (--config.file). Every key has
// a flag of the same dotted name; flags add to lists and override scalars.
//
//	ntp:
//	  servers: [time1.example.com, "192.0.2.10:123"]
//	  max-delay: 3s
//	  max-distance: 3s
//	poll:
//	  interval: 16s
//	holdover:
//	  max: 30m
//	  wander-ppm: 1
//	peers:
//	  dns: [clockwatch.monitoring.svc.cluster.local]
//
// The peers section is described at filePeers, ptp at filePTP, chrony at
// fileChrony.
type fileConfig struct {
	NTP struct {
		Servers     []string        `yaml:"servers"`
		MaxDelay    *model.Duration `yaml:"max-delay"`
		MaxDistance *model.Duration `yaml:"max-distance"`
	} `yaml:"ntp"`
	Poll struct {
		Interval *model.Duration `yaml:"interval"`
	} `yaml:"poll"`
	Holdover struct {
		Max       *model.Duration `yaml:"max"`
		WanderPPM *float64        `yaml:"wander-ppm"`
	} `yaml:"holdover"`
	Peers  filePeers  `yaml:"peers"`
	PTP    filePTP    `yaml:"ptp"`
	Chrony fileChrony `yaml:"chrony"`
	NTS    fileNTS    `yaml:"nts"`
	Keys   fileKeys   `yaml:"keys"`
}

// sourceFlags are the flags that choose sources and how they are polled,
// shared by run (with a config file) and merged into one config.
type sourceFlags struct {
	configFile      string
	servers         []string
	pollInterval    time.Duration
	pollIntervalSet bool
	holdoverMax     time.Duration
	holdoverMaxSet  bool
	wanderPPM       float64
	wanderSet       bool
	falsetickers    int
	maxDelay        time.Duration
	maxDelaySet     bool
	maxDistance     time.Duration
	maxDistanceSet  bool
	peers           *peerFlags
	ptpChrony       *ptpChronyFlags
	auth            *authFlags
}

// addSourceFlags registers the source flags on cmd.
func addSourceFlags(cmd *kingpin.CmdClause) *sourceFlags {
	f := &sourceFlags{}
	cmd.Flag("config.file", "YAML configuration file (sources, polling, holdover). Reloaded on SIGHUP.").PlaceHolder("FILE").StringVar(&f.configFile)
	cmd.Flag("ntp.server", "NTP server to measure against, HOST or HOST:PORT (port 123 by default). Repeatable; adds to the configuration file's ntp.servers.").PlaceHolder("HOST[:PORT]").StringsVar(&f.servers)
	cmd.Flag("poll.interval", "Time between queries of each source; each interval is randomized by ±10% so a fleet does not poll in lock-step.").Default("16s").IsSetByUser(&f.pollIntervalSet).DurationVar(&f.pollInterval)
	cmd.Flag("holdover.max", "How long to carry the estimate forward with a growing bound after every source is lost, before reporting unsynchronized.").Default("30m").IsSetByUser(&f.holdoverMaxSet).DurationVar(&f.holdoverMax)
	cmd.Flag("holdover.wander-ppm", "How far the clock's frequency may move from its measured drift, in ppm (chrony's maxclockerror); the bound grows by it with time, in holdover above all.").Default("1").IsSetByUser(&f.wanderSet).Float64Var(&f.wanderPPM)
	cmd.Flag("selection.max-falsetickers", "Sources the error bound allows to be wrong at once, at most a minority. 0 trusts the sources that agree, as NTP does; 1 guards against one.").Default("0").IntVar(&f.falsetickers)
	cmd.Flag("ntp.max-delay", fmt.Sprintf("Longest round trip a reply of a server or peer may have to be used (chrony's maxdelay); up to %v.", ntp.MaxLimit)).Default(ntp.DefaultMaxDelay.String()).IsSetByUser(&f.maxDelaySet).DurationVar(&f.maxDelay)
	cmd.Flag("ntp.max-distance", fmt.Sprintf("Largest root distance a reply may have to be used (chrony's maxdistance); up to %v.", ntp.MaxLimit)).Default(ntp.DefaultMaxDistance.String()).IsSetByUser(&f.maxDistanceSet).DurationVar(&f.maxDistance)
	f.peers = addPeerFlags(cmd)
	f.ptpChrony = addPTPChronyFlags(cmd)
	f.auth = addAuthFlags(cmd)
	return f
}

// load reads the configuration file (if any), merges the flags into it and
// validates the result.
func (f *sourceFlags) load() (agent.Config, error) {
	var file fileConfig
	var lines configfile.Lines
	if f.configFile != "" {
		var err error
		if file, lines, err = readConfigFile(f.configFile); err != nil {
			return agent.Config{}, err
		}
	}
	c := agent.Config{
		NTPServers:      append(append([]string{}, file.NTP.Servers...), f.servers...),
		PollInterval:    pick(f.pollIntervalSet, f.pollInterval, file.Poll.Interval),
		HoldoverMax:     pick(f.holdoverMaxSet, f.holdoverMax, file.Holdover.Max),
		Wander:          pickFloat(f.wanderSet, f.wanderPPM, file.Holdover.WanderPPM) / 1e6,
		MaxFalsetickers: f.falsetickers,
		Peers:           f.peers.merge(file.Peers),
		Limits: ntp.Limits{
			MaxDelay:    pick(f.maxDelaySet, f.maxDelay, file.NTP.MaxDelay),
			MaxDistance: pick(f.maxDistanceSet, f.maxDistance, file.NTP.MaxDistance),
		},
	}
	f.ptpChrony.merge(&c, file.PTP, file.Chrony)
	f.auth.merge(&c, file.NTS, file.Keys)
	return c, f.locate(c.Validate(), lines)
}

// locate says where a value out of range came from: the flag when the
// user gave it, else the configuration file's line of its key.
func (f *sourceFlags) locate(err error, lines configfile.Lines) error {
	var bad *agent.ValueError
	if !errors.As(err, &bad) {
		return err
	}
	if line, ok := lines[bad.Key]; ok && !f.setByUser()[bad.Key] {
		return fmt.Errorf("config: %s line %d: %s: %s %s", f.configFile, line, bad.Key, bad.Value, bad.Problem)
	}
	return fmt.Errorf("config: --%s=%s %s", bad.Key, bad.Value, bad.Problem)
}

// setByUser tells, by key, which flags that override a file's value the
// user gave.
func (f *sourceFlags) setByUser() map[string]bool {
	set := map[string]bool{
		"poll.interval": f.pollIntervalSet, "holdover.max": f.holdoverMaxSet, "holdover.wander-ppm": f.wanderSet,
		"ntp.max-delay": f.maxDelaySet, "ntp.max-distance": f.maxDistanceSet,
	}
	if p := f.peers; p != nil {
		maps.Copy(set, map[string]bool{
			"peers.sample": p.sampleSet, "peers.mode": p.modeSet, "peers.max-offset": p.maxOffsetSet,
			"peers.refresh-interval": p.refreshSet, "peers.rotate-interval": p.rotateSet,
		})
	}
	return set
}

// pick returns the flag when the user set it or the file is silent (nil);
// a value the file gives, zero included, is the file's.
func pick(flagSet bool, flag time.Duration, file *model.Duration) time.Duration {
	if flagSet || file == nil {
		return flag
	}
	return time.Duration(*file)
}

// pickFloat is pick for a number.
func pickFloat(flagSet bool, flag float64, file *float64) float64 {
	if flagSet || file == nil {
		return flag
	}
	return *file
}

// readConfigFile parses a YAML configuration file strictly: an unknown key
// is an error, so a typo cannot silently disable a source, and errors name
// the line and the key. It returns the line of each key.
func readConfigFile(path string) (fileConfig, configfile.Lines, error) {
	var c fileConfig
	lines, err := configfile.Read(path, &c)
	return c, lines, err
}
