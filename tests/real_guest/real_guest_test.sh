#!/usr/bin/env bash
# The real-guest suite (issue #18): Linux's own drivers on functions passed
# through by vmpci, side by side with QEMU's vfio-pci.
#
# L0 (this script) starts the harness guest L1 (run-in-guest.sh: TCG, nested
# KVM, the devices bound to vfio-pci); in L1, l1-run.sh boots the nested guest
# L2 (Debian's kernel, busybox, the driver modules) once per VMM and scenario,
# and L2 (l2-init.sh) lets nvme, e1000e, virtio-net, uio_pci_generic use the
# functions. Afterwards this script checks what only L0 can see (the sectors L2
# wrote into the nvme disk image, the pattern in ivshmem's backing file) and
# prints a table; it fails when any check failed, in any run.
#
# usage: real_guest_test.sh -H HARNESS -s SCRIPTS [-v VMPCI -p VFIO_PEEK]
#                           [-c COMPARE -a ALLOWED] RUN...
#   HARNESS  tests/vfio_guest/run-in-guest.sh
#   SCRIPTS  the folder of l1-run.sh, l2-init.sh and lease.sh
#   VMPCI    the vmpci tool, for runs under `vmpci run`
#   VFIO_PEEK  reads the functions' host registers around the hostile run
#   COMPARE  config_compare, with the ALLOWED differences: compares what L2
#            saw under QEMU and under vmpci in the "devices" runs
#   RUN      VMM:SCENARIO[:KERNEL-ARGS] as l1-run.sh takes it
set -uo pipefail
harness= scripts= vmpci= peek= compare= allowed=
while getopts "H:s:v:p:c:a:" opt; do
	case $opt in
	H) harness=$OPTARG ;;
	s) scripts=$OPTARG ;;
	v) vmpci=$OPTARG ;;
	p) peek=$OPTARG ;;
	c) compare=$OPTARG ;;
	a) allowed=$OPTARG ;;
	*) echo "real_guest_test: usage: see the header" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$harness" ] && [ -n "$scripts" ] && [ $# -gt 0 ] ||
	{ echo "real_guest_test: usage: see the header" >&2; exit 2; }
runs=("$@")
l1run=$scripts/l1-run.sh

# As guest_test.sh: the cache in the user's real home, or the one a test
# with its own kernel names (VMPCI_GUEST_CACHE_NAME), which wins.
home=$(getent passwd "$(id -u)" | cut -d: -f6)
if [ -n "${VMPCI_GUEST_CACHE_NAME:-}" ]; then
	export VMPCI_GUEST_CACHE=$home/.cache/$VMPCI_GUEST_CACHE_NAME
elif [ -z "${VMPCI_GUEST_CACHE:-}" ]; then
	export VMPCI_GUEST_CACHE=$home/.cache/vmpci-guest
fi
kernel=$VMPCI_GUEST_CACHE/kernel
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/real-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
fail() { echo "real_guest_test: $*" >&2; exit 1; }
[ -f "$kernel/l2-modules/order" ] ||
	fail "no L2 modules in $kernel: run 'bash tests/vfio_guest/setup.sh'"

# L2's initramfs: busybox, its /init and the driver modules.
l2=$work/l2
mkdir -p "$l2"/{bin,dev,proc,sys,tmp,l2/modules}
cp /bin/busybox "$l2/bin/busybox"
cp "$scripts/l2-init.sh" "$l2/init"
cp "$scripts/lease.sh" "$l2/l2/lease.sh"
chmod 755 "$l2/init" "$l2/l2/lease.sh"
cp "$kernel/l2-modules/"{order,*.ko} "$l2/l2/modules/"
(cd "$l2" && find . | cpio -o -H newc --quiet) > "$work/l2.cpio" || fail "cannot build L2's initramfs"

# The nvme disk: sector 0 holds what every L2 must read; each run writes its
# own sector. ivshmem's shared memory is a file L0 reads afterwards.
disk=$work/nvme.img
shm=$work/ivshmem.bin
truncate -s 64M "$disk"
printf 'VMPCI-REAL-GUEST-SECTOR-0000000\n' | dd of="$disk" conv=notrunc status=none
truncate -s 1M "$shm"

# L2 boots the same kernel as L1: uncompressed where setup.sh could
# extract it (PVH entry), else the bzImage (6.12's is not xz-compressed).
l2kernel=$kernel/vmlinux
[ -f "$l2kernel" ] || l2kernel=$kernel/vmlinuz
ln "$l2kernel" "$work/l2-kernel" 2>/dev/null || cp "$l2kernel" "$work/l2-kernel" ||
	fail "cannot copy $l2kernel"

files=(-f "$work/l2-kernel" -f "$work/l2.cpio")
if printf '%s\n' "${runs[@]}" | grep -q '^qemu[:+]'; then
	files+=(-f "$(command -v qemu-system-x86_64)")
	for fw in /usr/share/qemu/{pvh.bin,linuxboot_dma.bin,kvmvapic.bin} /usr/share/seabios/bios-256k.bin; do
		files+=(-f "$fw")
	done
