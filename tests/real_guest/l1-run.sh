#!/bin/sh
# shellcheck shell=dash
# The real-guest suite's program in L1 (run by run-in-guest.sh with nested
# KVM): boots the nested guest L2 once per VMM and scenario with every
# function of $VFIO_BDFS passed through, and prints L2's results as
#     RESULT <vmm> <scenario> <check> PASS|FAIL <detail>
# plus what the L0 side checks afterwards (L2-CONFIG lines, pause times).
#
# usage: l1-run.sh RUN...   where RUN is VMM:SCENARIO[:KERNEL-ARGS]
#   VMM       qemu (QEMU's own -device vfio-pci, the reference) or vmpci
#             (`vmpci run`)
#   SCENARIO  devices | load | hostile (see l2-init.sh); "load" under vmpci
#             also restores the devices live with SIGUSR1 while L2 reads
# Files in the current folder (/test): vmlinux, l2.cpio, and qemu-system-
# x86_64 with its firmware, or vmpci. Exit status: 0 when every run ended
# cleanly and printed its results (the checks' verdicts are the L0 side's).
status=0
sector=1
say() { echo "L1: $*"; }

# Each VMM runs in a background subshell that execs it, so that $! is the
# VMM itself (SIGUSR1 goes to it, not to a shell).
qemu_cmd() { # KERNEL-ARGS
	set -- timeout 600 ./qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 512M \
		-smp 1 -nodefaults -no-user-config -display none -serial stdio \
		-no-reboot -L . -kernel ./vmlinux -initrd ./l2.cpio \
		-append "console=ttyS0 panic=-1 loglevel=4 $1"
	for bdf in $VFIO_BDFS; do set -- "$@" -device "vfio-pci,host=$bdf"; done
	exec "$@"
}

vmpci_cmd() { # KERNEL-ARGS
	set -- timeout 600 ./vmpci run --kernel ./vmlinux --initrd ./l2.cpio --mem 512M \
		--append "console=ttyS0 panic=-1 loglevel=4 $1"
	for bdf in $VFIO_BDFS; do set -- "$@" --vfio "$bdf"; done
	exec "$@"
}

# wait_for FILE PATTERN TENTHS: poll FILE until PATTERN shows up.
wait_for() {
	local t=$3
	until grep -q "$2" "$1" 2>/dev/null; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || return 1
		usleep 100000
	done
}

# restore_under_load LOG PID: five SIGUSR1 to `vmpci run` while L2 reads,
# each sent once the previous restore reported its pause.
restore_under_load() {
	local i=1
	wait_for "$1" L2-LOAD-START 1200 || { say "L2 never started its load"; return 1; }
	while [ "$i" -le 5 ]; do
		kill -USR1 "$2" || return 1
		wait_count "$1" paused "$i" 600 || { say "no pause report for restore $i"; return 1; }
		i=$((i + 1))
	done
}

# wait_count FILE PATTERN N TENTHS: poll until PATTERN is on N lines.
wait_count() {
	local t=$4
	until [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ]; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || return 1
		usleep 100000
	done
}

for run in "$@"; do
	vmm=${run%%:*}
	rest=${run#*:}
	scenario=${rest%%:*}
	kargs=
	[ "$rest" = "$scenario" ] || kargs=${rest#*:}
	# The scenario as reported: its name, plus the kernel arguments if any.
	label=$scenario${kargs:+/$(echo "$kargs" | tr ' ' ,)}
	log=/tmp/$vmm-$scenario-$sector.log
	token=$vmm-$scenario-$sector-$(cut -d' ' -f1 /proc/uptime | tr -d .)
	args="vmpci.scenario=$scenario vmpci.token=$token vmpci.sector=$sector $kargs"
	say "run $vmm $scenario ($args)"
	start=$(cut -d' ' -f1 /proc/uptime)
	case $vmm in
	qemu) qemu_cmd "$args" >"$log" 2>&1 </dev/null & ;;
	vmpci) vmpci_cmd "$args" >"$log" 2>&1 </dev/null & ;;
	*) say "unknown VMM $vmm"; status=1; continue ;;
	esac
	pid=$!
	if [ "$vmm:$scenario" = vmpci:load ]; then
		restore_under_load "$log" "$pid" || status=1
	fi
	wait "$pid"
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	# L2's console for the record, then the lines L0 parses.
	tr -d '\r' <"$log" | grep -vE '^L2-(RESULT|CONFIG) ' | sed "s|^|[$vmm $label] |"
	tr -d '\r' <"$log" | grep -E '^L2-RESULT ' | sed "s|^L2-RESULT |RESULT $vmm $label |"
	tr -d '\r' <"$log" | grep -E '^L2-CONFIG ' | sed "s|^L2-CONFIG |CONFIG $vmm $label |"
	tr -d '\r' <"$log" | grep -E 'paused' | sed "s|^|PAUSE $vmm $label |"
	echo "SECTOR $vmm $label $sector $token"
	if [ "$rc" -ne 0 ] || ! tr -d '\r' <"$log" | grep -q '^L2-DONE'; then
		say "$vmm $label ended with status $rc without finishing (console above)"
		status=1
	fi
	echo "TIME $vmm $label $start $end"
	sector=$((sector + 1))
done
exit $status
