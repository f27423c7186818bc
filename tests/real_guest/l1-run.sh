#!/bin/sh
# shellcheck shell=dash
# The real-guest suite's program in L1 (run by run-in-guest.sh with nested
# KVM): boots the nested guest L2 once per VMM and scenario with every
# function of $VFIO_BDFS passed through (nvme alone for "perf"), and prints
# L2's results as
#     RESULT <vmm> <scenario> <check> PASS|FAIL <detail>
# plus what the L0 side checks afterwards (L2-CONFIG lines, pause times) and
# what bench/real_guest.sh measures:
#     READY <vmm> <scenario> <start> <seen> <l2-ready> <l2-init>   ("perf":
#           L1 uptime at VMM start and when L2's nvme-ready line showed up;
#           L2's uptime when nvme was ready and when its /init started)
#     SYSCALLS <vmm> <scenario> <fd-kind> <syscall> <count>   (traced runs)
#
# usage: l1-run.sh RUN...   where RUN is VMM:SCENARIO[:KERNEL-ARGS]
#   VMM       qemu (QEMU's own -device vfio-pci, the reference) or vmpci
#             (`vmpci run`), either with "+strace": run under strace, which
#             counts the VMM's region accesses, ioctls and mmaps by fd
#   SCENARIO  devices | nvme | load | hostile | perf (see l2-init.sh); "load"
#             under vmpci also restores the devices live with SIGUSR1 while
#             L2 reads
# Files in the current folder (/test): l2-kernel, l2.cpio, and qemu-system-
# x86_64 with its firmware, or vmpci, and strace for traced runs. Exit
# status: 0 when every run ended cleanly and printed its results (the
# checks' verdicts are the L0 side's).
status=0
sector=1
say() { echo "L1: $*"; }

# Each VMM runs in a background subshell that execs it, so that $! is the
# VMM itself (SIGUSR1 goes to it, not to a shell).
# $tracer, when set, is the strace command line the VMM runs under.
# shellcheck disable=SC2086 # $tracer is empty or several words
qemu_cmd() { # KERNEL-ARGS BDFS
	local bdfs=$2 bdf
	set -- timeout 600 $tracer ./qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 512M \
		-smp 1 -nodefaults -no-user-config -display none -serial stdio \
		-no-reboot -L . -kernel ./l2-kernel -initrd ./l2.cpio \
		-append "console=ttyS0 panic=-1 loglevel=4 $1"
	for bdf in $bdfs; do set -- "$@" -device "vfio-pci,host=$bdf"; done
	exec "$@"
}

# shellcheck disable=SC2086 # $tracer is empty or several words
vmpci_cmd() { # KERNEL-ARGS BDFS
	local bdfs=$2 bdf
	set -- timeout 600 $tracer ./vmpci run --kernel ./l2-kernel --initrd ./l2.cpio --mem 512M \
		--append "console=ttyS0 panic=-1 loglevel=4 $1"
	for bdf in $bdfs; do set -- "$@" --vfio "$bdf"; done
	exec "$@"
}

# run_bdfs SCENARIO: the functions a run passes through: every one, or nvme
# alone for "perf" (the side-by-side measurement counts one device's calls).
run_bdfs() {
	local bdf
	[ "$1" = perf ] || { echo "$VFIO_BDFS"; return; }
	# shellcheck disable=SC2086 # one type per word
	set -- $VFIO_DEVICES
	for bdf in $VFIO_BDFS; do
		[ "$1" = nvme ] && echo "$bdf"
		shift
	done
}

# The calls strace counts: region reads and writes, ioctls, mmaps. It stops
# only on these (seccomp-bpf), one file per thread so that no call is split
# over two lines, each call stamped (-ttt) to tell the VMM's setup from
# what the guest drove.
trace_calls=pread64,pwrite64,preadv,pwritev,ioctl,mmap

