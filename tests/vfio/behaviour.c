/* Behavioural checks: identity, device/region/IRQ info, config
 * virtualization (BAR sizing, Command), reset and device features. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/vfio/behaviour.h"
#include "tests/vfio/behaviour_util.h"

void vb_result(struct vb_report *r, bool pass, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "[%s] ", r->device ? r->device : "-");
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	r->result(r->opaque, pass, msg);
}

uint32_t vb_cfg_read(const struct vmpci_vfio_backend *be, uint32_t off,
		     uint32_t size)
{
	uint8_t b[4] = { 0xff, 0xff, 0xff, 0xff };
	uint32_t v = 0, i;

	if (be->ops->region_read(be->opaque, VFIO_PCI_CONFIG_REGION_INDEX, off,
				 b, size))
		return UINT32_MAX;
	for (i = 0; i < size; i++)
		v |= (uint32_t)b[i] << 8 * i;
	return v;
}

int vb_cfg_write(const struct vmpci_vfio_backend *be, uint32_t off,
		 uint32_t size, uint32_t value)
{
	uint8_t b[4];
	uint32_t i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)(value >> 8 * i);
	return be->ops->region_write(be->opaque, VFIO_PCI_CONFIG_REGION_INDEX,
				     off, b, size);
}

uint32_t vb_find_cap(const struct vmpci_vfio_backend *be, uint8_t id)
{
	uint32_t pos, n;

	if (!(vb_cfg_read(be, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = vb_cfg_read(be, PCI_CAPABILITY_LIST, 1) & ~3u;
	for (n = 0; pos >= 0x40 && pos < 0x100 && n < 48; n++) {
		if (vb_cfg_read(be, pos, 1) == id)
			return pos;
		pos = vb_cfg_read(be, pos + 1, 1) & ~3u;
	}
	return 0;
}

int vb_eventfd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

uint64_t vb_eventfd_take(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

int vb_identify(const struct vmpci_vfio_backend *be, uint16_t *vendor,
		uint16_t *device)
{
	uint8_t b[4];
	int err;

	err = be->ops->region_read(be->opaque, VFIO_PCI_CONFIG_REGION_INDEX, 0,
				   b, sizeof(b));
	if (err)
		return err;
	*vendor = (uint16_t)(b[0] | b[1] << 8);
	*device = (uint16_t)(b[2] | b[3] << 8);
	return 0;
}

void vb_check_device_info(struct vb_report *r, const struct vb_expect *e,
			  const struct vmpci_vfio_backend *be)
{
	struct vmpci_vfio_device_info di;
	uint32_t want = VFIO_DEVICE_FLAGS_PCI |
			(e->reset ? VFIO_DEVICE_FLAGS_RESET : 0);
	int err = be->ops->device_info(be->opaque, &di);

	vb_result(r, !err && di.flags == want && di.num_regions == 9 &&
			     di.num_irqs == 5,
		  "device info: err %d flags 0x%x (want 0x%x) regions %u irqs %u",
		  err, di.flags, want, di.num_regions, di.num_irqs);
}

void vb_check_regions(struct vb_report *r, const struct vb_expect *e,
		      const struct vmpci_vfio_backend *be)
{
	struct vmpci_vfio_region ri;
	uint32_t i;
	int err;

	for (i = 0; i < 7; i++) {
		const struct vb_region *w = &e->bar[i];

		err = be->ops->region_info(be->opaque, i, &ri);
		vb_result(r, !err && ri.index == i && ri.size == w->size &&
				     ri.flags == w->flags && ri.caps == w->caps &&
				     ri.offset == (uint64_t)i << 40,
			  "region %u: err %d size 0x%llx flags 0x%x caps 0x%x "
			  "offset 0x%llx (want size 0x%llx flags 0x%x caps 0x%x)",
			  i, err, (unsigned long long)ri.size, ri.flags, ri.caps,
			  (unsigned long long)ri.offset,
			  (unsigned long long)w->size, w->flags, w->caps);
	}
	err = be->ops->region_info(be->opaque, VFIO_PCI_CONFIG_REGION_INDEX,
				   &ri);
	vb_result(r, !err && ri.size == e->config_size &&
			     ri.flags == (VFIO_REGION_INFO_FLAG_READ |
					  VFIO_REGION_INFO_FLAG_WRITE),
		  "config region: err %d size 0x%llx flags 0x%x (want 0x%x)",
		  err, (unsigned long long)ri.size, ri.flags, e->config_size);
	err = be->ops->region_info(be->opaque, VFIO_PCI_VGA_REGION_INDEX, &ri);
	vb_result(r, err == -EINVAL, "VGA region info on a non-VGA function: %d "
		  "(want -EINVAL)", err);
}

void vb_check_irq_info(struct vb_report *r, const struct vb_expect *e,
		       const struct vmpci_vfio_backend *be)
{
	struct vmpci_vfio_irq_info ii;
	uint32_t i, want;
	int err;

	for (i = 0; i < 5; i++) {
		err = be->ops->irq_info(be->opaque, i, &ii);
		if (e->irq_count[i] < 0) {
			vb_result(r, err == -EINVAL,
				  "irq %u info: %d (want -EINVAL: not PCIe)", i,
				  err);
			continue;
		}
		want = VFIO_IRQ_INFO_EVENTFD |
		       (i == VFIO_PCI_INTX_IRQ_INDEX ?
				VFIO_IRQ_INFO_MASKABLE |
					VFIO_IRQ_INFO_AUTOMASKED :
				VFIO_IRQ_INFO_NORESIZE);
		vb_result(r, !err && ii.count == (uint32_t)e->irq_count[i] &&
				     ii.flags == want,
			  "irq %u info: err %d count %u flags 0x%x (want %d, "
			  "0x%x)", i, err, ii.count, ii.flags, e->irq_count[i],
			  want);
	}
}

static uint64_t probe_bar(const struct vmpci_vfio_backend *be, uint32_t reg,
			  bool *mem64)
{
	uint32_t off = PCI_BASE_ADDRESS_0 + 4 * reg;
	uint32_t orig = vb_cfg_read(be, off, 4), lo, hi = 0, orig_hi = 0;

	*mem64 = !(orig & PCI_BASE_ADDRESS_SPACE_IO) &&
		 (orig & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			 PCI_BASE_ADDRESS_MEM_TYPE_64 && reg < 5;
	vb_cfg_write(be, off, 4, UINT32_MAX);
	lo = vb_cfg_read(be, off, 4);
	if (*mem64) {
		orig_hi = vb_cfg_read(be, off + 4, 4);
		vb_cfg_write(be, off + 4, 4, UINT32_MAX);
		hi = vb_cfg_read(be, off + 4, 4);
		vb_cfg_write(be, off + 4, 4, orig_hi);
	}
	vb_cfg_write(be, off, 4, orig);
	if (!lo && !hi)
		return 0;
	if (orig & PCI_BASE_ADDRESS_SPACE_IO)
		return (uint32_t)(~(lo & ~3u) + 1);
	if (*mem64)
		return ~(((uint64_t)hi << 32) | (lo & ~0xfu)) + 1;
	return (uint32_t)(~(lo & ~0xfu) + 1);
}

void vb_check_bar_sizing(struct vb_report *r, const struct vb_expect *e,
			 const struct vmpci_vfio_backend *be)
{
	uint32_t reg, orig, after, rom;
	uint64_t size;
	bool mem64;

	for (reg = 0; reg < 6; reg++) {
		orig = vb_cfg_read(be, PCI_BASE_ADDRESS_0 + 4 * reg, 4);
		size = probe_bar(be, reg, &mem64);
		after = vb_cfg_read(be, PCI_BASE_ADDRESS_0 + 4 * reg, 4);
		vb_result(r, size == e->bar[reg].size && after == orig,
			  "BAR%u sizing through config: 0x%llx (want 0x%llx)%s, "
			  "restored 0x%08x (was 0x%08x)", reg,
			  (unsigned long long)size,
			  (unsigned long long)e->bar[reg].size,
			  mem64 ? " 64-bit" : "", after, orig);
		if (mem64)
			reg++;
	}
	orig = vb_cfg_read(be, PCI_ROM_ADDRESS, 4);
	vb_cfg_write(be, PCI_ROM_ADDRESS, 4, UINT32_MAX);
	rom = vb_cfg_read(be, PCI_ROM_ADDRESS, 4);
	vb_cfg_write(be, PCI_ROM_ADDRESS, 4, orig);
	size = rom ? (uint32_t)(~(rom & PCI_ROM_ADDRESS_MASK) + 1) : 0;
	vb_result(r, size == e->bar[6].size,
		  "ROM sizing through config: 0x%llx (read 0x%08x, want 0x%llx)",
		  (unsigned long long)size, rom,
		  (unsigned long long)e->bar[6].size);
}

void vb_check_command(struct vb_report *r, const struct vb_expect *e,
		      const struct vmpci_vfio_backend *be)
{
	const uint32_t wmask = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			       PCI_COMMAND_MASTER | PCI_COMMAND_SERR |
			       PCI_COMMAND_INTX_DISABLE;
	uint32_t orig = vb_cfg_read(be, PCI_COMMAND, 2), all, mm;

	(void)e;
	vb_cfg_write(be, PCI_COMMAND, 2, 0xffff);
	all = vb_cfg_read(be, PCI_COMMAND, 2);
	vb_cfg_write(be, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	mm = vb_cfg_read(be, PCI_COMMAND, 2);
	vb_cfg_write(be, PCI_COMMAND, 2, orig);
	vb_result(r, all == wmask &&
			     mm == (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER) &&
			     vb_cfg_read(be, PCI_COMMAND, 2) == orig,
		  "Command: 0xffff reads 0x%04x (want 0x%04x), MEMORY|MASTER "
		  "reads 0x%04x, restored", all, wmask, mm);
}

void vb_check_reset(struct vb_report *r, const struct vb_expect *e,
		    const struct vmpci_vfio_backend *be)
{
	uint16_t vendor = 0, device = 0;
	int err = be->ops->reset(be->opaque);

	vb_identify(be, &vendor, &device);
	vb_result(r, err == (e->reset ? 0 : -EINVAL) && vendor == e->vendor,
		  "reset: %d (want %d), vendor 0x%04x afterwards", err,
		  e->reset ? 0 : -EINVAL, vendor);
}

void vb_check_features(struct vb_report *r, const struct vb_expect *e,
		       const struct vmpci_vfio_backend *be)
{
	uint8_t state[8] = { 0 };
	int probe, get;

	(void)e;
	probe = be->ops->device_feature(be->opaque,
					VFIO_DEVICE_FEATURE_PROBE |
						VFIO_DEVICE_FEATURE_MIGRATION,
					NULL, 0);
	get = be->ops->device_feature(be->opaque,
				      VFIO_DEVICE_FEATURE_GET |
					      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
				      state, sizeof(state));
	vb_result(r, probe == -ENOTTY && get == -ENOTTY,
		  "migration features without a migration driver: probe %d, "
		  "get state %d (want -ENOTTY)", probe, get);
}

const struct vb_check vb_checks[] = {
	{ "DeviceInfo", vb_check_device_info },
	{ "Regions", vb_check_regions },
	{ "IrqInfo", vb_check_irq_info },
	{ "BarSizing", vb_check_bar_sizing },
	{ "Command", vb_check_command },
	{ "Msi", vb_check_msi },
	{ "Msix", vb_check_msix },
	{ "Intx", vb_check_intx },
	{ "SparseMap", vb_check_sparse_map },
	{ "Scratch", vb_check_scratch },
	{ "Dma", vb_check_dma },
	{ "Features", vb_check_features },
	{ "Reset", vb_check_reset },
};

const unsigned vb_nr_checks = sizeof(vb_checks) / sizeof(vb_checks[0]);
