#!/usr/bin/env bash
# The whole test suite, as README command 2 and CI (.ci/run) run it:
#   1. install what the suite needs (apt) and the guest kernel for the
#      real-VFIO tests;
#   2. every test, plain build: unit suites, real-KVM suites, the real
#      kernel-VFIO suite in a QEMU guest, lspci decoding, fuzz smoke runs,
#      another Bazel workspace that depends on vmpci;
#   3. the host suites again under AddressSanitizer (+LeakSanitizer) and
#      UndefinedBehaviorSanitizer; the device suite under ThreadSanitizer
#      (the real-KVM suites in the KVM guest where the host has no usable
#      KVM).
# The real-KVM suites (tag requires_kvm) always run in the KVM guest
# (//tests/vfio_guest:kvm_suites_guest_test); on the host only where
# /dev/kvm can create a VM (tests/vfio_guest/kvm-check.c says so).
# Ends with one line "vmpci tests: N passed, M failed, K skipped" counting
# Bazel test targets over all stages, where a test that skipped any part of
# itself (a GoogleTest "[  SKIPPED ]", a printed "SKIP" line) counts as
# skipped, not passed; the skipped ones are listed above it with their
# reasons. Exits non-zero if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || exit 1
bash tests/vfio_guest/setup.sh || exit 1
# Guest tests with kernel_cache = "vmpci-guest-6.12" (dynamic MSI-X).
KMETA=linux-image-6.12-amd64 VMPCI_GUEST_CACHE=$HOME/.cache/vmpci-guest-6.12 \
	bash tests/vfio_guest/setup.sh || exit 1

log=$(mktemp)
skips=$(mktemp)
kvm_check=$(mktemp)
trap 'rm -f "$log" "$skips" "$kvm_check"' EXIT
status=0
broken=0 # stages that failed, including those that never got to run a test

# The host runs the real-KVM suites only where its /dev/kvm works.
no_kvm=
if ! { cc -O2 -o "$kvm_check" tests/vfio_guest/kvm-check.c && "$kvm_check"; }; then
	no_kvm=,-requires_kvm
	echo "=== no usable /dev/kvm here: the real-KVM suites run in the KVM guest only"
fi

# skip_reason LOG: why the test behind LOG skipped part of itself, or nothing.
# GoogleTest prints "file:line: Skipped" and the message on the next line.
skip_reason() {
	local line
	line=$(grep -m 1 -A 1 -E ': Skipped$' "$1" | sed -n 2p)
	[ -n "$line" ] || line=$(grep -m 1 -E '^SKIP' "$1")
	[ -n "$line" ] || line=$(grep -m 1 -E '^\[  SKIPPED \]' "$1")
	printf '%s' "$line"
}

# find_skips NAME BAZEL_OPTION...: every test this stage reported PASSED
# whose log shows a skip goes to $skips as "target (stage): reason".
find_skips() {
	local name=$1 testlogs target reason f
	shift
	testlogs=$(bazel info "$@" bazel-testlogs 2>/dev/null) || return
	for target in $(sed -n 's|^\(//[^ ]*\) .*PASSED in .*|\1|p' "$log.stage"); do
		f=$testlogs/${target#//}
		f=${f/://}/test.log
		[ -f "$f" ] && grep -qE '^\[  SKIPPED \]|^SKIP' "$f" || continue
		reason=$(skip_reason "$f")
		echo "$target ($name): ${reason:-skipped}" >> "$skips"
	done
}

stage() {
	local name=$1
	shift
	echo "=== $name: bazel test $*"
	local rc options=()
	bazel test "$@" 2>&1 | tee "$log.stage" | grep -vE '^\([0-9:]+\) (INFO|Loading|Analyzing)'
	rc=${PIPESTATUS[0]}
	cat "$log.stage" >> "$log"
	[ "$rc" -eq 0 ] || { echo "=== $name FAILED (bazel exit $rc)"; status=1; broken=$((broken + 1)); }
	# bazel info takes the build configuration, not the test options.
	for o in "$@"; do case $o in --config=*) options+=("$o") ;; esac; done
	find_skips "$name" "${options[@]+"${options[@]}"}"
	rm -f "$log.stage"
}

# script NAME FILE ARG...: a stage that is a script printing its own
# PASSED / FAILED lines for the tally.
script() {
	local name=$1
	shift
	echo "=== $name: bash $*"
	bash "$@" 2>&1 | tee -a "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "=== $name FAILED"; status=1; broken=$((broken + 1)); }
}

stage plain ${no_kvm:+--test_tag_filters=${no_kvm#,}} //...
# Each libFuzzer target for a few seconds under ASan + UBSan (clang, in an
# output base of its own); one PASSED / FAILED line per target joins the
# tally. Replaying the checked-in corpora is part of every stage above.
script fuzz tests/fuzz/run.sh 5
# Another Bazel workspace that depends on vmpci (local_repository + the
# deps.bzl macro) builds offline in an output base of its own and runs its
# cc_test; one PASSED / FAILED line joins the tally.
script consumer tests/consumer/run.sh
# Every real-KVM suite is in the KVM guest's list too (one PASSED / FAILED
# line), or a machine without KVM would never run it.
script kvm-coverage tests/vfio_guest/kvm_coverage.sh
stage asan --config=asan --test_tag_filters=-vfio_guest,-no_sanitizer${no_kvm} //...
stage ubsan --config=ubsan --test_tag_filters=-vfio_guest,-no_sanitizer${no_kvm} //...
# Without a usable KVM here the real-KVM suites left the two stages above;
# they run under both sanitizers in the KVM guest instead.
if [ -n "$no_kvm" ]; then
	stage asan-kvm --config=asan //tests/vfio_guest:kvm_suites_guest_test
	stage ubsan-kvm --config=ubsan //tests/vfio_guest:kvm_suites_guest_test
fi
# The device is documented as safe for concurrent vCPU threads; its suite
# needs real KVM, so without one here it runs in the KVM guest.
if [ -z "$no_kvm" ]; then
	stage tsan --config=tsan //tests/device:device_test
else
	stage tsan --config=tsan //tests/vfio_guest:device_tsan_guest_test
fi

skipped=$(wc -l < "$skips")
passed=$(($(grep -cE ' PASSED in ' "$log") - skipped))
failed=$(grep -cE ' (FAILED|TIMEOUT|NO STATUS|INCOMPLETE)( in |$)' "$log")
# A stage that could not build counts as one failure, so the tally never
# reads "0 failed" for a run that failed.
[ "$broken" -gt "$failed" ] && failed=$broken
if [ "$skipped" -gt 0 ]; then
	echo "skipped (counted as skipped, not passed):"
	sed 's/^/  /' "$skips"
fi
echo "vmpci tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
