#!/usr/bin/env bash
# The whole test suite, as README command 2 and CI (.ci/run) run it:
#   1. install what the suite needs (apt) and the guest kernel for the
#      real-VFIO tests;
#   2. every test, plain build: unit suites, real-KVM suites, the real
#      kernel-VFIO suite in a QEMU guest, lspci decoding, fuzz smoke runs;
#   3. the host suites again under AddressSanitizer (+LeakSanitizer) and
#      UndefinedBehaviorSanitizer; the device suite under ThreadSanitizer.
# Ends with one line "vmpci tests: N passed, M failed" counting Bazel test
# targets over all stages; exits non-zero if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || exit 1
bash tests/vfio_guest/setup.sh || exit 1
# Guest tests with kernel_cache = "vmpci-guest-6.12" (dynamic MSI-X).
KMETA=linux-image-6.12-amd64 VMPCI_GUEST_CACHE=$HOME/.cache/vmpci-guest-6.12 \
	bash tests/vfio_guest/setup.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
broken=0 # stages that failed, including those that never got to run a test

stage() {
	local name=$1
	shift
	echo "=== $name: bazel test $*"
	local rc
	bazel test "$@" 2>&1 | tee -a "$log" | grep -vE '^\([0-9:]+\) (INFO|Loading|Analyzing)'
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || { echo "=== $name FAILED (bazel exit $rc)"; status=1; broken=$((broken + 1)); }
}

stage plain //...
# Each libFuzzer target for a few seconds under ASan + UBSan (clang, in an
# output base of its own); one PASSED / FAILED line per target joins the
# tally. Replaying the checked-in corpora is part of every stage above.
echo "=== fuzz: bash tests/fuzz/run.sh 5"
bash tests/fuzz/run.sh 5 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "=== fuzz FAILED"; status=1; broken=$((broken + 1)); }
stage asan --config=asan --test_tag_filters=-vfio_guest,-no_sanitizer //...
stage ubsan --config=ubsan --test_tag_filters=-vfio_guest,-no_sanitizer //...
# The device is documented as safe for concurrent vCPU threads.
stage tsan --config=tsan //tests/device:device_test

passed=$(grep -cE ' PASSED in ' "$log")
failed=$(grep -cE ' (FAILED|TIMEOUT|NO STATUS|INCOMPLETE)( in |$)' "$log")
# A stage that could not build counts as one failure, so the tally never
# reads "0 failed" for a run that failed.
[ "$broken" -gt "$failed" ] && failed=$broken
echo "vmpci tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
