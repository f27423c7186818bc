#!/bin/busybox sh
# shellcheck shell=dash
# /init of the nested guest (L2) of the real-guest suite. L2 runs Debian's
# kernel under a VMM in L1 (QEMU's vfio-pci or `vmpci run`) with functions
# passed through from L1's vfio-pci; this script lets L2's own drivers use
# them and prints one line per check:
#     L2-RESULT <check> PASS|FAIL <detail>
# and the config space of every function it found:
#     L2-CONFIG <vendor>:<device> <hex bytes...>
# then powers off. What it does is chosen on the kernel command line:
#     vmpci.scenario=devices   every driver, data and interrupts (default)
#     vmpci.scenario=nvme      the nvme checks alone (the INTx run)
#     vmpci.scenario=load      nvme reads verified in a loop (live restore)
#     vmpci.scenario=hostile   random config and BAR accesses as root
#     vmpci.token=WORD         the word written into the nvme disk
#     vmpci.sector=N           the nvme sector that word goes to
#     vmpci.loops=N            how many read rounds the load scenario makes
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^vmpci\.$1=//p" | tail -n 1; }
result() { echo "L2-RESULT $1 $2 ${3:-}"; }
log() { echo "L2: $*"; }
scenario=$(arg scenario)
scenario=${scenario:-devices}
log "scenario $scenario, $(nproc) cpus, up $(cut -d' ' -f1 /proc/uptime) s"

for m in $(cat /l2/modules/order); do
	insmod "/l2/modules/$m.ko" 2>/dev/null || log "insmod $m failed"
done

# The kernel probes drivers and scans namespaces asynchronously: poll for the
# event with a deadline (tenths of a second), never a fixed sleep.
until_true() {
	local tenths=$1
	shift
	while ! "$@"; do
		tenths=$((tenths - 1))
		[ "$tenths" -gt 0 ] || return 1
		usleep 100000
	done
}

# find_function VENDOR DEVICE: the sysfs folder of the first such function.
find_function() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

driver_of() { [ -e "$1/driver" ] && basename "$(readlink "$1/driver")"; }

# bar_base DEV N: the guest-physical base of BAR N (sysfs resource line N).
bar_base() { sed -n "$(($2 + 1))p" "$1/resource" | cut -d' ' -f1; }

# irq_count NAME: interrupts counted for NAME in /proc/interrupts, all CPUs.
irq_count() {
	awk -v name="$1" '$NF == name || $0 ~ " " name "$" {
		for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; else break
	} END { print n + 0 }' /proc/interrupts
}

# irq_kind NAME: the controller column (PCI-MSIX..., IO-APIC, ...) of NAME.
irq_kind() { grep " $1\$" /proc/interrupts | head -n 1 | awk '{for (i = 2; i <= NF; i++) if ($i !~ /^[0-9]+$/) { print $i; exit }}'; }

check_nvme() {
	local d dev token sector got
	d=$(find_function 1b36 0010) || return 0
	token=$(arg token)
	sector=$(arg sector)
	until_true 300 test -b /dev/nvme0n1 ||
		{ result nvme FAIL "driver '$(driver_of "$d")', no /dev/nvme0n1"; return; }
	got=$(dd if=/dev/nvme0n1 bs=512 count=1 iflag=direct 2>/dev/null | head -c 32)
	[ "$got" = "VMPCI-REAL-GUEST-SECTOR-0000000" ] ||
		{ result nvme FAIL "sector 0 reads '$got'"; return; }
	printf 'VMPCI-L2-WROTE %s\n' "$token" |
		dd of=/dev/nvme0n1 bs=512 seek="$sector" count=1 conv=sync,fsync oflag=direct 2>/dev/null ||
		{ result nvme FAIL "write of sector $sector failed"; return; }
	dev=$(dd if=/dev/nvme0n1 bs=512 skip="$sector" count=1 iflag=direct 2>/dev/null | head -c 80 | head -n 1)
	[ "$dev" = "VMPCI-L2-WROTE $token" ] ||
		{ result nvme FAIL "sector $sector reads back '$dev'"; return; }
	result nvme PASS "driver $(driver_of "$d"), sector 0 read, sector $sector written"
	result nvme-irq "$([ "$(irq_count nvme0q1)" -gt 0 ] && echo PASS || echo FAIL)" \
		"nvme0q0 $(irq_count nvme0q0) nvme0q1 $(irq_count nvme0q1) on $(irq_kind nvme0q1)"
}

