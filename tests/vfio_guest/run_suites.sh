#!/bin/sh
# Guest program that runs several test programs in one boot (one TCG boot
# costs more than most suites): each argument is a command line run from
# /test, e.g. "./kvm_host_test" or "sh ./demo_test.sh ./vmpci", and is named
# by the command from its first "./" on ("guest_walk --kvm"). A suite passes
# when it exits 0 and skipped nothing: in a guest that was given what the
# suite needs (KVM under -K, vfio-pci devices), a GoogleTest "[  SKIPPED ]"
# or a printed "SKIP" line is a failure, not a pass.
passed=0 failed=0
for cmd in "$@"; do
	name=${cmd#*./}
	n=$((passed + failed))
	out=/tmp/suite$n.out
	export TEST_TMPDIR=/tmp/suite$n.tmp
	mkdir -p "$TEST_TMPDIR"
	echo "=== $cmd"
	sh -c "$cmd" >"$out" 2>&1
	rc=$?
	cat "$out"
	why=
	if [ "$rc" -ne 0 ]; then
		why="exited $rc"
	elif grep -q -e '^\[  SKIPPED \]' -e '^SKIP' "$out"; then
		why="skipped: $(grep -m 1 -e '^\[  SKIPPED \]' -e '^SKIP' "$out")"
	fi
	if [ -z "$why" ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name ($why)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
