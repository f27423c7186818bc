#!/bin/sh
# The program of the guest tests (BUILD.bazel): runs `vmpci selftest` on
# every function the harness bound to vfio-pci ($VFIO_BDFS, types in
# $VFIO_DEVICES) and passes when each run exits 0 and ends with exactly
# "$1 passed, 0 failed", $1 being the steps that must pass on that function
# (a SKIP is neither), so a step that quietly stops running is caught.
want=$1
status=0
set -- $VFIO_DEVICES
for bdf in $VFIO_BDFS; do
	type=$1
	shift
	echo "== vmpci selftest --vfio $bdf ($type)"
	./vmpci selftest --vfio "$bdf" > out.txt 2>&1
	rc=$?
	cat out.txt
	last=$(tail -n 1 out.txt)
	if [ "$rc" -ne 0 ] || [ "$last" != "$want passed, 0 failed" ]; then
		echo "FAIL $type $bdf: exit $rc, last line '$last', want '$want passed, 0 failed'"
		status=1
	fi
done
exit $status
