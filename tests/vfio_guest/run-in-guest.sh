#!/usr/bin/env bash
# run-in-guest.sh: runs a test binary as root in a QEMU guest whose real Linux
# vfio-pci driver owns emulated PCI devices, and exits with its status.
#
# usage: run-in-guest.sh [options] BINARY [ARGS...]
#   -d TYPE[,PROPS]  add a device (repeatable, in order): edu, nvme, e1000e,
#                    virtio-net, ivshmem, or any QEMU -device name; PROPS are
#                    extra QEMU properties. Devices sit at 0000:00:03.0,
#                    0000:00:04.0, ... each in its own IOMMU group.
#   -f FILE          copy FILE next to the binary, into /test (repeatable)
#   -r PATH          copy PATH, a relative file or folder, to /test/PATH: a
#                    Bazel runfiles path lands where a test opens it
#                    (repeatable)
#   -t SECONDS       overall time limit (default 240)
#   -m MEMORY        guest memory (default 512M)
#   -k ARGS          extra kernel command line (e.g. loglevel=7)
#   -q ARG           one more QEMU argument, as it is (repeatable, in order):
#                    the backends devices name, e.g. -q -netdev -q user,id=n0
#   -K               real KVM in the guest: the CPU becomes -cpu max (TCG
#                    emulates AMD SVM with nested paging), the guest loads
#                    ccp, kvm and kvm-amd after the VFIO modules and checks
#                    that /dev/kvm creates a VM with an irqchip and a vCPU
#                    (kvm-check.c, built here with cc); if it does not, the
#                    test does not run and the exit status is 125
#
# The guest (q35 + intel-iommu,intremap=on under TCG, Debian kernel from
# setup.sh) loads the VFIO modules, binds the devices to vfio-pci and runs
# BINARY in /test with VFIO_BDFS (space-separated BDFs, in -d order) and
# VFIO_DEVICES (their TYPEs). A dynamically linked BINARY gets its ldd
# closure copied in at the same paths. The guest console streams to stdout.
# Exit status: BINARY's; 124 time limit hit; 125 no status (guest panic,
# QEMU failure, a module or device the harness could not set up, no working
# KVM under -K); 126 usage or setup.sh not run.
# Environment: VMPCI_GUEST_CACHE (default ~/.cache/vmpci-guest), the folder
# setup.sh fills.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMPCI_GUEST_CACHE:-$HOME/.cache/vmpci-guest}

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 126; }
die() { echo "run-in-guest: $*" >&2; exit 126; }

devices=() files=() tree_files=() timeout=240 memory=512M kargs= extra=() kvm=0
while getopts "d:f:r:t:m:k:q:Kh" opt; do
	case $opt in
	d) devices+=("$OPTARG") ;;
	f) files+=("$OPTARG") ;;
	r) tree_files+=("$OPTARG") ;;
	t) timeout=$OPTARG ;;
	m) memory=$OPTARG ;;
	k) kargs=$OPTARG ;;
	q) extra+=("$OPTARG") ;;
	K) kvm=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
binary=$1
shift
[ -f "$binary" ] || die "no such binary: $binary"
for f in "${files[@]+"${files[@]}"}"; do
	[ -f "$f" ] || die "no such file: $f"
done
for f in "${tree_files[@]+"${tree_files[@]}"}"; do
	[ -e "$f" ] || die "no such file or folder: $f"
	case /$f/ in //* | */../*) die "-r needs a relative path without '..': $f" ;; esac
