#!/usr/bin/env bash
# Install vmpci-dist.tar into a fresh prefix with tools/install-lib.sh, then
# build the README's embedding sample with plain cc and pkg-config, once
# against the shared library and once against the static archive, and run
# both; a C++ program includes the headers as they are and links too.
#   pkgconfig_test.sh INSTALL_LIB_SH EMBED_C DIST_FILES...
set -euo pipefail
install_lib=$1 sample=$2
shift 2
dist=
for f in "$@"; do
	case $f in *.tar) dist=$PWD/$f ;; esac
done
[ -n "$dist" ] || { echo "no vmpci-dist.tar among $*"; exit 1; }

work=${TEST_TMPDIR:-$(mktemp -d)}
prefix=$work/prefix
VMPCI_DIST=$dist bash "$install_lib" "$prefix"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
status=0
check() { # NAME COMMAND...: run, report, count a failure
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; status=1; fi
}

needs_libvmpci() { readelf -d "$1" | grep -q 'NEEDED.*\[libvmpci\.so\.0\]'; }

# Shared: -lvmpci finds lib/libvmpci.so; the program records the soname.
check "cc \$(pkg-config --cflags --libs vmpci)" \
	cc -o "$work/embed_shared" "$sample" $(pkg-config --cflags --libs vmpci)
check "shared program needs libvmpci.so.0" needs_libvmpci "$work/embed_shared"
check "shared program runs" env LD_LIBRARY_PATH="$prefix/lib" "$work/embed_shared"

# Static: the archive alone, plus what it needs (-pthread, -lcjson).
check "cc \$(pkg-config --cflags --libs vmpci-static)" \
	cc -o "$work/embed_static" "$sample" $(pkg-config --cflags --libs vmpci-static)
check "static program does not need libvmpci.so" \
	bash -c "! readelf -d '$work/embed_static' | grep -q libvmpci"
check "static program runs" "$work/embed_static"

# C++: the headers carry their own extern "C".
cat >"$work/bus.cc" <<'CC'
#include "vmpci.h"
int main()
{
	struct vmpci_bus *bus;
	if (vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &bus))
		return 1;
	vmpci_bus_free(bus);
	return 0;
}
CC
check "c++ includes vmpci.h and links" \
	c++ -o "$work/bus_cxx" "$work/bus.cc" $(pkg-config --cflags --libs vmpci)
check "c++ program runs" env LD_LIBRARY_PATH="$prefix/lib" "$work/bus_cxx"
exit $status