# syscall_counts PREFIX: the calls in the traces PREFIX.*, one line per fd
# kind and syscall, "KIND SYSCALL COUNT". KIND is vfio-device (the device
# fd, strace -y's anon_inode:[vfio-device]), vfio (/dev/vfio: container and
# group), kvm, other, or nofd (anonymous mmap); reads and writes on the
# device fd also count per region, KIND region-N, N being the offset's bits
# 40 and up (vfio-pci's VFIO_PCI_OFFSET_SHIFT: 7 is config space), and
# those made before the first KVM_RUN (before the guest's first
# instruction: the VMM's setup), KIND before-run.
syscall_counts() {
	local first
	first=$(cat "$1".* | awk '/ ioctl\(.*KVM_RUN/ && (f == "" || $1 + 0 < f + 0) { f = $1 }
		END { print f }')
	cat "$1".* | awk -v first="$first" '
	{ t = $1; sub(/^[0-9.]+ /, "") }
	/^[a-z0-9_]+\(/ {
		name = substr($0, 1, index($0, "(") - 1)
		kind = "nofd"
		if (match($0, /(\(|, )[0-9]+<[^>]*>/)) {
			path = substr($0, RSTART, RLENGTH)
			if (path ~ /vfio-device/) kind = "vfio-device"
			else if (path ~ /\/dev\/vfio/) kind = "vfio"
			else if (path ~ /kvm/) kind = "kvm"
			else kind = "other"
		}
		n[kind " " name]++
		if (kind == "vfio-device" && name ~ /^p(read|write)64$/ &&
		    match($0, /, [0-9]+\) = [^=]*$/)) {
			# The last ", OFFSET) = ": the data shown may hold one.
			off = substr($0, RSTART + 2)
			off = substr(off, 1, index(off, ")") - 1)
			n["region-" int(off / 1099511627776) " " name]++
			if (t + 0 < first + 0) n["before-run " name]++
		}
	}
	END { for (k in n) print k, n[k] }' | sort
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

# host_vectors: once L2 turned every MSI/MSI-X off, the host must hold no
# interrupt vector of any function (vfio-pci names them vfio-msi[x][N](BDF));
# then L2 is told to go on through its console.
host_vectors() {
	local left
	wait_for "$1" L2-HOSTILE-END 6000 || { say "L2 never finished its hostile accesses"; return 1; }
	left=$(grep -E 'vfio-msix?\[' /proc/interrupts | sed 's/.* //' | tr '\n' ' ')
	if [ -z "$left" ]; then
		echo "RESULT vmpci hostile host-vectors PASS no vfio MSI/MSI-X vector left once L2 disabled them"
	else
		echo "RESULT vmpci hostile host-vectors FAIL host vectors left: $left"
	fi
	echo go >&4
}

# host_registers BEFORE AFTER: the functions' BAR registers as the host sees
# them did not change, and their MSI-X tables hold only the host's values.
host_registers() {
	if ! cmp -s "$1" "$2"; then
		echo "RESULT vmpci hostile host-registers FAIL $(diff "$1" "$2" | grep '^+PEEK' | tr '\n' ' ')"
	elif grep -q GUEST "$2"; then
		echo "RESULT vmpci hostile host-registers FAIL $(grep GUEST "$2" | tr '\n' ' ')"
	else
		echo "RESULT vmpci hostile host-registers PASS BAR registers unchanged, MSI-X tables hold host values only"
	fi
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
	tracer='' trace=/tmp/$vmm-$scenario-$sector.strace
	[ "${vmm%+strace}" = "$vmm" ] ||
		tracer="./strace -ff -ttt --seccomp-bpf -qq -y -o $trace -e trace=$trace_calls"
	say "run $vmm $scenario ($args)"
	start=$(cut -d' ' -f1 /proc/uptime)
	# L2's console input: a FIFO L1 writes to (held open on fd 4).
	rm -f /tmp/l2-in
	mkfifo /tmp/l2-in
	[ "$vmm:$scenario" != vmpci:hostile ] || ./vfio_peek $VFIO_BDFS > /tmp/peek.before
	case ${vmm%+strace} in
	qemu) qemu_cmd "$args" "$(run_bdfs "$scenario")" >"$log" 2>&1 </tmp/l2-in & ;;
	vmpci) vmpci_cmd "$args" "$(run_bdfs "$scenario")" >"$log" 2>&1 </tmp/l2-in & ;;
	*) say "unknown VMM $vmm"; status=1; continue ;;
	esac
	pid=$!
	exec 4>/tmp/l2-in
	case $vmm:$scenario in
	vmpci:load) restore_under_load "$log" "$pid" || status=1 ;;
	vmpci:hostile) host_vectors "$log" || status=1 ;;
	esac
	seen=
	if [ "$scenario" = perf ] && wait_for "$log" L2-NVME-READY 6000; then
		seen=$(cut -d' ' -f1 /proc/uptime)
	fi
	wait "$pid"
	rc=$?
	exec 4>&-
	if [ "$vmm:$scenario" = vmpci:hostile ]; then
		# Never a crash: a clean end, or a refusal with its line (status 1).
		if [ "$rc" -le 1 ]; then
			echo "RESULT vmpci hostile vmm-exit PASS vmpci run ended with status $rc"
		else
			echo "RESULT vmpci hostile vmm-exit FAIL vmpci run ended with status $rc"
		fi
		./vfio_peek $VFIO_BDFS > /tmp/peek.after
		sed 's/^/[vmpci hostile] /' /tmp/peek.after
		host_registers /tmp/peek.before /tmp/peek.after
	fi
	end=$(cut -d' ' -f1 /proc/uptime)
	if [ -n "$seen" ]; then
		echo "READY $vmm $label $start $seen $(tr -d '\r' <"$log" | sed -n 's/^L2-NVME-READY //p')"
	fi
	if [ -n "$tracer" ]; then
		syscall_counts "$trace" | sed "s|^|SYSCALLS $vmm $label |"
		rm -f "$trace".*
	fi
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
