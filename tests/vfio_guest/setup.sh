#!/usr/bin/env bash
# Prepares the real-kernel VFIO guest harness (run-in-guest.sh): installs the
# Debian 12 packages it uses and puts a Debian kernel with its VFIO modules in
# the cache folder. Idempotent: when everything is there it only checks, so
# tests/run.sh calls it on every run.
#
# Cache folder $VMPCI_GUEST_CACHE (default ~/.cache/vmpci-guest):
#   kernel/vmlinuz          the Debian bzImage
#   kernel/vmlinux          the same kernel uncompressed, when it could be
#                           extracted: QEMU boots it through its PVH note,
#                           skipping the xz decompression that costs ~4 s
#                           under TCG
#   kernel/modules/*.ko     the VFIO modules; kernel/modules/order lists them
#                           in load order (the .deb has no modules.dep)
#   kernel/modules/kvm-order  the KVM modules (ccp, kvm, kvm-amd) in load
#                           order, which run-in-guest.sh -K loads after the
#                           VFIO set (kvm needs irqbypass)
#   kernel/package          the kernel package they came from
#   kernel/l2-modules/*.ko  driver modules for the nested guest (L2) of the
#                           real-guest suite (tests/real_guest); their order
#                           file lists them in load order
# KPKG=linux-image-<abi>-amd64 selects another kernel package (default: the one
# the meta-package $KMETA, linux-image-amd64 unless set, depends on); a cache
# holding another package is replaced.
# Needs root only when packages are missing (apt-get install) or apt has no
# package lists yet.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VMPCI_GUEST_CACHE:-$HOME/.cache/vmpci-guest}
# Load order follows the modules' depends= fields.
modules=(irqbypass vfio_virqfd vfio vfio_iommu_type1 vfio-pci-core vfio-pci)
# Nested KVM in the TCG guest (-cpu max emulates AMD SVM): kvm-amd needs ccp
# and kvm; see ../shared/notes/nested-kvm.md.
kvm_modules=(ccp kvm kvm-amd)
# The nested guest's drivers (nvme, e1000e, virtio-net, uio for edu), also in
# load order. A kernel that builds one in or lacks it goes without: only the
# real-guest suite's L2 loads them, and it checks what its drivers do.
l2_modules=(crct10dif_common crct10dif_generic crc-t10dif crc64 crc64-rocksoft
	t10-pi nvme-auth nvme-core nvme e1000e virtio_ring virtio virtio_pci_modern_dev
	virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net uio
	uio_pci_generic)
# Part of vfio.ko since Linux 6.2: a kernel without it loads the others.
optional() { [ "$1" = vfio_virqfd ] || [ -n "${all_optional:-}" ]; }
packages=(
	qemu-system-x86 # the guest machine: q35 + intel-iommu under TCG
	busybox-static  # the guest's whole userland (/init is a busybox script)
	cpio            # builds the initramfs
	xz-utils        # extracts the uncompressed vmlinux from the bzImage
)

say() { echo "vfio_guest setup: $*"; }
die() { echo "vfio_guest setup: $*" >&2; exit 1; }

# The project's installer: apt runs only for what is missing (with the
# build's own packages, which the guest programs need anyway).
bash "$here/../../tools/install-deps.sh" "${packages[@]}"

kernel_package() {
	apt-cache depends "${KMETA:-linux-image-amd64}" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1
}

kernel_ready() {
	local m
	[ -f "$cache/kernel/vmlinuz" ] && [ -f "$cache/kernel/package" ] || return 1
	[ -z "${KPKG:-}" ] || [ "$(cat "$cache/kernel/package")" = "$KPKG" ] || return 1
	# A cache from before the KVM modules were kept is refreshed.
	[ -f "$cache/kernel/modules/kvm-order" ] || return 1
	for m in "${modules[@]}" "${kvm_modules[@]}"; do
		[ -f "$cache/kernel/modules/$m.ko" ] || optional "$m" || return 1
	done
	# A cache made for another list of L2 drivers is refreshed (6.12's
	# nvme-core needs nvme-auth, which 6.1 builds in).
	[ "$(cat "$cache/kernel/l2-modules/wanted" 2>/dev/null)" = "${l2_modules[*]}" ] || return 1
}

