package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/internal/fallbackroots"
	"github.com/clockwatch/clockwatch/internal/saturate"
)

// statusFlags are the flags of `clockwatch status`.
type statusFlags struct {
	agentURL string
	json     bool
	timeout  time.Duration
	insecure bool
}

func registerStatus(app *kingpin.Application, commands map[string]cli.Runner) {
	cmd := app.Command("status", "Print a running agent's estimate and sources, like `chronyc tracking` and `chronyc sources` together.")
	f := &statusFlags{}
	cmd.Flag("agent.url", "Base URL of the agent's HTTP API (user:password@ for basic auth).").Default("http://localhost" + defaultListenAddress).StringVar(&f.agentURL)
	cmd.Flag("json", "Print the agent's /api/v1/status document as it is.").BoolVar(&f.json)
	cmd.Flag("timeout", "How long to wait for the agent.").Default("5s").DurationVar(&f.timeout)
	cmd.Flag("tls.insecure-skip-verify", "Do not verify the agent's TLS certificate.").BoolVar(&f.insecure)
	commands["status"] = func(ctx context.Context, c *cli.Env) error { return runStatus(ctx, c, f) }
}

// runStatus is `clockwatch status`.
func runStatus(ctx context.Context, c *cli.Env, f *statusFlags) error {
	body, err := fetchStatus(ctx, f)
	if err != nil {
		return err
	}
	if f.json {
		_, err := c.Stdout.Write(body)
		return err
	}
	var s exporters.Status
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("agent at %s sent an unreadable status: %w", f.agentURL, err)
	}
	printStatus(c.Stdout, s)
	return nil
}

// fetchStatus gets the raw status document from the agent.
func fetchStatus(ctx context.Context, f *statusFlags) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	url := strings.TrimSuffix(f.agentURL, "/") + "/api/v1/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("--agent.url %q: %w", f.agentURL, err)
	}
	// An HTTPS agent is verified against the system's roots, or Mozilla's
	// where the system has none (the container image).
	fallbackroots.Install()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: f.insecure}}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no agent at %s: %w (is `clockwatch run` running? see --agent.url)", f.agentURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading status from %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("agent at %s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// printStatus prints the estimate and a table of sources.
func printStatus(out io.Writer, s exporters.Status) {
	fmt.Fprintf(out, "State       : %s\n", s.State)
	fmt.Fprintf(out, "Offset      : %s ± %s (local clock − true time; positive: this host is ahead)\n",
		signedSeconds(s.OffsetSeconds), seconds(s.ErrorBoundSeconds))
	p := s.BoundParts
	fmt.Fprintf(out, "Bound parts : measurement %s + root distance %s + drift growth %s + selection %s\n",
		seconds(p.MeasurementSeconds), seconds(p.RootDistanceSeconds), seconds(p.DriftGrowthSeconds), seconds(p.SelectionSeconds))
	if iv := s.OffsetInterval; iv != nil {
		fmt.Fprintf(out, "Interval    : %s .. %s (where the sources agree the true offset lies)\n",
			signedSeconds(iv.MinSeconds), signedSeconds(iv.MaxSeconds))
	}
	fmt.Fprintf(out, "Drift       : %+.3f ppm ± %.3f ppm (positive: the clock runs fast)%s\n", s.DriftPPM, s.DriftBoundPPM, driftModel(s.DriftModel))
	if s.LastSample != nil {
		fmt.Fprintf(out, "Last sample : %s ago\n", s.Time.Sub(*s.LastSample).Round(time.Millisecond))
	}
	fmt.Fprintf(out, "Steps       : %d", s.Steps)
	if s.LastStep != nil {
		fmt.Fprintf(out, " (last %s at %s)", signedSeconds(s.LastStep.SizeSeconds), s.LastStep.Time.Format(time.RFC3339))
	}
	fmt.Fprint(out, "\n\n")
	printSources(out, s)
	printAuthentication(out, s)
}

// printSources prints the table of sources, with the columns chronyc
// sources has (poll, reach in octal) and the reference and leap status of
// each source's newest sample.
func printSources(out io.Writer, s exporters.Status) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tSTATUS\tSTRATUM\tPOLL\tREACH\tOFFSET\tBOUND\tDELAY\tLAST\tREFID\tLEAP\tSTAMPS\tAUTH")
	for _, src := range s.Sources {
		last := "-"
		if src.LastSample != nil {
			last = s.Time.Sub(*src.LastSample).Round(100*time.Millisecond).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%o\t%s\t±%s\t%s\t%s\t%s\t%s\t%s\t%s\n", src.Name, src.Kind, src.Status, src.Stratum,
			pollInterval(src.PollSeconds), src.Reach, signedSeconds(src.OffsetSeconds), seconds(src.ErrorBoundSeconds),
			seconds(src.DelaySeconds), last, orDash(src.Reference), orDash(src.Leap), orDash(src.Timestamping), orDash(src.Authentication))
	}
	tw.Flush()
}

// pollInterval formats a poll interval, "-" while unknown.
func pollInterval(v float64) string {
	if v <= 0 {
		return "-"
	}
	return formatSeconds(v, time.Millisecond, false)
}

// orDash is s, or "-" when it is empty, so table columns never collapse.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// seconds formats a JSON seconds value as a duration.
func seconds(v float64) string {
	if v >= 1e9 {
		return "unknown"
	}
	return formatSeconds(v, time.Microsecond, false)
}

// signedSeconds formats a JSON seconds value as a duration with its sign.
func signedSeconds(v float64) string { return formatSeconds(v, time.Microsecond, true) }

// formatSeconds formats v seconds as a duration rounded to round, with a
// + when sign is set and v is not negative. Past what a duration holds,
// about 292 years, it says so: ">292y", "<-292y".
func formatSeconds(v float64, round time.Duration, sign bool) string {
	plus := ""
	if sign {
		plus = "+"
	}
	switch d := saturate.Seconds(v); d {
	case math.MaxInt64:
		return ">" + plus + "292y"
	case math.MinInt64:
		return "<-292y"
	default:
		if d = d.Round(round); d >= 0 {
			return plus + d.String()
		}
		return d.String()
	}
}

// driftModel says in words what the drift's bound relies on.
func driftModel(model estimator.DriftModel) string {
	switch model {
	case estimator.DriftModelEnvelope:
		return "; from the one-way delays' envelopes"
	case estimator.DriftModelIntervals:
		return "; proven by the samples' intervals"
	}
	return ""
}
