#!/usr/bin/env bash
# Install libvmpci for a VMM that builds without Bazel:
#   bash tools/install-lib.sh [PREFIX]        (default /usr/local)
# puts PREFIX/lib/libvmpci.a, PREFIX/lib/libvmpci.so.0 (+ libvmpci.so),
# the public headers in PREFIX/include/vmpci/ and PREFIX/lib/pkgconfig/
# vmpci.pc (shared) and vmpci-static.pc (the archive), so that
#   cc vmm.c $(pkg-config --cflags --libs vmpci)          # or vmpci-static
# builds against it (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig outside the
# default search path). Builds //dist with Bazel first, unless VMPCI_DIST
# names an already built vmpci-dist.tar (the tests install that one).
set -euo pipefail

prefix=${1:-/usr/local}
case $prefix in
/*) ;;
*) prefix=$PWD/$prefix ;;
esac

dist=${VMPCI_DIST:-}
if [ -z "$dist" ]; then
	cd "$(dirname "$0")/.."
	bazel build //dist >&2
	dist=$(bazel info bazel-bin 2>/dev/null)/dist/vmpci-dist.tar
fi

mkdir -p "$prefix"
# Directories that exist keep their owner and mode.
tar -xf "$dist" -C "$prefix" --no-same-owner --no-overwrite-dir
for pc in vmpci.pc vmpci-static.pc; do
	sed -i "s|^prefix=.*|prefix=$prefix|" "$prefix/lib/pkgconfig/$pc"
done
# A system prefix: let the dynamic linker find libvmpci.so.0 at once.
if [ "$(id -u)" = 0 ] && grep -qsx "$prefix/lib" /etc/ld.so.conf /etc/ld.so.conf.d/*.conf; then
	ldconfig
fi
echo "vmpci installed in $prefix (pkg-config: $prefix/lib/pkgconfig)"
