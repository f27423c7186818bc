#!/bin/sh
# Guest program of kvm_ready_test: what run-in-guest.sh -K promises beyond
# the kvm-check it already ran: the character device, and SVM with nested
# paging (without it KVM falls back to shadow paging, much slower under TCG).
passed=0 failed=0
check() {
	if eval "$2"; then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		failed=$((failed + 1))
	fi
}
check "/dev/kvm is char 10:232" '[ -c /dev/kvm ] && [ "$(stat -c %t:%T /dev/kvm)" = a:e8 ]'
check "kvm-amd loaded" 'grep -q "^kvm_amd " /proc/modules'
check "nested paging enabled" 'dmesg | grep -q "SVM: kvm: Nested Paging enabled"'
check "the VFIO devices are bound alongside KVM" '[ -n "$VFIO_BDFS" ]'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