# check_nic NAME VENDOR DEVICE: the driver binds, the link comes up and a
# DHCP lease arrives from the outer QEMU's user-mode network.
check_nic() {
	local name=$1 d ifc lease irqs
	d=$(find_function "$2" "$3") || return 0
	# A virtio NIC's interface hangs off its virtio device, one level down.
	net_dir() { ls -d "$d/net" "$d"/virtio*/net 2>/dev/null | head -n 1; }
	until_true 100 test -n "$(net_dir)" || {
		result "$name" FAIL "driver '$(driver_of "$d")', no interface"
		dmesg | grep -iE 'virtio|e1000e|net' | tail -n 5
		return
	}
	ifc=$(ls "$(net_dir)" | head -n 1)
	ip link set "$ifc" up
	lease=$(udhcpc -i "$ifc" -n -q -f -t 10 -T 1 -s /l2/lease.sh 2>&1 | sed -n 's/^LEASE //p' | head -n 1)
	[ -n "$lease" ] || { result "$name" FAIL "driver $(driver_of "$d"), $ifc: no DHCP lease"; return; }
	result "$name" PASS "driver $(driver_of "$d"), $ifc lease $lease"
	# Interrupts are named after the interface (e1000e) or the virtio
	# device (virtio0-input.0, ...).
	irqs=$ifc
	[ "$(net_dir)" = "$d/net" ] || irqs=$(basename "$(dirname "$(net_dir)")")
	irqs=$(grep " $irqs" /proc/interrupts | awk '{n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; else break; t += n; print $NF ":" n} END {exit t == 0}' | tr '\n' ' ') &&
		result "$name-irq" PASS "$irqs" || result "$name-irq" FAIL "no interrupt counted: $irqs"
}

# ivshmem has no driver: enable the function and write a pattern into its
# shared memory (BAR2) through /dev/mem; the test finds it in L0's file.
check_ivshmem() {
	local d base token i
	d=$(find_function 1af4 1110) || return 0
	echo 1 > "$d/enable"
	# Each run writes at its own offset (16 bytes per sector number).
	base=$(($(bar_base "$d" 2) + 16 * $(arg sector)))
	token=$(arg token)
	i=0
	for word in 0x564d5043 0x492d4956 0x53484d45 0x4d2d4f4b; do
		devmem $((base + 4 * i)) 32 "$word"
		i=$((i + 1))
	done
	[ "$(devmem "$base" 32)" = 0x564D5043 ] ||
		{ result ivshmem FAIL "BAR2 at $(printf 0x%x "$base") reads back $(devmem "$base" 32)"; return; }
	result ivshmem PASS "pattern written at $(printf 0x%x "$base") ($token)"
}

# edu: read the ident register through BAR0 and have the device raise its
# interrupt, taken by L2's uio_pci_generic (INTx) and counted by /dev/uio0.
check_edu() {
	local d base ident count
	d=$(find_function 1234 11e8) || return 0
	echo 1 > "$d/enable"
	base=$(bar_base "$d" 0)
	ident=$(devmem "$base" 32)
	[ "$ident" = 0x010000ED ] || { result edu FAIL "ident at $base reads $ident"; return; }
	echo "1234 11e8" > /sys/bus/pci/drivers/uio_pci_generic/new_id
	until_true 50 test -c /dev/uio0 || { result edu FAIL "uio_pci_generic did not bind"; return; }
	# The listener must exist before the interrupt: a uio read waits for
	# an event newer than the count at open.
	exec 3<>/dev/uio0
	printf '\001\000\000\000' >&3     # irqcontrol: unmask
	devmem $((base + 0x60)) 32 1         # raise interrupt
	count=$(timeout 20 dd bs=4 count=1 <&3 2>/dev/null | od -An -tu4 | tr -d ' ')
	exec 3<&-
	devmem $((base + 0x64)) 32 1         # acknowledge it
	[ -n "$count" ] && [ "$count" -gt 0 ] || {
		result edu FAIL "ident ok, no interrupt on /dev/uio0"
		grep uio /proc/interrupts
		dmesg | grep -iE 'uio|edu|11e8' | tail -n 5
		return
	}
	result edu PASS "ident $ident, interrupt $count on $(irq_kind uio_pci_generic)"
}

