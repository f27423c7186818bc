#!/usr/bin/env bash
# vmpci demo must pass every check and say so; without /dev/kvm it cannot
# run its guest, which this test reports as a skip.
set -u
vmpci=$1
if [ ! -w /dev/kvm ]; then
	echo "SKIP: no /dev/kvm"
	exit 0
fi
out=$("$vmpci" demo --snapshot "$TEST_TMPDIR/snap.json" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: vmpci demo exited $rc"; exit 1; }
grep -q '^vmpci demo: PASS$' <<<"$out" || { echo "FAIL: no PASS line"; exit 1; }
if grep -q 'FAIL' <<<"$out"; then echo "FAIL: a check failed"; exit 1; fi
[ -s "$TEST_TMPDIR/snap.json" ] || { echo "FAIL: no snapshot written"; exit 1; }
grep -q '"format"' "$TEST_TMPDIR/snap.json" || { echo "FAIL: snapshot has no format"; exit 1; }
echo "1 passed, 0 failed"
