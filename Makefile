# clockwatch: `make test` runs every test, as CI does (see hack/test.sh).

.PHONY: all build test demo bench bench-compare mixin

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

bench:
	go test -run '^$$' -bench . -benchmem ./...

# Side-by-side benchmarks against an anchor (chronyd, other clocks); each
# prints ratios. They take minutes and need root for chronyd.
bench-compare:
	hack/bench/hlc/run.sh
	go run ./hack/bench/responder -run=compare