if kernel_ready; then
	say "ready: $(cat "$cache/kernel/package") in $cache/kernel" \
		"($([ -f "$cache/kernel/vmlinux" ] && echo vmlinux || echo vmlinuz))"
	exit 0
fi

kpkg=${KPKG:-$(kernel_package)}
if [ -z "$kpkg" ]; then
	# A fresh machine (or container) may have no package lists yet.
	[ "$(id -u)" -eq 0 ] || die "need root for apt-get update (no package lists)"
	apt-get update -q
	kpkg=$(kernel_package)
fi
[ -n "$kpkg" ] || die "cannot tell which linux-image-*-amd64 package to use (set KPKG)"
kver=${kpkg#linux-image-}

mkdir -p "$cache"
work=$(mktemp -d "$cache/.setup.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "downloading $kpkg"
# As root under a private home, apt warns that its _apt user cannot reach the
# folder and downloads unsandboxed: harmless, the .deb is still verified.
(cd "$work" && apt-get download -q "$kpkg") ||
	die "apt-get download $kpkg failed"
deb=$(ls "$work"/"$kpkg"_*.deb)
dpkg-deb -x "$deb" "$work/root"

out=$work/kernel
mkdir -p "$out"
cp "$work/root/boot/vmlinuz-$kver" "$out/vmlinuz"
# extract_modules FOLDER LIST MODULE...: copies each module, uncompressed,
# into FOLDER and appends its name to FOLDER/LIST in the order given.
extract_modules() {
	local dir=$out/$1 list=$2 m ko
	shift 2
	mkdir -p "$dir"
	for m in "$@"; do
		ko=$(find "$work/root/lib/modules/$kver" \( -name "$m.ko" -o -name "$m.ko.xz" \) | head -n 1)
		if [ -z "$ko" ]; then
			optional "$m" && continue
			die "$kpkg has no module $m"
		fi
		case $ko in
		*.xz) xz -dc "$ko" > "$dir/$m.ko" ;;
		*) cp "$ko" "$dir/$m.ko" ;;
		esac
		echo "$m" >> "$dir/$list"
	done
}
extract_modules modules order "${modules[@]}"
extract_modules modules kvm-order "${kvm_modules[@]}"
all_optional=1 extract_modules l2-modules order "${l2_modules[@]}"
echo "${l2_modules[*]}" > "$out/l2-modules/wanted"

# The bzImage setup header says where the compressed kernel sits: the setup
# code is (setup_sects + 1) * 512 bytes (0x1f1), the payload follows at
# payload_offset (0x248) with payload_length bytes (0x24c).
le() { od -An -t "u$2" -j "$(($3))" -N "$2" "$1" | tr -d ' '; }
payload() { dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none; }
extract_vmlinux() {
	local img=$1 dst=$2 sects start len magic
	grep -q '^CONFIG_PVH=y' "$work/root/boot/config-$kver" || return 1
	sects=$(le "$img" 1 0x1f1)
	[ "$sects" -ne 0 ] || sects=4
	start=$(((sects + 1) * 512 + $(le "$img" 4 0x248)))
	len=$(le "$img" 4 0x24c)
	magic=$(payload "$img" "$start" 6 | od -An -tx1 | tr -d ' ')
	[ "$magic" = fd377a585a00 ] || return 1
	payload "$img" "$start" "$len" | xz -dc --single-stream > "$dst" 2>/dev/null ||
		return 1
	[ "$(head -c 4 "$dst" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]
}
if extract_vmlinux "$out/vmlinuz" "$out/vmlinux"; then
	say "extracted the uncompressed vmlinux ($(stat -c %s "$out/vmlinux") bytes)"
else
	rm -f "$out/vmlinux"
	say "no uncompressed vmlinux (not xz or no PVH entry): guests boot vmlinuz, ~4 s slower"
fi
echo "$kpkg" > "$out/package"

# Replace the old kernel folder only now, so an interrupted run never leaves
# a half-filled one that run-in-guest.sh would take as ready; moving the old
# one aside first keeps the window without a kernel to two renames for guest
# tests running at the same time.
[ ! -e "$cache/kernel" ] || mv "$cache/kernel" "$work/old-kernel"
mv "$out" "$cache/kernel"
say "ready: $kpkg in $cache/kernel"