dump_configs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x060000 ] && continue # host bridges differ by design
		# Trailing zero bytes are left out: the reader pads with zeros.
		echo "L2-CONFIG $(cut -c3- "$d/vendor"):$(cut -c3- "$d/device") $(od -An -tx1 -v "$d/config" | tr -d '\n' | tr -s ' ' | sed 's/\( 00\)*$//')"
	done
}

# load: read and verify nvme sector 0 over and over while L1 restores the
# devices underneath; any error or timeout in the kernel log is a failure.
check_load() {
	local loops n=0 bad=0 got
	loops=$(arg loops)
	until_true 300 test -b /dev/nvme0n1 || { result load FAIL "no /dev/nvme0n1"; return; }
	echo "L2-LOAD-START"
	while [ "$n" -lt "${loops:-200}" ]; do
		got=$(dd if=/dev/nvme0n1 bs=512 count=1 iflag=direct 2>/dev/null | head -c 32)
		[ "$got" = "VMPCI-REAL-GUEST-SECTOR-0000000" ] || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "L2-LOAD-END"
	if [ "$bad" -ne 0 ] || dmesg | grep -qiE 'nvme.*(timeout|reset|error)|I/O error'; then
		result load FAIL "$bad of $n reads wrong; $(dmesg | grep -iE 'nvme.*(timeout|reset|error)|I/O error' | head -n 2 | tr '\n' ' ')"
	else
		result load PASS "$n sector reads verified, no nvme timeout, reset or I/O error"
	fi
}

# hostile: random values into every passed function's config space and
# random accesses to its BARs (MSI-X table and PBA included), as root.
check_hostile() {
	local d off bar base size n=0
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x060000 ] && continue
		echo 1 > "$d/enable" 2>/dev/null
		for bar in 0 1 2 3 4 5; do
			base=$(bar_base "$d" "$bar")
			size=$(($(sed -n "$((bar + 1))p" "$d/resource" | cut -d' ' -f2) - base + 1))
			[ "$((base))" -ne 0 ] && [ "$size" -gt 0 ] || continue
			for off in 0 4 8 12 $((size - 4)) $((size / 2)); do
				devmem $((base + (off & ~3))) 32 >/dev/null 2>&1
				devmem $((base + (off & ~3))) 32 "$(hexdump -n 4 -e '1/4 "0x%08x"' /dev/urandom)" 2>/dev/null
				n=$((n + 1))
			done
		done
		for off in $(seq 0 4 252) $(seq 256 64 4092); do
			hexdump -n 4 -e '4/1 "%c"' /dev/urandom | dd of="$d/config" bs=4 seek=$((off / 4)) count=1 conv=notrunc 2>/dev/null
			n=$((n + 1))
		done
	done
	result hostile PASS "$n random accesses made; L2 still runs"
}

# The checks of one scenario wait on different devices: run them at once and
# print their lines in a fixed order.
in_parallel() {
	local i=0 f
	for f in "$@"; do
		$f > "/tmp/check.$i" 2>&1 &
		i=$((i + 1))
	done
	wait
	i=0
	for f in "$@"; do
		cat "/tmp/check.$i"
		i=$((i + 1))
	done
}
check_e1000e() { check_nic e1000e 8086 10d3; }
check_virtio_net() { check_nic virtio-net 1af4 1041; }

case $scenario in
devices)
	in_parallel check_nvme check_e1000e check_virtio_net check_ivshmem check_edu
	dump_configs
	;;
nvme) check_nvme ;;
load) check_load ;;
hostile) check_hostile ;;
*) result scenario FAIL "unknown scenario '$scenario'" ;;
esac
log "done at $(cut -d' ' -f1 /proc/uptime) s"
echo "L2-DONE"
poweroff -n -f
