// Package deploy holds clockwatch's deployment files: Prometheus recording
// and alerting rules with their promtool unit tests (prometheus/), Grafana
// dashboards (grafana/), the systemd unit (systemd/) and Kubernetes
// manifests (kubernetes/). It is a Go module of its own, so that its tests'
// dependencies (the PromQL parser, the Kubernetes API types) stay out of the
// agent's build.
//
// The package has no code. Its tests check the files against the real
// thing: a Prometheus that scrapes running `clockwatch demo` agents and
// evaluates the rules, promtool on a live /metrics, every dashboard query
// against the metrics the agent exports, systemd-analyze on the unit, and
// the manifests against the Kubernetes API types and the agent's flags.
package deploy
