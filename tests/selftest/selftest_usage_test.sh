#!/usr/bin/env bash
# `vmpci selftest` refuses bad usage and a missing function with exit 2 and
# one line on stderr, before touching VFIO; --help is not an error.
set -uo pipefail
vmpci=$1
failed=0

expect() { # STATUS LINES-ON-STDERR PATTERN ARGS...
	local want=$1 lines=$2 pattern=$3 out err status n
	shift 3
	err=$(mktemp)
	out=$("$vmpci" selftest "$@" 2>"$err")
	status=$?
	n=$(wc -l <"$err")
	if [ "$status" -ne "$want" ] || [ "$n" -ne "$lines" ] ||
		! grep -q -- "$pattern" "$err" <(echo "$out"); then
		echo "FAIL selftest $*: exit $status (want $want), $n stderr lines (want $lines):"
		cat "$err"
		failed=1
	else
		echo "PASS selftest $*: exit $status"
	fi
	rm -f "$err"
}

expect 2 1 "no PCI function 0000:ff:1f.7" --vfio 0000:ff:1f.7
# A function the host has but vfio-pci does not own (when the machine has
# one): refused in one line that says why.
for dev in /sys/bus/pci/devices/*; do
	[ "$(basename "$(readlink "$dev/driver" 2>/dev/null)")" = vfio-pci ] && continue
	expect 2 1 "cannot open $(basename "$dev") through VFIO: .*vfio-pci" \
		--vfio "$(basename "$dev")"
	break
done
expect 2 1 "takes a PCI address" --vfio ../../../../etc
expect 2 1 "takes a PCI address" --vfio 0000:00:03.8
expect 2 1 "--vfio is required"
expect 2 1 "--vfio is required" --verbose
expect 2 1 "unknown option" --vfio
expect 2 1 "unknown option" --bogus --vfio 0000:00:03.0
expect 2 1 "unexpected argument" --vfio 0000:00:03.0 extra
expect 0 0 "usage: vmpci selftest --vfio" --help
exit $failed
