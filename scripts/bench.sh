#!/usr/bin/env bash
# make bench: the Go benchmarks of issue 7 at 1,000 / 10,000 / 50,000 tables
# on the cached generated projects, then whole-process runs of
# `shiftleft pipeline graph --format json` under /usr/bin/time -v for the
# peak memory. Writes the raw `go test -bench` output (benchstat input) to
# .bench/raw.txt and a markdown summary to stdout and .bench/summary.md.
#
# Environment:
#   BENCH_SIZES   tables per project (default "1000 10000 50000")
#   BENCHTIME     go test -benchtime (default 3x: a few iterations each)
#   BENCH_COUNT   go test -count (default 1; use 6+ for benchstat)
#   BENCH_RUNS    whole-process runs per size, the median is reported (default 3)
#   SHIFTLEFT_BENCH_CACHE  where the generated projects are kept
#                 (default: the user cache folder, shiftleft/bench)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${BENCH_SIZES:-"1000 10000 50000"}
benchtime=${BENCHTIME:-3x}
count=${BENCH_COUNT:-1}
runs=${BENCH_RUNS:-3}
cache=${SHIFTLEFT_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shiftleft/bench}
out=.bench
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"

alt=$(echo "$sizes" | tr ' ' '|')
# package, benchmark, sub-benchmark filter
benches=(
	"./dag BenchmarkScanGraph ^tables=($alt)\$"
	"./report BenchmarkGraphJSON ^tables=($alt)\$"
	"./impact BenchmarkImpact50 ^tables=($alt)\$"
	"./plan BenchmarkPlan ^tables=($alt)\$"
	"./executor BenchmarkExecutorOverhead ^tables=($alt)\$"
)
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
for b in "${benches[@]}"; do
	read -r pkg name sub <<<"$b"
	echo "== go test $pkg -bench '^$name\$/$sub' -benchtime $benchtime -count $count" >&2
	# -timeout 0: a 50k-table plan on a loaded machine can exceed the default.
	go test "$pkg" -run '^$' -bench "^$name\$/$sub" -benchmem -benchtime "$benchtime" \
		-count "$count" -timeout 0 | tee -a "$raw" >&2
done

# Whole-process runs: the CLI as a user runs it, peak RSS included.
go build -o bin/shiftleft .
proc=$out/process.txt
: >"$proc"
for n in $sizes; do
	[ "$n" -ge 10000 ] || continue
	dir=$cache/tables-$n-seed-1-commits-0/pipelines
	if [ ! -d "$dir" ]; then
		echo "no generated project at $dir (the benchmarks above generate it)" >&2
		continue
	fi
	for i in $(seq "$runs"); do
		/usr/bin/time -f "graph $n %e %U %S %M" -o "$out/time.tmp" \
			bin/shiftleft pipeline graph --format json --pipelines "$dir" >/dev/null
		cat "$out/time.tmp" >>"$proc"
	done
	# A plan of every table against an empty local environment: scan with
	# the SQL kept, selection, state, rules, names, fingerprints, text.
	state=$(mktemp -d)
	for i in $(seq "$runs"); do
		/usr/bin/time -f "plan $n %e %U %S %M" -o "$out/time.tmp" \
			bin/shiftleft pipeline build-execution-plan --select 'path:*' --pipelines "$dir" \
			--state-dir "$state" --format text >/dev/null
		cat "$out/time.tmp" >>"$proc"
	done
	rm -rf "$state"
done
rm -f "$out/time.tmp"

scripts/bench/summary.awk -v load="$load0" -v procs="$proc" "$raw" | tee "$out/summary.md"
