#!/usr/bin/env bash
# Host side of the passthrough guest test: builds the L2 initramfs
# (busybox + l2_init.sh) and runs l1.sh in the QEMU guest with
# nested KVM, the devices bound to vfio-pci, and vmpci, the L2 initramfs
# and Debian's vmlinux from the guest cache copied next to it.
# usage: guest_test.sh RUN_IN_GUEST VMPCI L1_SCRIPT L2_INIT
#        [run-in-guest options...]
set -euo pipefail
harness=$1 vmpci=$2 l1=$3 l2_init=$4
shift 4
# As guest_test.sh: Bazel tests do not see HOME.
cache=${VMPCI_GUEST_CACHE:-$(getent passwd "$(id -u)" | cut -d: -f6)/.cache/vmpci-guest}
export VMPCI_GUEST_CACHE=$cache
export TMPDIR=${TEST_TMPDIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$TMPDIR/l2.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev"
cp /bin/busybox "$work/root/bin/busybox"
cp "$l2_init" "$work/root/init"
chmod 755 "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet) > "$work/l2.cpio"
"$harness" -K -m 2G "$@" -f "$vmpci" -f "$work/l2.cpio" \
	-f "$cache/kernel/vmlinux" "$l1"
