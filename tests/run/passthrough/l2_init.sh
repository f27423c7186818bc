#!/bin/busybox sh
# shellcheck shell=dash
# /init of the L2 guest that `vmpci run` boots in the passthrough guest
# test:
#  1. lists every PCI function Linux found, with its IDs and whether each
#     implemented BAR got an address ("L2-PCI BDF VENDOR DEVICE assigned");
#  2. on an edu function (1234:11e8), checks for a while that the device
#     keeps working while the VMM restores its devices (SIGUSR1, sent by
#     L1 on the "L2-TICK" lines): edu's liveness register (BAR0 + 4 reads
#     back the complement of what was written) answers through BAR0's
#     mapping, and the config space reads the same as before;
#  3. powers off (-n: a device that stopped answering must not block it).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "L2-UP at $(cut -d' ' -f1 /proc/uptime) s"
edu=
for d in /sys/bus/pci/devices/*; do
	state=assigned
	n=0
	# The first six lines are BAR0-5: "start end flags"; flags 0 means
	# the BAR is not implemented.
	while [ $n -lt 6 ] && read -r start end flags; do
		n=$((n + 1))
		[ $((flags)) -ne 0 ] && [ $((start)) -eq 0 ] && state=unassigned
	done < "$d/resource"
	ids="$(cat "$d/vendor") $(cat "$d/device")"
	echo "L2-PCI $(basename "$d") $ids $state"
	[ "$ids" = "0x1234 0x11e8" ] && edu=$d
done

if [ -n "$edu" ]; then
	echo 1 > "$edu/enable" # memory decode on, as a driver's probe does
	bar0=$(($(cut -d' ' -f1 "$edu/resource" | head -n 1)))
	config=$(od -A n -t x1 -N 64 "$edu/config")
	bad=0
	ticks=6
	for tick in $(seq 1 $ticks); do
		echo "L2-TICK $tick of $ticks"
		for i in $(seq 1 10); do
			v=$(((tick * 1000 + i) * 7919))
			devmem $((bar0 + 4)) 32 $v
			got=$(devmem $((bar0 + 4)) 32)
			if [ $((got)) -ne $((~v & 0xffffffff)) ]; then
				echo "L2-LIVE-MISMATCH tick $tick: wrote $v, read $got"
				bad=$((bad + 1))
			fi
		done
		if [ "$(od -A n -t x1 -N 64 "$edu/config")" != "$config" ]; then
			echo "L2-CONFIG-CHANGED tick $tick"
			bad=$((bad + 1))
		fi
	done
	[ $bad -eq 0 ] && echo "L2-LIVE ok" || echo "L2-LIVE FAIL ($bad)"
fi
echo "L2-DONE"
poweroff -n -f
