# clockwatch: `make test` runs every test, as CI does (see hack/test.sh).

.PHONY: all build test demo bench bench-compare bench-fleet mixin dist otelcol

all: build

build:
	go build ./...

test:
	hack/test.sh

demo:
	go run ./cmd/clockwatch demo

# Regenerates deploy/'s Prometheus rules and Grafana dashboards from the
# monitoring mixin (deploy/mixin); `make test` fails while they differ.
mixin:
	cd deploy && go run ./cmd/mixin

# Benchmarks of every module of the repository (logicaltime is its own).
bench:
	go test -run '^$$' -bench . -benchmem ./...
	for mod in $$(git ls-files '*/go.mod'); do (cd $$(dirname $$mod) && go test -run '^$$' -bench . -benchmem ./...) || exit 1; done

# Side-by-side benchmarks against an anchor (chronyd, other clocks); each
# prints ratios. They take minutes and need root for chronyd.
bench-compare:
	hack/bench/hlc/run.sh
	go run ./hack/bench/responder -run=compare
	go run ./hack/bench/footprint

# Fleet scale (issue 19): an hour of 10,000 simulated agents on the agent's
# own code, and a real Prometheus with the project's rules and dashboards
# over 10,000 simulated agents for 30 minutes. Each takes tens of minutes
# of CPU and gigabytes of memory on 2 cores: run them deliberately.
bench-fleet:
	go run ./internal/fleetsim --hosts 10000 --seed 1 --faulty-hosts 10 --fault-offset 1ms --rounds 225
	go run ./hack/bench/promfleet --hosts 10000 --duration 30m

# Release artefacts in dist/ (hack/dist, a module of its own): tarballs and
# Debian packages for linux/amd64 and linux/arm64, the OCI image of both,
# sha256sums.txt. Offline but for the Go module proxy; no Docker engine.
# VERSION=0.2.0-rc.1 overrides the VERSION file. A few minutes the first
# time (two static builds), seconds after.
dist:
	cd hack/dist && go run . -out "$(CURDIR)/dist" $(if $(VERSION),-version "$(VERSION)")

# The OpenTelemetry Collector distribution with the clockwatch processor,
# built by the OpenTelemetry Collector Builder from otelcol/builder-config.yaml
# into bin/otelcol-clockwatch. A heavy build (minutes): not part of `make test`,
# which assembles the same pipeline in-process instead.
OTELCOL_BUILDER_VERSION := v0.161.0

otelcol:
	mkdir -p build
	go run go.opentelemetry.io/collector/cmd/builder@$(OTELCOL_BUILDER_VERSION) --config=otelcol/builder-config.yaml
	mkdir -p bin
	cp build/otelcol-clockwatch/otelcol-clockwatch bin/otelcol-clockwatch
