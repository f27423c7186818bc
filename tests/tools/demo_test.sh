#!/usr/bin/env bash
# vmpci demo must pass every check and say so, on KVM and without it: with
# --no-kvm, and with /dev/kvm unusable (hidden in a mount namespace), where
# it must say so and run the same guest driver without a vCPU.
set -u
vmpci=$1
passed=0 failed=0

fail() {
	echo "FAIL ($1): $2"
	failed=$((failed + 1))
}

# run_demo NAME MODE_LINE COMMAND...: COMMAND gets --snapshot FILE appended.
run_demo() {
	local name=$1 mode=$2 snap="$TEST_TMPDIR/$1.json" out rc
	shift 2
	out=$("$@" --snapshot "$snap" 2>&1)
	rc=$?
	echo "== $name"
	echo "$out"
	if [ $rc -ne 0 ]; then fail "$name" "exited $rc"; return; fi
	if ! grep -q '^vmpci demo: PASS$' <<<"$out"; then fail "$name" "no PASS line"; return; fi
	if grep -q 'FAIL' <<<"$out"; then fail "$name" "a check failed"; return; fi
	if ! grep -qF -- "$mode" <<<"$out"; then fail "$name" "not run as '$mode'"; return; fi
	if [ "$(grep -c '^  ok ' <<<"$out")" -ne 12 ]; then fail "$name" "not 12 checks"; return; fi
	if ! grep -q '"format"' "$snap"; then fail "$name" "snapshot has no format"; return; fi
	passed=$((passed + 1))
}

if [ -w /dev/kvm ]; then
	run_demo kvm "32-bit code on a KVM vCPU" "$vmpci" demo
else
	echo "SKIP (kvm): no /dev/kvm"
fi
run_demo hosted "--no-kvm given: the same guest driver runs" "$vmpci" demo --no-kvm
# /dev/null in place of /dev/kvm: it opens, but KVM_CREATE_VM fails.
if unshare -m true 2>/dev/null; then
	run_demo unusable-kvm "no usable /dev/kvm: the same guest driver runs" \
		unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" demo "$@"' "$vmpci"
else
	echo "SKIP (unusable-kvm): no mount namespace for this test"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
