#!/usr/bin/env bash
# For every shipped fixture, `vmpci inspect --lspci` must decode with the real
# lspci: the same device, every capability the raw fixture shows (none is
# hidden by default on these), and memory BARs unplaced (address 0) rather
# than the host's addresses.
set -u
vmpci=$1
lspci=/usr/bin/lspci
if [ ! -x $lspci ]; then
	echo "SKIP: no $lspci (Debian pciutils)"
	exit 0
fi
passed=0 failed=0
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# lspci -x text of a raw fixture, to decode it the same way.
raw_dump() {
	echo "00:03.0 Class 0000: 0000:0000"
	od -An -v -tx1 "$1" | awk '{ printf "%02x:", (NR - 1) * 16; for (i = 1; i <= NF; i++) printf " %s", $i; print "" }'
}

for bin in tests/data/pci-config/*/*.bin; do
	name=$(basename "$bin" .bin)
	if ! "$vmpci" inspect --fixture "$bin" --lspci >"$TEST_TMPDIR/guest.txt" 2>"$TEST_TMPDIR/err"; then
		fail "$name" "inspect failed: $(cat "$TEST_TMPDIR/err")"
		continue
	fi
	raw_dump "$bin" >"$TEST_TMPDIR/raw.txt"
	guest=$($lspci -F "$TEST_TMPDIR/guest.txt" -vvv 2>&1)
	raw=$($lspci -F "$TEST_TMPDIR/raw.txt" -vvv 2>&1)
	ids_guest=$($lspci -F "$TEST_TMPDIR/guest.txt" -n | awk '{print $3}')
	ids_raw=$($lspci -F "$TEST_TMPDIR/raw.txt" -n | awk '{print $3}')
	if [ "$ids_guest" != "$ids_raw" ]; then
		fail "$name" "ids $ids_guest, fixture $ids_raw"
		continue
	fi
	caps_guest=$(grep -o 'Capabilities: \[[0-9a-f]*[^]]*\] [A-Za-z -]*' <<<"$guest" | sort)
	caps_raw=$(grep -o 'Capabilities: \[[0-9a-f]*[^]]*\] [A-Za-z -]*' <<<"$raw" | sort)
	if [ "$caps_guest" != "$caps_raw" ]; then
		fail "$name" "capabilities differ: guest [$caps_guest] fixture [$caps_raw]"
		continue
	fi
	if grep -E 'Region [0-9]: Memory at [0-9a-f]*[1-9a-f][0-9a-f]* ' <<<"$guest" | grep -v 'Memory at 0*0 ' >/dev/null &&
		grep -qE 'Memory at fe' <<<"$guest"; then
		fail "$name" "host BAR addresses leak to the guest"
		continue
	fi
	echo "ok $name: $(wc -l <<<"$caps_guest") capabilities decoded"
	passed=$((passed + 1))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
