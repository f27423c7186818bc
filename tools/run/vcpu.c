/* The vCPUs: creation, the entry state of each boot protocol, the run
 * loop, and parking for pause/resume and the final stop.
 *
 * A vCPU is taken out of KVM_RUN by setting kvm_run.immediate_exit and
 * sending its thread RUN_KICK_SIGNAL: the signal interrupts a running or
 * halted vCPU, and immediate_exit covers the window where the thread is
 * about to enter KVM_RUN and would miss the signal. */
#include "tools/run/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/processor-flags.h>
#include <linux/kvm.h>

#include "tools/run/cpuid.h"

#define RUN_KICK_SIGNAL		SIGRTMIN

/* LAPIC local vector table entries inside kvm_lapic_state.regs (Intel SDM
 * vol. 3, "Local APIC Register Address Map"). */
#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_MODE_MASK		0x700u
#define APIC_MODE_NMI		0x400u
#define APIC_MODE_EXTINT	0x700u

#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define SEG_TYPE_CODE		0xb	/* execute/read, accessed */
#define SEG_TYPE_DATA		0x3	/* read/write, accessed */
#define FPU_DEFAULT_FCW		0x37f	/* FNINIT's control word */
#define MXCSR_DEFAULT		0x1f80	/* all exceptions masked */

struct run_vcpu {
	struct run_vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
};

/* A flat 4 GiB segment; `long_mode` gives the 64-bit code form. */
static struct kvm_segment flat(uint16_t selector, uint8_t type,
			       bool long_mode)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector,
		.type = type, .present = 1, .s = 1, .g = 1,
		.db = long_mode && type == SEG_TYPE_CODE ? 0 : 1,
		.l = long_mode && type == SEG_TYPE_CODE,
	};
}

/* PVH: 32-bit protected mode, paging off, flat segments, ebx = start
 * info (Xen's docs/misc/pvh.pandoc). 64-bit protocol: long mode on the
 * loader's identity map with __BOOT_CS/__BOOT_DS, rsi = boot_params. */
