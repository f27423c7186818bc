#!/usr/bin/env bash
# What libvmpci exports is exactly what its public headers declare:
#  1. the dynamic symbols of libvmpci.so.0 are the functions the installed
#     headers declare, no more (internals leaked) and no fewer (declared
#     but not defined, or not exported);
#  2. every global symbol defined in libvmpci.a starts with vmpci_
#     (internals shared between files use vmpci__), so nothing clashes
#     with a VMM that links the archive.
#   linkage_test.sh DIST_FILES...
set -euo pipefail
dist=
for f in "$@"; do
	case $f in *.tar) dist=$PWD/$f ;; esac
done
[ -n "$dist" ] || { echo "no vmpci-dist.tar among $*"; exit 1; }

work=${TEST_TMPDIR:-$(mktemp -d)}/linkage
rm -rf "$work" && mkdir -p "$work"
tar -xf "$dist" -C "$work"
inc=$work/include/vmpci
status=0

# The compiler lists every function a translation unit declares, with the
# file it came from (-aux-info); keep those of the installed headers.
(cd "$inc" && find . -name '*.h' | sed 's|^\./\(.*\)|#include "\1"|') >"$work/all.c"
cc -std=c11 -I"$inc" -fsyntax-only -aux-info "$work/aux" "$work/all.c"
grep -F "/* $inc/" "$work/aux" | grep -v '^/\*[^*]*\*/ static ' |
	sed -E 's/^.*[ *]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' | sort -u >"$work/declared"
nm -D --defined-only "$work/lib/libvmpci.so.0" | awk '{print $3}' | sort -u >"$work/exported"

echo "declared in public headers: $(wc -l <"$work/declared"); exported: $(wc -l <"$work/exported")"
if [ ! -s "$work/declared" ]; then
	echo "FAIL: found no declarations in $inc"
	status=1
fi
leaked=$(comm -13 "$work/declared" "$work/exported")
if [ -n "$leaked" ]; then
	echo "FAIL: exported but declared in no public header:"
	echo "$leaked" | sed 's/^/  /'
	status=1
fi
missing=$(comm -23 "$work/declared" "$work/exported")
if [ -n "$missing" ]; then
	echo "FAIL: declared in a public header but not exported:"
	echo "$missing" | sed 's/^/  /'
	status=1
fi

# Global definitions (text, data, bss, read-only, common, weak).
unprefixed=$(nm -g --defined-only "$work/lib/libvmpci.a" |
	awk 'NF == 3 {print $3}' | grep -v '^vmpci_' | sort -u || true)
if [ -n "$unprefixed" ]; then
	echo "FAIL: global symbols of libvmpci.a without the vmpci_ prefix:"
	echo "$unprefixed" | sed 's/^/  /'
	status=1
fi
[ $status -eq 0 ] && echo "ok: libvmpci exports exactly its public headers"
exit $status
