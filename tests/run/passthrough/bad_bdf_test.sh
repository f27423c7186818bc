#!/usr/bin/env bash
# `vmpci run --vfio BDF` with a BDF that is not bound to vfio-pci: one clear
# line on stderr naming the function, a non-zero status, no snapshot file
# left behind. Two such BDFs: one that does not exist, and (where the host
# has one) a PCI function bound to another driver or to none.
# usage: bad_bdf_test.sh VMPCI
set -u
vmpci=$1
cache=${VMPCI_GUEST_CACHE:-$(getent passwd "$(id -u)" | cut -d: -f6)/.cache/vmpci-guest}
kernel=$cache/kernel/vmlinux
[ -f "$kernel" ] || kernel=$cache/kernel/vmlinuz
if [ ! -f "$kernel" ]; then
	echo "FAIL: no kernel in $cache/kernel: run 'bash tests/vfio_guest/setup.sh'"
	exit 1
fi
export TMPDIR=$TEST_TMPDIR
passed=0 failed=0

# refused NAME BDF WORDS: run with BDF, expect one line holding WORDS.
refused() {
	local name=$1 bdf=$2 words=$3 err rc
	err=$("$vmpci" run --kernel "$kernel" --mem 256M --vfio "$bdf" 2>&1 </dev/null >/dev/null)
	rc=$?
	echo "== $name: status $rc"
	echo "$err"
	if [ $rc -eq 0 ]; then
		echo "FAIL ($name): status 0"
	elif [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
		echo "FAIL ($name): not one line"
	elif ! grep -qF -- "$bdf" <<<"$err" || ! grep -qF -- "$words" <<<"$err"; then
		echo "FAIL ($name): the line does not name $bdf and '$words'"
	elif ls "$TMPDIR"/vmpci-run-* >/dev/null 2>&1; then
		echo "FAIL ($name): snapshot files left behind"
	else
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
}

refused missing 0000:ff:1f.7 "no PCI device"
for dev in /sys/bus/pci/devices/*; do
	driver=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
	[ "$driver" = vfio-pci ] && continue
	refused "bound to '${driver:-none}'" "$(basename "$dev")" "not bound to vfio-pci"
	break
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
