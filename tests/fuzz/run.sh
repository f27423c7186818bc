#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each (default 60) under ASan +
# UBSan and summarize executions, coverage and corpus per target:
#   bash tests/fuzz/run.sh [SECONDS]
# Environment:
#   FUZZ_JOBS=2         targets run this many at a time (default 1)
#   FUZZ_WORK=DIR       generated corpora, logs, crashes and the summary
#                       (default /tmp/vmpci-fuzz; corpora grow across runs)
#   FUZZ_OUTPUT_BASE    Bazel output base of the clang build (default
#                       ~/.cache/bazel-fuzz-clang, never the gcc one)
# Each target starts from its checked-in seeds (tests/fuzz/corpus/<t>/,
# read only) plus what earlier runs found in $FUZZ_WORK/<t>/corpus. A crash
# or violated invariant leaves $FUZZ_WORK/<t>/crash-*: copy it into
# tests/fuzz/corpus/<t>/ so the normal suite replays it, fix, re-run.
# Prints one "<target> PASSED in Ns" / "FAILED in Ns" line per target (the
# suite's tally counts them) and exits non-zero if any target failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-60}
jobs=${FUZZ_JOBS:-1}
work=${FUZZ_WORK:-/tmp/vmpci-fuzz}
base=${FUZZ_OUTPUT_BASE:-$HOME/.cache/bazel-fuzz-clang}
targets=(config bar snapshot)
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}_fuzzer"); done

mkdir -p "$work"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "fuzz: building ${targets[*]} with clang (output base $base)"
# No convenience symlinks: they would point bazel-<dir> of this workspace
# into this output base, where the gcc output base's `bazel test //...`
# would then walk into them (Bazel skips only links into its own base).
if ! CC=clang bazel --output_base="$base" build --config=fuzz \
	--symlink_prefix=/ "${labels[@]}" >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"
	for t in "${targets[@]}"; do
		echo "//tests/fuzz:${t}_fuzzer (build)   FAILED in 0s"
	done
	exit 1
fi
bin=$(CC=clang bazel --output_base="$base" info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz

run_one() {
	local t=$1 dir=$work/$1 dict=()
	mkdir -p "$dir/corpus"
	rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	local start=$SECONDS
	"$bin/${t}_fuzzer" -max_total_time="$secs" -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$dir/" "${dict[@]}" \
		"$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
	echo $? >"$dir/rc"
	echo $((SECONDS - start)) >"$dir/secs"
}

running=0
for t in "${targets[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

status=0
summary=$work/summary.txt
{
	echo "vmpci fuzz run started $started, ${secs} s per target, $jobs at a time"
	printf '%-10s %-6s %12s %8s %8s %10s %8s\n' target result execs cov ft corpus secs
} >"$summary"
for t in "${targets[@]}"; do
	dir=$work/$t
	rc=$(cat "$dir/rc")
	took=$(cat "$dir/secs")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$dir/log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
	result=PASSED
	if [ "$rc" -ne 0 ] || ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
		"$dir"/oom-* >/dev/null 2>&1; then
		result=FAILED
		status=1
		grep -m1 -E 'invariant violated|ERROR: |runtime error' "$dir/log"
		ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null
	fi
	printf '%-10s %-6s %12s %8s %8s %10s %8s\n' "$t" "$result" \
		"${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$took" >>"$summary"
	echo "//tests/fuzz:${t}_fuzzer (${secs} s)   $result in ${took}s"
done
cat "$summary"
exit $status
