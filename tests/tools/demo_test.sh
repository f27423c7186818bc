#!/bin/sh
# vmpci demo must pass every check and say so, on KVM and without it: with
# --no-kvm, and with /dev/kvm unusable (replaced in a mount namespace), where
# it must say so and run the same guest driver without a vCPU. POSIX sh:
# it also runs in the KVM guest's busybox (//tests/vfio_guest:kvm_suites_guest_test).
set -u
vmpci=$1
passed=0 failed=0

fail() {
	echo "FAIL ($1): $2"
	failed=$((failed + 1))
}

# has ARGS...: grep -q ARGS on the demo's output.
has() { printf '%s\n' "$out" | grep -q "$@"; }

# run_demo NAME MODE_LINE COMMAND...: COMMAND gets --snapshot FILE appended.
run_demo() {
	local name=$1 mode=$2 snap="$TEST_TMPDIR/$1.json" out rc
	shift 2
	out=$("$@" --snapshot "$snap" 2>&1)
	rc=$?
	echo "== $name"
	echo "$out"
	if [ $rc -ne 0 ]; then fail "$name" "exited $rc"; return; fi
	if ! has '^vmpci demo: PASS$'; then fail "$name" "no PASS line"; return; fi
	if has 'FAIL'; then fail "$name" "a check failed"; return; fi
	if ! has -F -- "$mode"; then fail "$name" "not run as '$mode'"; return; fi
	if [ "$(printf '%s\n' "$out" | grep -c '^  ok ')" -ne 12 ]; then fail "$name" "not 12 checks"; return; fi
	if ! grep -q '"format"' "$snap"; then fail "$name" "snapshot has no format"; return; fi
	passed=$((passed + 1))
}

if [ -w /dev/kvm ]; then
	run_demo kvm "32-bit code on a KVM vCPU" "$vmpci" demo
else
	echo "SKIP (kvm): no /dev/kvm"
fi
run_demo hosted "--no-kvm given: the same guest driver runs" "$vmpci" demo --no-kvm
# An empty file in place of /dev/kvm: it opens, but KVM_CREATE_VM fails
# (ENOTTY). A tmpfs over /dev in a private mount namespace holds it, so the
# case runs whether or not the machine has a /dev/kvm to hide.
if unshare -m true 2>/dev/null; then
	run_demo unusable-kvm "no usable /dev/kvm: the same guest driver runs" \
		unshare -m sh -c 'mount -t tmpfs none /dev && : >/dev/kvm && exec "$0" demo "$@"' "$vmpci"
else
	echo "SKIP (unusable-kvm): no mount namespace for this test"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
