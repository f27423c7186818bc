/* The device object on the real vfio-pci driver, in a QEMU guest (run by
 * tests/vfio_guest): for every function in $VFIO_BDFS,
 *  - every pass-through bit of the guest-visible config space equals what
 *    the VFIO config region holds now (the model serves some registers
 *    without asking the function: it must never show a stale one), after
 *    the guest enabled the function, after writes of cached registers and,
 *    on a function with FLR, after an FLR the guest started;
 *  - a BAR smaller than a host page (ivshmem's 256-byte registers) is
 *    mapped as its whole page, and accesses through that mapping reach
 *    the same registers as trapped accesses.
 * Prints one PASS/FAIL line per check and "N passed, M failed"; exits 1 if
 * anything failed. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device/device.h"
#include "device/state.h"
#include "host/host.h"
#include "pci/config.h"
#include "tests/support/host_recorder.h"
#include "tools/null_host.h"
#include "vfio/backend.h"
#include "vfio/kernel.h"
#include "vmpci.h"

static unsigned passed, failed;

static void check(bool pass, const char *bdf, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool pass, const char *bdf, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s: ", pass ? "PASS" : "FAIL", bdf);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (pass)
		passed++;
	else
		failed++;
}

/* A VMM without a VM (the tool's null host) behind the recording host,
 * which keeps where each guest mapping points. */
struct rec {
	struct null_host nh;
	struct vmpci_test_host rec;
};

static void rec_init(struct rec *r)
{
	null_host_init(&r->nh, true);
	vmpci_test_host_init(&r->rec, &r->nh.host);
}

static uint32_t dev_read(struct vmpci_device *dev, uint16_t off, unsigned size)
{
	uint32_t v = 0;

	vmpci_device_config_read(dev, off, size, &v);
	return v;
}

/* Every dword: the bits the device passes through against one read of the
 * VFIO config region. */
static void compare_config(const char *bdf, const char *when,
			   struct vmpci_device *dev,
			   const struct vmpci_vfio_backend *be)
{
	static struct vmpci_device_state st;
	uint16_t size, off, bad = 0;
	uint32_t mism = 0, dv, emul, pt = 0;
	uint8_t raw[4096];
	int err;

	memset(&st, 0, sizeof(st));
	err = vmpci_device_state_get(dev, &st);
	size = st.config.size;
	if (!err)
		err = be->ops->region_read(be->opaque,
					   VFIO_PCI_CONFIG_REGION_INDEX, 0, raw,
					   size);
	for (off = 0; !err && off < size; off += 4) {
		emul = (uint32_t)st.config.emulated[off] |
		       (uint32_t)st.config.emulated[off + 1] << 8 |
		       (uint32_t)st.config.emulated[off + 2] << 16 |
		       (uint32_t)st.config.emulated[off + 3] << 24;
		dv = dev_read(dev, off, 4);
		pt += __builtin_popcount(~emul);
		if ((dv ^ ((uint32_t)raw[off] | (uint32_t)raw[off + 1] << 8 |
			   (uint32_t)raw[off + 2] << 16 |
			   (uint32_t)raw[off + 3] << 24)) & ~emul) {
			if (!mism++)
				bad = off;
		}
	}
	vmpci_device_state_release(&st);
	check(!err && !mism, bdf,
	      "%s: %u pass-through bits of %u bytes read through the device "
	      "equal the VFIO config region (%d; %u dwords differ, first at "
	      "0x%03x)", when, pt, size, err, mism, bad);
}

static uint16_t find_cap(struct vmpci_device *dev, uint8_t id)
{
	struct vmpci_cap cap;

	for (size_t i = 0; vmpci_device_cap_get(dev, i, &cap) == 0; i++)
		if (!(cap.flags & (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN)) &&
		    cap.id == id)
			return cap.offset;
	return 0;
}

/* Linux's enable sequence and a few writes of cached registers; an FLR
 * when the function has one. */
static void config_checks(const char *bdf, struct vmpci_device *dev,
			  const struct vmpci_vfio_backend *be)
{
	uint16_t exp = find_cap(dev, PCI_CAP_ID_EXP), cmd;

	compare_config(bdf, "after creation", dev, be);
	cmd = (uint16_t)dev_read(dev, PCI_COMMAND, 2);
	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  cmd | PCI_COMMAND_MEMORY |
					  PCI_COMMAND_MASTER |
					  PCI_COMMAND_PARITY);
	dev_read(dev, PCI_COMMAND, 2);
	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  dev_read(dev, PCI_COMMAND, 2));
	if (exp) {
		uint32_t devctl = dev_read(dev, exp + PCI_EXP_DEVCTL, 2);

		vmpci_device_config_write(dev, exp + PCI_EXP_DEVCTL, 2,
					  devctl ^ PCI_EXP_DEVCTL_RELAX_EN);
		dev_read(dev, exp + PCI_EXP_DEVCTL, 2);
	}
	compare_config(bdf, "after enabling and control writes", dev, be);
	if (exp && (dev_read(dev, exp + PCI_EXP_DEVCAP, 4) &
		    PCI_EXP_DEVCAP_FLR)) {
		uint32_t devctl = dev_read(dev, exp + PCI_EXP_DEVCTL, 2);

		vmpci_device_config_write(dev, exp + PCI_EXP_DEVCTL, 2,
					  devctl | PCI_EXP_DEVCTL_BCR_FLR);
		compare_config(bdf, "after an FLR", dev, be);
	}
}

