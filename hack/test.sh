#!/usr/bin/env bash
# Runs every test of clockwatch: installs the real peers the tests talk to
# (Debian packages), then go vet, unit and integration tests with the race
# detector, and the Prometheus rule and metrics checks.
#
# Usage: hack/test.sh            (what `make test` and CI run)
#        SKIP_INSTALL=1 hack/test.sh   (do not touch system packages)
#        RACE_ALL=1 hack/test.sh       (the race detector on every module)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need, by the command that proves each is there.
declare -A packages=(
  [chronyd]=chrony
  [ptp4l]=linuxptp
  [prometheus]=prometheus
  [promtool]=prometheus
  [ip]=iproute2
  [systemd-analyze]=systemd
  [chromium]=chromium
  [podman]=podman
  [runc]=runc
  [cc]=gcc
)

install_packages() {
  local missing=()
  for cmd in "${!packages[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: missing ${missing[*]}; run as root or install them (tests that need them will skip)" >&2
    return
  fi
  # Install without starting the packages' services: tests start their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' RETURN
  echo "test.sh: installing $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
}

[ "${SKIP_INSTALL:-}" = 1 ] || install_packages

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi

echo "== go vet"
go vet ./...

# Pure, single-goroutine packages (the estimator, mesh inference and the
# simulators) run without the race detector, which slows their long
# simulations twentyfold and has nothing to find there; everything else
# runs with it.
pure=(./estimator/... ./mesh/... ./internal/sim/... ./internal/fleetsim/... ./hack/discipline-sim/...)
echo "== go test, pure packages: ${pure[*]}"
go test -count=1 -timeout 5m "${pure[@]}"
echo "== go test -race, everything else (unit and integration tests)"
go test -race -count=1 -timeout 10m $(go list ./... | grep -v -e /estimator -e '/mesh$' -e /internal/sim -e /internal/fleetsim -e /hack/discipline-sim)

# Every other Go module of the repository, nested ones included (logicaltime
# and logicaltime/grpc keep their importers' module graphs lean; deploy,
# exporters/pagetest, hack/dist and otelcol keep their test-only or heavy
# dependencies out of the main module): vet and test each, found by their
# go.mod, so a new module is tested without a change here.
# Two run without the race detector unless RACE_ALL=1: hack/dist (packaging,
# one goroutine), which it slows tenfold, and otelcol, whose collector
# dependencies take about five CPU-minutes to compile from a cold cache, ten
# with a second, instrumented build, too much for CI's budget. Run
# RACE_ALL=1 after changing the processor's background refresh.
for mod in $(git ls-files '*/go.mod'); do
  dir=$(dirname "$mod")
  race=-race
  case "$dir" in
    hack/dist|otelcol) [ "${RACE_ALL:-}" = 1 ] || race= ;;
  esac
  echo "== go vet, go test $race: module $dir"
  (cd "$dir" && go vet ./... && go test $race -count=1 -timeout 10m ./...)
done

if ls deploy/prometheus/*.yml >/dev/null 2>&1; then
  echo "== promtool check rules / test rules"
  promtool check rules deploy/prometheus/*rules*.yml
  if ls deploy/prometheus/tests/*.yml >/dev/null 2>&1; then
    promtool test rules deploy/prometheus/tests/*.yml
  fi
fi
echo "== all tests passed"
