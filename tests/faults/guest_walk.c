/* The fault walk against the real vfio-pci driver, in the QEMU guest of
 * tests/vfio_guest: every function with MSI-X or MSI in $VFIO_BDFS is opened through
 * the kernel backend (container, group, device fd), so each VFIO ioctl,
 * config and BAR pread/pwrite, BAR mmap/munmap, sysfs lookup and eventfd
 * of the flow fails once. Without --kvm the host is the walk's recording
 * fake, and an interrupt is checked on the vector's eventfd after VFIO
 * triggers it. With --kvm (a guest given KVM, run-in-guest.sh -K) the host
 * is vmpci's KVM host on a real VM, so every KVM ioctl (memory slots over
 * the real BAR mmaps, GSI routing, irqfds) fails once too, and an interrupt
 * VFIO triggers must reach the vCPU's LAPIC through the irqfd. Prints the
 * walk's table, one PASS/FAIL line per device and "N passed, M failed";
 * exits 1 on any failure. -v prints every run and step as it starts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "tests/faults/kvm_world.h"
#include "tests/faults/walk.h"

struct kernel_world {
	const char *bdf;
	struct vmpci_vfio_kernel *k;
	struct kvm_world *kvm; /* NULL: the recording fake */
};

static int begin(void *opaque, const struct vmpci_host **inner)
{
	struct kernel_world *w = opaque;

	*inner = NULL;
	return w->kvm ? kvm_world_begin(w->kvm, inner) : 0;
}

static void end(void *opaque)
{
	struct kernel_world *w = opaque;

	if (w->kvm)
		kvm_world_end(w->kvm);
}

static int open_function(void *opaque, const struct vmpci_host *host,
			 const struct vmpci_vfio_backend **be)
{
	struct kernel_world *w = opaque;
	struct vmpci_vfio_kernel_params kc;
	int err;

	vmpci_vfio_kernel_params_init(&kc, w->bdf);
	kc.host = host;
	err = vmpci_vfio_kernel_open(&kc, &w->k);
	if (!err)
		*be = vmpci_vfio_kernel_backend(w->k);
	return err;
}

static void close_function(void *opaque)
{
	struct kernel_world *w = opaque;

	vmpci_vfio_kernel_free(w->k);
	w->k = NULL;
}

/* VFIO raises vector 0 as the device would. On KVM the irqfd puts the
 * message's vector in the vCPU's LAPIC. On the fake, with no irqfd, the
 * signal waits in the eventfd vmpci gave SET_IRQS, and the message itself
 * is the fake's to deliver: the walk checks its route. */
static int deliver(void *opaque, struct vmpci_device *dev, uint32_t index,
		   uint32_t data)
{
	struct kernel_world *w = opaque;
	int fd = vmpci_device_irq_eventfd(dev, index, 0);
	uint64_t count = 0;
	int err;

	if (fd < 0)
		return fd;
	if (w->kvm && (err = kvm_world_irr_clear(w->kvm, (uint8_t)data)))
		return err;
	err = vmpci_vfio_irq_trigger(vmpci_vfio_kernel_backend(w->k), index,
				     0);
	if (err)
		return err;
	if (w->kvm)
		return kvm_world_irr_wait(w->kvm, (uint8_t)data);
	if (read(fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
		return errno == EAGAIN ? 0 : -errno;
	return count > 0;
}

/* ivshmem has no interrupts to enable. */
static bool has_message_irq(const char *type)
{
	return strcmp(type, "ivshmem") != 0;
}

int main(int argc, char **argv)
{
	char *bdfs = getenv("VFIO_BDFS"), *types = getenv("VFIO_DEVICES");
	char *bdf_save = NULL, *type_save = NULL, *bdf, *type;
	unsigned passed = 0, failed = 0;
	struct walk_report *rep;

	bool verbose = false, on_kvm = false;
	struct kvm_world kvm = { NULL, NULL };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--kvm")) {
			on_kvm = true;
		} else {
			fprintf(stderr, "usage: guest_walk [-v] [--kvm]\n");
			return 2;
		}
	}

	/* The heap check needs glibc's tcache off, which only the
	 * environment at startup can do. */
	if (!getenv("GLIBC_TUNABLES")) {
		setenv("GLIBC_TUNABLES", WALK_TUNABLES, 1);
		execv("/proc/self/exe", argv);
		perror("re-executing with GLIBC_TUNABLES");
		return 1;
	}
	if (!bdfs || !types) {
		fprintf(stderr, "VFIO_BDFS and VFIO_DEVICES are not set\n");
		return 1;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return 1;
	bdf = strtok_r(bdfs, " ", &bdf_save);
	type = strtok_r(types, " ", &type_save);
	for (; bdf && type; bdf = strtok_r(NULL, " ", &bdf_save),
			    type = strtok_r(NULL, " ", &type_save)) {
		struct kernel_world kw = { bdf, NULL, on_kvm ? &kvm : NULL };
		struct walk_world w = { type, &kw, begin, end, open_function,
					close_function, deliver, verbose };
		bool ok;
		int err;

		if (!has_message_irq(type))
			continue;
		err = walk_run(&w, rep);
		walk_print(&w, rep);
		/* Each kind of call the kernel backend's flow makes was
		 * failed at least once: a symbol the wrapping missed shows. */
		ok = !err && !rep->nr_problems && rep->points == rep->clean_calls &&
		     rep->kind_points[FAULT_OPEN] && rep->kind_points[FAULT_IOCTL] &&
		     rep->kind_points[FAULT_PREAD] && rep->kind_points[FAULT_PWRITE] &&
		     rep->kind_points[FAULT_MMAP] && rep->kind_points[FAULT_MUNMAP] &&
		     rep->kind_points[FAULT_EVENTFD] && rep->kind_points[FAULT_READLINK];
		printf("%s: every syscall failure of the flow on %s (%s)%s leaves no trace: %llu points, %u problems%s\n",
		       ok ? "PASS" : "FAIL", type, bdf, on_kvm ? " with the KVM host" : "",
		       (unsigned long long)rep->points, rep->nr_problems,
		       err ? " (the fault-free flow failed)" : "");
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	free(rep);
	return failed || !passed;
}