done
# q35 keeps slot 0 (host bridge) and 0x1f (LPC); devices take 0x03..0x1e.
[ ${#devices[@]} -le 28 ] || die "at most 28 devices"

# Under TCG the uncompressed vmlinux boots ~4 s faster than the bzImage.
kernel=$cache/kernel/vmlinux
[ -f "$kernel" ] || kernel=$cache/kernel/vmlinuz
if [ ! -f "$kernel" ] || [ ! -f "$cache/kernel/modules/order" ] ||
	{ [ "$kvm" = 1 ] && [ ! -f "$cache/kernel/modules/kvm-order" ]; }; then
	die "no guest kernel in $cache/kernel: run 'bash tests/vfio_guest/setup.sh' first" \
		"(VMPCI_GUEST_CACHE selects another cache folder)"
fi
tools=(qemu-system-x86_64 cpio ldd timeout)
[ "$kvm" = 0 ] || tools+=("${CC:-cc}")
for tool in "${tools[@]}"; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'bash tests/vfio_guest/setup.sh'"
done
[ -x /bin/busybox ] || die "/bin/busybox is missing: run 'bash tests/vfio_guest/setup.sh'"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmpci-guest.XXXXXX") || die "cannot create a work folder"
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,test,vmpci/modules}
cp /bin/busybox "$root/bin/busybox"
cp "$here/guest-init.sh" "$root/init"
cp "$cache/kernel/modules/"{order,*.ko} "$root/vmpci/modules/"
if [ "$kvm" = 1 ]; then
	# guest-init.sh loads these and runs the check only when they are there.
	cp "$cache/kernel/modules/kvm-order" "$root/vmpci/modules/"
	"${CC:-cc}" -static -O2 -o "$root/vmpci/kvm-check" "$here/kvm-check.c" ||
		die "cannot build kvm-check.c"
fi
cp -L "$binary" "${files[@]+"${files[@]}"}" "$root/test/"
chmod 755 "$root/init" "$root/test/$(basename "$binary")"
for f in "${tree_files[@]+"${tree_files[@]}"}"; do
	mkdir -p "$root/test/$(dirname "$f")"
	cp -RL "$f" "$root/test/$f"
done

# Shared libraries go in at their host paths (the loader's PT_INTERP path
# included); LD_LIBRARY_PATH also names their folders, because RUNPATH
# entries such as Bazel's $ORIGIN/../_solib_k8 do not resolve from /test.
libdirs=
for f in "$binary" "${files[@]+"${files[@]}"}"; do
	deps=$(ldd "$f" 2>/dev/null) || continue # static binary, script or data
	if grep -q 'not found' <<<"$deps"; then
		die "$f: shared libraries not found: $(grep 'not found' <<<"$deps" | tr -s ' \t' ' ')"
	fi
	for lib in $(grep -o '/[^ ]*' <<<"$deps"); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
		case ":$libdirs:" in *":$(dirname "$lib"):"*) ;; *) libdirs=$libdirs:$(dirname "$lib") ;; esac
	done
done
echo "${libdirs#:}" > "$root/vmpci/library-path"

# The command line in busybox sh syntax: every argument single-quoted.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
	printf 'exec ./%s' "$(quote "$(basename "$binary")")"
	for a in "$@"; do printf ' %s' "$(quote "$a")"; done
	echo
} > "$root/vmpci/command"

# shellcheck disable=SC2054 # commas separate QEMU properties
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none -serial stdio
	-no-reboot -machine q35 -accel tcg -m "$memory" -smp 1
	-device intel-iommu,intremap=on)
[ "$kvm" = 0 ] || qemu+=(-cpu max)
slot=3
for spec in "${devices[@]+"${devices[@]}"}"; do
	type=${spec%%,*}
	props=${spec#"$type"}
	addr=$(printf 0x%x $slot)
	n=$((slot - 3))
	case $type in
	edu) qemu+=(-device "edu,addr=$addr$props") ;;
	nvme) qemu+=(-device "nvme,serial=vmpci$n,addr=$addr$props") ;;
	e1000e) qemu+=(-device "e1000e,romfile=,addr=$addr$props") ;;
	virtio-net) qemu+=(-device "virtio-net-pci,romfile=,addr=$addr$props") ;;
	ivshmem) qemu+=(-object "memory-backend-ram,id=ivshmem$n,size=1M"
		-device "ivshmem-plain,memdev=ivshmem$n,addr=$addr$props") ;;
	*) qemu+=(-device "$type,addr=$addr$props") ;;
	esac
	printf '0000:00:%02x.0 %s\n' $slot "$type" >> "$root/vmpci/devices"
	slot=$((slot + 1))
done
touch "$root/vmpci/devices"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initrd" ||
	die "cannot build the initramfs"
# panic=-1 with -no-reboot turns a guest panic into a QEMU exit.
qemu+=("${extra[@]+"${extra[@]}"}" -kernel "$kernel" -initrd "$work/initrd"
	-append "console=ttyS0 panic=-1 loglevel=4 intel_iommu=on $kargs")

echo "run-in-guest: ${qemu[*]}"
start=$(date +%s%N)
timeout -k 5 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$work/console"
qemu_status=${PIPESTATUS[0]}
tenths=$((($(date +%s%N) - start) / 100000000))
seconds=$((tenths / 10)).$((tenths % 10))

status=$(tr -d '\r' <"$work/console" | sed -n 's/.*VMPCI-GUEST-EXIT=\([0-9][0-9]*\).*/\1/p' | tail -n 1)
if [ -n "$status" ]; then
	echo "run-in-guest: test exit status $status after $seconds s"
	exit "$status"
fi
if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
	echo "run-in-guest: FAIL: time limit of $timeout s hit"
	exit 124
fi
if grep -q -e 'vmpci-guest: FAIL kvm' -e 'kvm-check: FAIL' "$work/console"; then
	echo "run-in-guest: FAIL: -K asked for KVM and the guest has none that works" \
		"(see the kvm lines above); the test did not run"
	exit 125
fi
echo "run-in-guest: FAIL: the guest ended without a test status after $seconds s" \
	"(QEMU exit $qemu_status; see the console above)"
exit 125