fi
[ -z "$vmpci" ] || files+=(-f "$vmpci")
[ -z "$peek" ] || files+=(-f "$peek")
# A VMM:... run with VMM ending in +strace runs under strace (l1-run.sh).
if printf '%s\n' "${runs[@]}" | grep -q '^[a-z]*+strace:'; then
	command -v strace >/dev/null || fail "strace is missing (Debian package strace)"
	files+=(-f "$(command -v strace)")
fi

console=$work/console
"$harness" -K -m 2G -t "${REAL_GUEST_SECONDS:-1500}" \
	-q -drive -q "file=$disk,if=none,id=rgdisk,format=raw" \
	-q -netdev -q user,id=rgnet0 -q -netdev -q user,id=rgnet1 \
	-q -object -q "memory-backend-file,id=rgshm,size=1M,mem-path=$shm,share=on" \
	-d nvme,drive=rgdisk \
	-d e1000e,netdev=rgnet0 \
	-d virtio-net,netdev=rgnet1,iommu_platform=on,disable-legacy=on \
	-d ivshmem-plain,memdev=rgshm \
	-d edu \
	"${files[@]}" "$l1run" "${runs[@]}" | tee "$console"
l1_status=${PIPESTATUS[0]}
tr -d '\r' <"$console" > "$work/out"

failed=0
check() { # VMM SCENARIO CHECK PASS|FAIL DETAIL
	printf '%-6s %-22s %-12s %-4s %s\n' "$1" "$2" "$3" "$4" "$5"
	[ "$4" = PASS ] || failed=$((failed + 1))
}
echo
echo "== real-guest results (L2 checks, then what L0 checked) =="
while read -r _ vmm scenario name verdict detail; do
	check "$vmm" "$scenario" "$name" "$verdict" "$detail"
done < <(grep '^RESULT ' "$work/out")

# What L2 wrote into the disk and into ivshmem, seen from L0.
while read -r _ vmm scenario sector token; do
	case ${scenario%%/*} in devices | nvme) ;; *) continue ;; esac
	got=$(dd if="$disk" bs=512 skip="$sector" count=1 status=none | head -n 1 | tr -d '\0')
	if [ "$got" = "VMPCI-L2-WROTE $token" ]; then
		check "$vmm" "$scenario" nvme-disk PASS "sector $sector holds '$got'"
	else
		check "$vmm" "$scenario" nvme-disk FAIL "sector $sector holds '$got'"
	fi
	[ "${scenario%%/*}" = devices ] || continue
	got=$(od -An -tx4 -j $((sector * 16)) -N 16 "$shm" | tr -s ' ')
	if [ "$got" = " 564d5043 492d4956 53484d45 4d2d4f4b" ]; then
		check "$vmm" "$scenario" ivshmem-file PASS "pattern at offset $((sector * 16))"
	else
		check "$vmm" "$scenario" ivshmem-file FAIL "offset $((sector * 16)) holds$got"
	fi
done < <(grep '^SECTOR ' "$work/out")

# Every check a run's scenario makes must have reported: one that printed
# nothing failed.
expected() {
	case $1 in
	devices) echo nvme nvme-irq e1000e e1000e-irq virtio-net virtio-net-irq ivshmem edu ;;
	nvme) echo nvme nvme-irq ;;
	hostile) echo hostile host-vectors vmm-exit host-registers ;;
	*) echo "$1" ;;
	esac
}
for run in "${runs[@]}"; do
	vmm=${run%%:*} rest=${run#*:}
	label=${rest%%:*}
	[ "$rest" = "$label" ] || label=$label/$(echo "${rest#*:}" | tr ' ' ,)
	for name in $(expected "${rest%%:*}"); do
		grep -q "^RESULT $vmm $label $name " "$work/out" ||
			check "$vmm" "$label" "$name" FAIL "this check reported nothing"
	done
done
# What the guest sees: the same functions under both VMMs, capability by
# capability; the differences that may exist are listed, with their reasons,
# in ALLOWED (and docs/REAL_GUESTS.md).
if [ -n "$compare" ]; then
	"$compare" "$work/out" "$allowed" qemu vmpci devices \
		1b36:0010 8086:10d3 1af4:1041 1af4:1110 1234:11e8 > "$work/compare"
	cmp_status=$?
	sed 's/^/    /' "$work/compare"
	if [ "$cmp_status" -eq 0 ]; then
		check both devices config PASS "$(grep -c '^COMPARED' "$work/compare") functions alike but for $(grep -c ' listed$' "$work/compare") listed differences"
	else
		check both devices config FAIL "$(grep -c 'UNLISTED\|^MISSING' "$work/compare") unlisted differences or missing functions"
	fi
fi
grep '^TIME \|^PAUSE ' "$work/out"
[ "$l1_status" -eq 0 ] || check L1 - harness FAIL "L1 exit status $l1_status"
echo "real-guest: $failed failed checks"
[ "$failed" -eq 0 ]
