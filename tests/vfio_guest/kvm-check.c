/* kvm-check: run by the guest's /init when run-in-guest.sh -K asked for KVM,
 * and by tests/run.sh on the host to decide whether the host runs the
 * real-KVM suites too. Exits 0 when /dev/kvm is a KVM that can run a VM here: the stable API,
 * a VM, an in-kernel irqchip (the tests route MSIs and INTx through it) and
 * a vCPU. Anything less makes the harness refuse to run the test, so a test
 * that needs KVM never runs (and never skips) without one. Output: one line,
 * "kvm-check: KVM works ..." or "kvm-check: FAIL: ...". Busybox has no
 * tool for these ioctls, hence this program; run-in-guest.sh builds it
 * static, so it needs no libraries in the guest. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("kvm-check: FAIL: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	int version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		printf("kvm-check: FAIL: API version %d, want %d\n", version,
		       KVM_API_VERSION);
		return 1;
	}
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	printf("kvm-check: KVM works (API %d, VM with irqchip and a vCPU)\n", version);
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}
