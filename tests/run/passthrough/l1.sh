#!/bin/sh
# shellcheck shell=dash
# In L1 (the QEMU guest with nested KVM, run-in-guest.sh -K): `vmpci run`
# boots Debian's kernel (vmlinux, PVH) with every function of $VFIO_BDFS
# passed through, to l2_init.sh. L2's console is read line by line: on its
# "L2-TICK 2" and "L2-TICK 4" lines L1 sends SIGUSR1, a live restore of
# every device while L2 is using the edu function. Passes when the VMM ends
# with status 0, every function shows in L2 with the IDs L1 sees and every
# BAR assigned, both restores happened, and L2 saw edu keep working.
set -u
vfio=
for bdf in $VFIO_BDFS; do
	vfio="$vfio --vfio $bdf"
done
mkfifo console
# shellcheck disable=SC2086 # one word per option
./vmpci run --kernel vmlinux --initrd l2.cpio --mem 512M \
	--append "console=ttyS0 panic=-1 quiet" $vfio > console 2>&1 &
pid=$!
while read -r line; do
	echo "$line" | tee -a l2.log
	case $line in
	"L2-TICK 2 "* | "L2-TICK 4 "*) kill -USR1 $pid ;;
	# A deadline, not a wait: the guest's power-off must end the VMM.
	L2-DONE*) (sleep 60 && kill $pid 2>/dev/null) & ;;
	esac
done < console
wait $pid
status=$?

failed=0
check() {
	if [ "$2" = 0 ]; then
		echo "PASS $1"
	else
		echo "FAIL $1"
		failed=$((failed + 1))
	fi
}
check "vmpci run exits with status 0 (got $status)" "$status"
grep -q '^L2-DONE' l2.log
check "L2 listed its PCI functions and powered off" $?
slot=1 # vmpci run puts the functions on slots 1, 2, ... in order
for bdf in $VFIO_BDFS; do
	ids="$(cat "/sys/bus/pci/devices/$bdf/vendor") $(cat "/sys/bus/pci/devices/$bdf/device")"
	l2=$(printf '0000:00:%02x.0' $slot)
	grep -q "^L2-PCI $l2 $ids assigned" l2.log
	check "$bdf ($ids) is $l2 in L2 with every BAR assigned" $?
	restores=$(grep -c "vmpci run: $bdf: restored from" l2.log)
	[ "$restores" -eq 2 ]
	check "$bdf restored twice on SIGUSR1 (got $restores)" $?
	slot=$((slot + 1))
done
grep -q '^L2-LIVE ok' l2.log
check "edu kept answering in L2 across the restores, config space unchanged" $?
[ "$failed" -eq 0 ]
