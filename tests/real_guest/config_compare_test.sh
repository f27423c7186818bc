#!/usr/bin/env bash
# config_compare on made-up dumps: alike functions pass, a changed read-only
# register fails unless listed, a programmed register never counts, a missing
# function fails.
set -uo pipefail
compare=$1
dir=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
expect() { # WANTED-STATUS WHAT COMMAND...
	local want=$1 what=$2
	shift 2
	"$@" > "$dir/out"
	local got=$?
	if [ "$got" -eq "$want" ]; then
		echo "ok: $what"
	else
		echo "FAIL: $what (status $got, wanted $want)"
		sed 's/^/    /' "$dir/out"
		failures=$((failures + 1))
	fi
}

# A PCIe function: capability list at 0x40 (PCIe, DEVCAP at 0x44), then MSI-X.
header="36 1b 10 00 07 05 10 00 02 02 08 01 00 00 00 00 04 00 94 fe"
pad() { printf ' 00%.0s' $(seq 1 "$1"); }
dump() { # DEVCAP-BYTE DEVCTL-BYTE
	echo "$header$(pad 32) 40 00 00 00$(pad 8) 10 50 02 00 $1 80 00 10 $2 00$(pad 6)$(pad 4) 11 00 40 00 00 20 00 00 00 30 00 00"
}
{
	echo "CONFIG a devices 1b36:0010 $(dump 01 00)"
	echo "CONFIG b devices 1b36:0010 $(dump 01 5f)"
	echo "CONFIG c devices 1b36:0010 $(dump 03 00)"
} > "$dir/console"
: > "$dir/none"
echo "1b36:0010 pcie.devcap for the test" > "$dir/devcap"

expect 0 "a programmed register (device control) is not a difference" \
	"$compare" "$dir/console" "$dir/none" a b devices 1b36:0010
expect 1 "a read-only register that differs fails" \
	"$compare" "$dir/console" "$dir/none" a c devices 1b36:0010
grep -q '^DIFF 1b36:0010 pcie.devcap 0x10008001 0x10008003 UNLISTED$' "$dir/out" ||
	{ echo "FAIL: the DIFF line names the field and both values"; failures=$((failures + 1)); }
expect 0 "a listed difference passes" \
	"$compare" "$dir/console" "$dir/devcap" a c devices 1b36:0010
expect 1 "a function one side did not see fails" \
	"$compare" "$dir/console" "$dir/none" a b devices 1b36:0010 8086:10d3
expect 2 "no arguments is a usage error" "$compare"
echo "config_compare_test: $failures failed"
[ "$failures" -eq 0 ]
