#!/bin/sh
# shellcheck shell=dash
# Runs in the KVM guest (L1) of boot_guest_test: `vmpci run` boots Debian's
# kernel to the L2 initramfs (l2_init.sh) through PVH and through the
# bzImage (with RAM above 4 GiB), with two vCPUs, once to a reboot, and
# once paused by SIGUSR1 while it waits for input from stdin. Each run must
# end with status 0 and the console must show what L2 reported.
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
# 3.5 GiB: RAM also above 4 GiB, past the PCI hole (a second memory slot).
check bzimage_poweroff_ram_above_4g "$booted" --kernel "$vmlinuz" \
	--append "$append" --mem 3584M
check pvh_two_cpus "L2-BOOTED cpus-online=0-1 host-bridge=0x8086:0x0d57" \
	--cpus 2 --kernel "$vmlinux" --append "$append"
check pvh_reboot "L2-REBOOTING" --kernel "$vmlinux" \
	--append "$append vmpci_test=reboot"

# SIGUSR1 while L2 waits on its console: every vCPU is parked and resumed,
# the pause time is printed, and L2 then reads the line sent to vmpci's
# stdin and powers off normally.
echo "=== pause_and_stdin: vmpci run --cpus 2, SIGUSR1, a line on stdin"
rm -f /tmp/in && mkfifo /tmp/in
exec 3<>/tmp/in # held open: vmpci's stdin stays open until the end
timeout 240 "$vmpci" run --mem 256M --initrd "$initrd" --cpus 2 \
	--kernel "$vmlinux" --append "$append vmpci_test=wait" \
	</tmp/in >/tmp/pause.out 2>&1 &
pid=$!
# Wait (bounded) for L2 to say it is waiting: that is the condition, the
# sleep only paces the polling.
for _ in $(seq 600); do
	grep -q L2-WAITING /tmp/pause.out && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
kill -USR1 "$pid"
echo "resumed" >&3
wait "$pid"
rc=$?
exec 3>&-
tr -d '\r' </tmp/pause.out
if [ "$rc" -ne 0 ]; then
	echo "FAIL pause_and_stdin: exit status $rc"
	failed=$((failed + 1))
elif ! grep -q "^vmpci run: guest paused for [0-9.]* ms" /tmp/pause.out; then
	echo "FAIL pause_and_stdin: no pause time printed"
	failed=$((failed + 1))
elif ! tr -d '\r' </tmp/pause.out | grep -q -x "L2-GOT resumed"; then
	echo "FAIL pause_and_stdin: L2 did not read the line from stdin"
	failed=$((failed + 1))
else
	echo "PASS pause_and_stdin"
	passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
