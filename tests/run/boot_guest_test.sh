#!/usr/bin/env bash
# boot_guest_test: builds the L2 initramfs (busybox + l2_init.sh) and runs
# boot_guest.sh in a guest with a real KVM (run-in-guest.sh -K), with
# Debian's kernel from the harness cache as the L2 kernel, both as the PVH
# vmlinux and as the bzImage.
# usage: boot_guest_test.sh RUN_IN_GUEST VMPCI BOOT_GUEST_SH L2_INIT_SH
#        [RUN_IN_GUEST_OPTION...]
# The options go to run-in-guest.sh, e.g. "-d nvme" for the passthrough
# test (tests/run/passthrough), which runs its own script the same way.
set -euo pipefail
harness=$1 vmpci=$2 guest_script=$3 l2_init=$4
shift 4
# Where setup.sh put the kernel; as guest_test.sh finds it for every guest
# test (Bazel does not pass HOME).
cache=${VMPCI_GUEST_CACHE:-$(getent passwd "$(id -u)" | cut -d: -f6)/.cache/vmpci-guest}
export VMPCI_GUEST_CACHE=$cache
export TMPDIR=${TEST_TMPDIR:-${TMPDIR:-/tmp}}
for f in vmlinux vmlinuz; do
	[ -f "$cache/kernel/$f" ] || {
		echo "boot_guest_test: no $cache/kernel/$f: run 'bash tests/vfio_guest/setup.sh' first" >&2
		exit 1
	}
done

root=$TMPDIR/l2-root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys}
cp /bin/busybox "$root/bin/busybox"
cp "$l2_init" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$TMPDIR/l2.cpio"

# One guest boot for every scenario: an L2 boot takes tens of seconds
# under nested KVM, the L1 boot as much again.
exec "$harness" -K -m 2G -t 840 "$@" -f "$vmpci" -f "$cache/kernel/vmlinux" \
	-f "$cache/kernel/vmlinuz" -f "$TMPDIR/l2.cpio" "$guest_script" \
	./vmpci ./vmlinux ./vmlinuz ./l2.cpio
