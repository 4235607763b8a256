#!/bin/sh
# Measures logicaltime's clocks against time.Now and the two anchors (a
# mutex-guarded CockroachDB-style clock, a naive CAS loop), all defined in
# logicaltime/bench_test.go, and prints the ratios the goals are stated in.
#
# Each round runs every benchmark once, back to back, and yields one value
# of each ratio; the medians over the rounds are printed, so load that comes
# and goes on a shared machine skews them less than it skews raw ns/op.
#
# Usage: hack/bench/hlc/run.sh [rounds]   (default 10)
# Env:   BENCHTIME per benchmark and round (default 500ms).
# Exits 1 when a goal is missed or a hot path allocates.
set -eu
cd "$(dirname "$0")/../../.."
rounds=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd logicaltime && go test -c -o "$tmp/logicaltime.test" .)
for round in $(seq "$rounds"); do
	"$tmp/logicaltime.test" -test.run '^$' -test.bench '^BenchmarkClocks$' -test.benchmem \
		-test.benchtime "${BENCHTIME:-500ms}" >"$tmp/round"
	[ "$round" = 1 ] && grep -E '^(goos|goarch|cpu):' "$tmp/round"
	# round name ns/op allocs/op
	sed -nE "s|^BenchmarkClocks/([^[:space:]]*)-[0-9]+[[:space:]]+[0-9]+[[:space:]]+([0-9.]+) ns/op.*[[:space:]]([0-9]+) allocs/op|$round \1 \2 \3|p" "$tmp/round"
done >"$tmp/all"

awk -v rounds="$rounds" '
	/^[a-z]/ { print; next }
	{ ns[$1, $2] = $3; if ($4 > allocs[$2]) allocs[$2] = $4; if (!($2 in seen)) { seen[$2]; order[++names] = $2 } }
	END {
		printf "\n%-34s %12s %7s\n", "benchmark", "median ns/op", "allocs"
		for (i = 1; i <= names; i++) {
			for (r = 1; r <= rounds; r++) v[r] = ns[r, order[i]]
			printf "%-34s %12.1f %7d\n", order[i], median(v, rounds), allocs[order[i]]
		}
		printf "\n%-50s %8s %7s\n", "ratio (median over " rounds " rounds)", "value", "goal"
		bad = 0
		bad += ratio("HLC.Now / time.Now, 1 goroutine", "HLC.Now/goroutines=1", "time.Now/goroutines=1", 1.15)
		bad += ratio("HLC.Now / MutexClock.Now, 2 goroutines", "HLC.Now/goroutines=2", "MutexClock.Now/goroutines=2", 1)
		bad += ratio("BoundedClock.Now / time.Now, 1 goroutine", "BoundedClock.Now/goroutines=1", "time.Now/goroutines=1", 2)
		ratio("HLC.Now / NaiveCAS.Now, 2 goroutines", "HLC.Now/goroutines=2", "NaiveCAS.Now/goroutines=2", 0)
		ratio("HLC.Update / time.Now, 1 goroutine", "HLC.Update/goroutines=1", "time.Now/goroutines=1", 0)
		ratio("MutexClock.Now / time.Now, 1 goroutine (anchor)", "MutexClock.Now/goroutines=1", "time.Now/goroutines=1", 0)
		ratio("NaiveCAS.Now / time.Now, 1 goroutine (anchor)", "NaiveCAS.Now/goroutines=1", "time.Now/goroutines=1", 0)
		for (i = 1; i <= names; i++) if (allocs[order[i]] > 0) { printf "hot path allocates: %s\n", order[i]; bad++ }
		exit bad > 0
	}
	# median returns the median of x[1..n].
	function median(x, n,    i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		return (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	}
	# ratio prints the median over rounds of a/b against goal (0: none; a
	# goal of 1 means "faster than") and returns 1 when it is missed.
	function ratio(label, a, b, goal,    r, x, m, verdict) {
		for (r = 1; r <= rounds; r++) x[r] = ns[r, a] / ns[r, b]
		m = median(x, rounds)
		verdict = goal == 0 ? "" : ((goal == 1 ? m < 1 : m <= goal) ? "ok" : "MISSED")
		printf "%-50s %8.2f %7s  %s\n", label, m, goal == 0 ? "-" : (goal == 1 ? "<1" : "<=" goal), verdict
		return verdict == "MISSED"
	}' "$tmp/all"