/* A sub-page BAR: one host page mapped at the BAR's page-aligned address;
 * a write through the mapping is read back trapped, and the other way. */
static unsigned sub_page_checks(const char *bdf, struct vmpci_device *dev,
				struct rec *rec)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned seen = 0;

	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		struct vmpci_device_bar b;
		const struct vmpci_test_held *slot;
		volatile uint32_t *p = NULL;
		uint32_t v = 0x5a5a5a5a, back = 0, via_map;

		if (vmpci_device_bar_get(dev, i, &b) || !b.type ||
		    (b.type & VMPCI_BAR_IO) || b.size >= (uint64_t)page)
			continue;
		seen++;
		slot = vmpci_test_host_slot_at(&rec->rec, b.addr);
		if (slot && slot->gpa == b.addr)
			p = slot->host_addr;
		check(b.nr_mapped == 1 && b.mapped[0].size == (uint64_t)page &&
			      b.addr % (uint64_t)page == 0 && p,
		      bdf,
		      "BAR%u of %llu bytes: %u areas, first of %llu bytes, "
		      "guest address 0x%llx, host mapping %p", i,
		      (unsigned long long)b.size, b.nr_mapped,
		      (unsigned long long)b.mapped[0].size,
		      (unsigned long long)b.addr, (void *)p);
		if (!p)
			continue;
		/* ivshmem: 0x0 is the interrupt mask register (RW). */
		p[0] = v;
		vmpci_device_bar_read(dev, i, 0, 4, &back);
		v = 0x0000ffff;
		vmpci_device_bar_write(dev, i, 0, 4, &v);
		via_map = p[0];
		check(back == 0x5a5a5a5a && via_map == v, bdf,
		      "BAR%u register 0: written through the mapping, read "
		      "trapped 0x%08x; written trapped, read through the "
		      "mapping 0x%08x", i, back, via_map);
	}
	return seen;
}

static void test_function(const char *bdf)
{
	static struct rec rec;
	struct vmpci_vfio_kernel_params kc;
	struct vmpci_vfio_kernel *k = NULL;
	struct vmpci_device_params c;
	struct vmpci_device *dev = NULL;
	struct vmpci_alloc *io = NULL, *m32 = NULL, *m64 = NULL;
	const struct vmpci_host *host = &rec.rec.host;
	int err;

	rec_init(&rec);
	vmpci_vfio_kernel_params_init(&kc, bdf);
	kc.host = host;
	err = vmpci_vfio_kernel_open(&kc, &k);
	if (!err)
		err = vmpci_alloc_new(0xc000, 0x4000, &io);
	if (!err)
		err = vmpci_alloc_new(0xc0000000, 0x20000000, &m32);
	if (!err)
		err = vmpci_alloc_new(0x100000000ull, 0x100000000ull, &m64);
	if (!err) {
		vmpci_device_params_init(&c, vmpci_vfio_kernel_backend(k),
					 host);
		c.name = "guest0";
		c.pools.io = io;
		c.pools.mmio32 = m32;
		c.pools.mmio64 = m64;
		err = vmpci_device_new(&c, &dev);
	}
	if (!err)
		err = vmpci_device_place_bars(dev);
	check(!err, bdf, "device on the kernel backend, BARs placed: %d", err);
	if (!err) {
		struct vmpci_device_identity id;
		unsigned sub;

		config_checks(bdf, dev, vmpci_vfio_kernel_backend(k));
		sub = sub_page_checks(bdf, dev, &rec);
		vmpci_device_identity_get(dev, &id);
		/* ivshmem's register BAR is the case this suite is for. */
		if (id.vendor == 0x1af4 && id.device == 0x1110)
			check(sub == 1, bdf, "ivshmem: %u sub-page BARs", sub);
	}
	vmpci_device_free(dev);
	vmpci_alloc_free(io);
	vmpci_alloc_free(m32);
	vmpci_alloc_free(m64);
	vmpci_vfio_kernel_free(k);
}

int main(void)
{
	const char *env = getenv("VFIO_BDFS");
	char *list, *tok, *save = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!env || !*env) {
		printf("VFIO_BDFS is empty\n0 passed, 1 failed\n");
		return 1;
	}
	list = strdup(env);
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		test_function(tok);
	free(list);
	printf("%u passed, %u failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
