#!/bin/sh
# shellcheck shell=dash
# Runs in the KVM guest (L1) of boot_guest_test: `vmpci run` boots Debian's
# kernel to the L2 initramfs (l2_init.sh) through PVH and through the
# bzImage, with two vCPUs, and once to a reboot. Each run must end with
# status 0 and the console must show what L2 reported.
# usage: boot_guest.sh VMPCI VMLINUX VMLINUZ L2_INITRD
vmpci=$1 vmlinux=$2 vmlinuz=$3 initrd=$4
append="console=ttyS0 panic=-1 loglevel=4"
passed=0 failed=0

# check NAME EXPECTED_LINE [vmpci run options...]
check() {
	name=$1 expect=$2
	shift 2
	echo "=== $name: vmpci run $*"
	timeout 240 "$vmpci" run --mem 256M --initrd "$initrd" "$@" \
		</dev/null >"/tmp/$name.out" 2>&1
	rc=$?
	tr -d '\r' <"/tmp/$name.out"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name: exit status $rc"
		failed=$((failed + 1))
	elif ! tr -d '\r' <"/tmp/$name.out" | grep -q -x -- "$expect"; then
		echo "FAIL $name: no line '$expect' on the console"
		failed=$((failed + 1))
	else
		echo "PASS $name"
		passed=$((passed + 1))
	fi
}

booted="L2-BOOTED cpus-online=0 host-bridge=0x8086:0x0d57"
check pvh_poweroff "$booted" --kernel "$vmlinux" --append "$append"
check bzimage_poweroff "$booted" --kernel "$vmlinuz" --append "$append"
check pvh_two_cpus "L2-BOOTED cpus-online=0-1 host-bridge=0x8086:0x0d57" \
	--cpus 2 --kernel "$vmlinux" --append "$append"
check pvh_reboot "L2-REBOOTING" --kernel "$vmlinux" \
	--append "$append vmpci_test=reboot"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