static int set_entry_state(struct run_vcpu *v, const struct run_boot *boot)
{
	bool lm = boot->mode == RUN_BOOT_LONG;
	struct kvm_regs regs = { .rflags = X86_EFLAGS_FIXED,
				 .rip = boot->entry };
	struct kvm_sregs sregs;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = flat(RUN_BOOT_CS, SEG_TYPE_CODE, lm);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat(RUN_BOOT_DS, SEG_TYPE_DATA, lm);
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (lm) {
		sregs.gdt.base = RUN_BOOT_GDT;
		sregs.gdt.limit = 4 * 8 - 1;
		sregs.cr3 = RUN_BOOT_PML4;
		sregs.cr4 = X86_CR4_PAE;
		sregs.cr0 |= X86_CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsi = boot->info;
	} else {
		regs.rbx = boot->info;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

/* LINT0 as ExtINT and LINT1 as NMI, what a PC BIOS leaves: the PIC's
 * interrupts reach CPU 0 until Linux switches to the IOAPIC. */
static int set_lapic(struct run_vcpu *v)
{
	struct kvm_lapic_state lapic;
	uint32_t lvt;

	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	memcpy(&lvt, lapic.regs + APIC_LVT0, 4);
	lvt = (lvt & ~APIC_MODE_MASK) | APIC_MODE_EXTINT;
	memcpy(lapic.regs + APIC_LVT0, &lvt, 4);
	memcpy(&lvt, lapic.regs + APIC_LVT1, 4);
	lvt = (lvt & ~APIC_MODE_MASK) | APIC_MODE_NMI;
	memcpy(lapic.regs + APIC_LVT1, &lvt, 4);
	if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

static int create_one(struct run_vm *vm, struct run_vcpu *v, unsigned index,
		      const struct kvm_cpuid2 *cpuid,
		      const struct run_boot *boot)
{
	struct kvm_fpu fpu = { .fcw = FPU_DEFAULT_FCW,
			       .mxcsr = MXCSR_DEFAULT };
	int ret;

	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		run_vm_log(vm, "KVM_CREATE_VCPU %u: %s", index,
			   strerror(errno));
		return -errno;
	}
	v->run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	ret = run_cpuid_set(vm, v->fd, cpuid, index);
	if (!ret && ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		ret = -errno;
	if (!ret)
		ret = set_lapic(v);
	if (!ret && index == 0)
		ret = set_entry_state(v, boot);
	if (ret)
		run_vm_log(vm, "cannot set up vCPU %u: %s", index,
			   strerror(-ret));
	return ret;
}

int run_vcpus_create(struct run_vm *vm, unsigned n,
		     const struct run_boot *boot)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int ret;

	vm->vcpus = calloc(n, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		vm->vcpus[i].fd = -1;
	vm->nr_vcpus = n;
	ret = run_cpuid_supported(vm, &cpuid);
	for (unsigned i = 0; !ret && i < n; i++)
		ret = create_one(vm, &vm->vcpus[i], i, cpuid, boot);
	free(cpuid);
	return ret;
}

/* Park while a pause is requested. Returns true when the thread must end
 * (the VM is stopping). */
static bool park(struct run_vcpu *v)
{
	struct run_vm *vm = v->vm;
	bool end;

	pthread_mutex_lock(&vm->lock);
	while (vm->pause_requested && !vm->stopping) {
		vm->nr_parked++;
		pthread_cond_broadcast(&vm->cond);
		pthread_cond_wait(&vm->cond, &vm->lock);
		vm->nr_parked--;
	}
	end = vm->stopping || vm->stop != RUN_STOP_NONE;
	v->run->immediate_exit = 0;
	pthread_mutex_unlock(&vm->lock);
	return end;
}

static void io_exit(struct run_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	/* A string instruction (rep outsb) comes as `count` accesses. */
	for (uint32_t i = 0; i < run->io.count; i++)
		run_io_dispatch(v->vm, RUN_SPACE_PIO, run->io.port,
				data + i * run->io.size, run->io.size,
				run->io.direction == KVM_EXIT_IO_OUT);
}

/* Handle one exit; false ends the thread. */
static bool handle_exit(struct run_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		io_exit(v);
		return true;
	case KVM_EXIT_MMIO:
		run_io_dispatch(v->vm, RUN_SPACE_MMIO, run->mmio.phys_addr,
				run->mmio.data, run->mmio.len,
				run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT:
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault: how Linux's last-resort reboot ends. */
		run_vm_request_stop(v->vm, RUN_STOP_REBOOT);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		run_vm_request_stop(v->vm,
				    run->system_event.type ==
						    KVM_SYSTEM_EVENT_SHUTDOWN ?
					    RUN_STOP_POWEROFF :
					    RUN_STOP_REBOOT);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		run_vm_log(v->vm, "vCPU %u: entry failed, hardware reason "
			   "0x%llx", v->index, (unsigned long long)
			   run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		run_vm_log(v->vm, "vCPU %u: KVM internal error %u", v->index,
			   run->internal.suberror);
		break;
	default:
		run_vm_log(v->vm, "vCPU %u: unexpected exit %u", v->index,
			   run->exit_reason);
		break;
	}
	run_vm_request_stop(v->vm, RUN_STOP_ERROR);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct run_vcpu *v = arg;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, RUN_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (!park(v)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			run_vm_log(v->vm, "vCPU %u: KVM_RUN: %s", v->index,
				   strerror(errno));
			run_vm_request_stop(v->vm, RUN_STOP_ERROR);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	/* Counted as parked for good: a pause never waits for it. */
	pthread_mutex_lock(&v->vm->lock);
	v->vm->nr_parked++;
	pthread_cond_broadcast(&v->vm->cond);
	pthread_mutex_unlock(&v->vm->lock);
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig; /* only there to interrupt KVM_RUN */
}

int run_vcpus_start(struct run_vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int ret;

	/* No SA_RESTART: KVM_RUN must return EINTR. */
	if (sigaction(RUN_KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		ret = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
				     &vm->vcpus[i]);
		if (ret) {
			run_vm_log(vm, "cannot start vCPU %u: %s", i,
				   strerror(ret));
			return -ret;
		}
		vm->vcpus[i].started = true;
	}
	return 0;
}

/* Make every running vCPU leave KVM_RUN; with vm->lock held. */
static void kick_all(struct run_vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct run_vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, RUN_KICK_SIGNAL);
	}
}

int run_vm_pause(struct run_vm *vm)
{
	unsigned started = 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		started += vm->vcpus[i].started;
	pthread_mutex_lock(&vm->lock);
	vm->pause_requested = true;
	kick_all(vm);
	while (vm->nr_parked < started)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

void run_vm_resume(struct run_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->pause_requested = false;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

void run_vcpus_free(struct run_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->stopping = true;
	kick_all(vm);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct run_vcpu *v = &vm->vcpus[i];

		if (v->started)
			pthread_join(v->thread, NULL);
		if (v->run)
			munmap(v->run, vm->vcpu_mmap_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
}
