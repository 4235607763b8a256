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

# Benchmarks of every module of the repository (logicaltime is its own).
bench:
	go test -run '^$$' -bench . -benchmem ./...
	for mod in $$(git ls-files '*/go.mod'); do (cd $$(dirname $$mod) && go test -run '^$$' -bench . -benchmem ./...) || exit 1; done

# Side-by-side benchmarks against an anchor (chronyd, other clocks); each
# prints ratios. They take minutes and need root for chronyd.
bench-compare:
	hack/bench/hlc/run.sh
	go run ./hack/bench/responder -run=compare
