#!/usr/bin/env bash
# `vmpci run` refuses bad input with one clear line on stderr and a non-zero
# status, before it has made anything (no VM, no file), and an unknown
# option with the usage and status 2. Needs no working KVM: the kernel is
# checked before the KVM device is opened, and --kvm names the device.
# usage: bad_input_test.sh VMPCI
set -uo pipefail
vmpci=$(realpath "$1")
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failed=0

# A bzImage header (Documentation/arch/x86/boot.rst) for a 64-bit kernel
# that needs INIT_SIZE bytes once decompressed: enough for the loader to
# take it for a kernel, never run.
make_bzimage() { # FILE INIT_SIZE
	local f=$1
	head -c 4096 /dev/zero >"$f"
	put() { printf "$2" | dd of="$f" bs=1 seek=$(($1)) conv=notrunc status=none; }
	put 0x1f1 '\x01'                  # setup_sects
	put 0x1fe '\x55\xaa'              # boot_flag
	put 0x202 'HdrS'
	put 0x206 '\x0f\x02'              # protocol 2.15
	put 0x22c '\xff\xff\xff\x7f'      # initrd_addr_max
	put 0x236 '\x01\x00'              # xloadflags: XLF_KERNEL_64
	put 0x238 '\xff\x07\x00\x00'      # cmdline_size
	put 0x258 '\x00\x00\x00\x01\x00\x00\x00\x00' # pref_address 16 MiB
	put 0x260 "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($2 & 255)) \
		$((($2 >> 8) & 255)) $((($2 >> 16) & 255)) $((($2 >> 24) & 255)))"
}

# expect NAME STATUS PATTERN -- ARGS...: exit STATUS (or any non-zero for
# "nonzero"), and stderr's first line matches PATTERN; for a status other
# than 2 stderr is that one line and stdout is empty.
expect() {
	local name=$1 want=$2 pattern=$3
	shift 4
	(cd "$tmp/cwd" && "$vmpci" run "$@") >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$? why=
	if [ "$want" = nonzero ] && [ "$rc" -eq 0 ]; then
		why="exit status 0"
	elif [ "$want" != nonzero ] && [ "$rc" -ne "$want" ]; then
		why="exit status $rc, expected $want"
	elif ! head -n 1 "$tmp/err" | grep -q -E -- "$pattern"; then
		why="stderr does not start with /$pattern/"
	elif [ "$want" != 2 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		why="stderr has $(wc -l <"$tmp/err") lines"
	elif [ "$want" != 2 ] && [ -s "$tmp/out" ]; then
		why="stdout is not empty"
	elif [ -n "$(ls -A "$tmp/cwd")" ]; then
		why="left files behind: $(ls -A "$tmp/cwd")"
	fi
	if [ -n "$why" ]; then
		echo "FAIL $name: $why"
		sed 's/^/  stderr: /' "$tmp/err"
		failed=$((failed + 1))
	else
		echo "PASS $name: $(head -n 1 "$tmp/err")"
	fi
}

mkdir -p "$tmp/cwd"
make_bzimage "$tmp/small.bzImage" $((1 << 20))
make_bzimage "$tmp/huge.bzImage" $((64 << 20))
echo "just some text" >"$tmp/text"
head -c 3000000 /dev/zero >"$tmp/initrd"

expect UnknownOptionPrintsUsage 2 "unknown or incomplete option '--bogus'" -- \
	--bogus --kernel "$tmp/small.bzImage"
expect MissingKernelOptionPrintsUsage 2 "--kernel FILE is required" --
expect BadMemSizePrintsUsage 2 "--mem '12Q'" -- \
	--kernel "$tmp/small.bzImage" --mem 12Q
expect NonNumericCpusPrintsUsage 2 "--cpus 'two'" -- \
	--kernel "$tmp/small.bzImage" --cpus two
expect MissingKernelFile nonzero "cannot open kernel .*/nope: No such file" -- \
	--kernel "$tmp/nope" --kvm /dev/null
expect MissingInitrdFile nonzero "cannot open initrd .*/nope: No such file" -- \
	--kernel "$tmp/small.bzImage" --initrd "$tmp/nope" --kvm /dev/null
expect TextFileIsNeitherKernelFormat nonzero "is neither an ELF vmlinux with a PVH entry nor a 64-bit bzImage" -- \
	--kernel "$tmp/text" --kvm /dev/null
expect ElfWithoutPvhNoteIsRefused nonzero "is neither an ELF vmlinux with a PVH entry nor a 64-bit bzImage" -- \
	--kernel "$vmpci" --kvm /dev/null
expect MemTooSmallForKernel nonzero "--mem is too small for the decompressed kernel" -- \
	--kernel "$tmp/huge.bzImage" --mem 32M --kvm /dev/null
expect MemTooSmallForInitrd nonzero "--mem is too small for the kernel and the initrd" -- \
	--kernel "$tmp/small.bzImage" --initrd "$tmp/initrd" --mem 18M --kvm /dev/null
expect KvmDeviceThatIsNotKvm nonzero "/dev/null is not a usable KVM device" -- \
	--kernel "$tmp/small.bzImage" --kvm /dev/null
expect KvmDeviceMissing nonzero "cannot open $tmp/no-kvm: No such file" -- \
	--kernel "$tmp/small.bzImage" --kvm "$tmp/no-kvm"

[ "$failed" -eq 0 ] && echo "all passed"
[ "$failed" -eq 0 ]
