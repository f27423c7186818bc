#!/usr/bin/env bash
# Every real-KVM suite (tag requires_kvm) must also be in the KVM guest's
# list (//tests/vfio_guest:kvm_suites_guest_test): on a machine without a
# usable /dev/kvm that guest is the only place it runs. A suite counts as
# listed when the guest test carries it, or all of its srcs (a shell test's
# script). Prints one PASSED / FAILED line for tests/run.sh's tally.
set -uo pipefail
cd "$(dirname "$0")/../.."

guest=//tests/vfio_guest:kvm_suites_guest_test
name=//tests/vfio_guest:kvm_coverage
carried=$(bazel query "labels(data, $guest)" 2>/dev/null) || {
	echo "$name FAILED (bazel query of $guest failed)"
	exit 1
}
suites=$(bazel query 'attr(tags, requires_kvm, tests(//...))' 2>/dev/null) || {
	echo "$name FAILED (bazel query of the requires_kvm suites failed)"
	exit 1
}
missing=
for t in $suites; do
	grep -qxF "$t" <<<"$carried" && continue
	srcs=$(bazel query "labels(srcs, $t)" 2>/dev/null)
	if [ -n "$srcs" ] && ! grep -vxF -f <(printf '%s\n' "$carried") <<<"$srcs" | grep -q .; then
		continue
	fi
	missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "not in $guest, so never run without KVM:$missing"
	echo "$name FAILED"
	exit 1
fi
echo "$name ($(wc -w <<<"$suites") suites) PASSED in 0s"
