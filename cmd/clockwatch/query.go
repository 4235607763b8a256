package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/ntp"
)

// queryFlags are the flags of `clockwatch query`.
type queryFlags struct {
	servers []string
	count   int
	spacing time.Duration
	timeout time.Duration
	json    bool
	auth    serverAuthFlags
}

func registerQuery(app *kingpin.Application, commands map[string]cli.Runner) {
	cmd := app.Command("query", "Measure NTP and NTS servers once, like `chronyd -Q`: each server's offset, delay and bound, and the combined estimate.")
	f := &queryFlags{}
	cmd.Arg("server", "NTP servers, HOST or HOST:PORT (NTS servers go in --nts.server).").StringsVar(&f.servers)
	cmd.Flag("count", "Queries per server (the lowest-delay ones count most).").Default("4").IntVar(&f.count)
	cmd.Flag("spacing", "Time between the queries to one server.").Default("250ms").DurationVar(&f.spacing)
	cmd.Flag("timeout", "How long to wait for each reply.").Default("2s").DurationVar(&f.timeout)
	cmd.Flag("json", "Print the result as JSON, in the shape of GET /api/v1/status.").BoolVar(&f.json)
	f.auth.register(cmd)
	commands["query"] = func(ctx context.Context, c *cli.Env) error { return runQuery(ctx, c, f) }
}

// runQuery is `clockwatch query`.
func runQuery(ctx context.Context, c *cli.Env, f *queryFlags) error {
	if f.count < 1 {
		return fmt.Errorf("--count %d: want at least 1", f.count)
	}
	if len(f.servers) == 0 && len(f.auth.ntsServers) == 0 {
		return errors.New("no server to query: name NTP servers as arguments or NTS servers with --nts.server")
	}
	sources, err := agent.QuerySources(agent.Config{NTPServers: f.servers, Auth: agent.AuthConfig{
		NTSServers: f.auth.ntsServers, CAFile: f.auth.caFile, KeysFile: f.auth.keysFile, NTPKey: f.auth.ntpKey,
	}}, &ntp.Client{Timeout: f.timeout}, c.Logger)
	if err != nil {
		return err
	}
	infos := make([]estimator.SourceInfo, 0, len(sources))
	for _, src := range sources {
		infos = append(infos, src.Info())
	}
	est := estimator.New(estimator.Config{})
	est.SetSources(infos)
	errs := queryAll(ctx, est, sources, f)
	e := est.Estimate(time.Now().Round(0))
	if f.json {
		if err := printJSON(c.Stdout, exporters.NewStatus(e)); err != nil {
			return err
		}
	} else {
		printQuery(c.Stdout, e)
	}
	if countOK(e) == 0 {
		printErrors(c.Stderr, errs)
		return fmt.Errorf("no server answered")
	}
	return nil
}

// printErrors prints each distinct error once, in the order they came,
// with how often it came when more than once.
func printErrors(out io.Writer, errs []error) {
	count := map[string]int{}
	var order []string
	for _, err := range errs {
		msg := err.Error()
		if count[msg] == 0 {
			order = append(order, msg)
		}
		count[msg]++
	}
	for _, msg := range order {
		if count[msg] > 1 {
			msg += fmt.Sprintf(" (%d times)", count[msg])
		}
		fmt.Fprintln(out, msg)
	}
}

// queryAll queries every server count times, the servers in parallel,
// and returns the errors of the failed queries.
func queryAll(ctx context.Context, est *estimator.Estimator, sources []*ntp.Source, f *queryFlags) []error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, src := range sources {
		wg.Go(func() {
			for _, o := range src.Burst(ctx, f.count, f.spacing) {
				mu.Lock()
				if err := firstErr(est.Observe(o), o.Err); err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// countOK counts the sources that produced at least one sample.
func countOK(e estimator.Estimate) int {
	n := 0
	for _, s := range e.Sources {
		if s.Results[estimator.ResultOK] > 0 {
			n++
		}
	}
	return n
}

// printQuery prints a table of the servers, the authentication counters
// of the authenticated ones and the combined estimate.
func printQuery(out io.Writer, e estimator.Estimate) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tSTATUS\tSTRATUM\tOFFSET\tDELAY\tBOUND\tREPLIES\tAUTH")
	for _, s := range e.Sources {
		replies := fmt.Sprintf("%d/%d", s.Results[estimator.ResultOK], total(s.Results))
		auth := exporters.AuthenticationOf(s.SourceInfo)
		if s.ErrorBound == estimator.UnknownBound {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\t%s\n", s.Name, s.Status, replies, auth)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%v\t±%v\t%s\t%s\n", s.Name, s.Status, s.Stratum, signed(s.Offset),
			s.Delay.Round(time.Microsecond), s.ErrorBound.Round(time.Microsecond), replies, auth)
	}
	tw.Flush()
	printAuthentication(out, exporters.NewStatus(e))
	if e.HasOffset() {
		fmt.Fprintf(out, "\nthis host is %s ± %v from true time (%s; offset = local clock − reference)\n",
			signed(e.Offset), e.ErrorBound.Round(time.Microsecond), e.Status)
	}
}

func total(results map[estimator.Result]uint64) uint64 {
	var n uint64
	for _, v := range results {
		n += v
	}
	return n
}

func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
