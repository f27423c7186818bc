/* BARs of a device: sizing from the backend, placement in the VMM's pools,
 * mapping the mappable parts while the guest decodes them, guest moves
 * and the trapped remainder. */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/internal.h"

/* The BAR type from the register the function reports. */
static uint32_t bar_type(uint32_t reg)
{
	if (reg & PCI_BASE_ADDRESS_SPACE_IO)
		return VMPCI_BAR_IO;
	return ((reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				PCI_BASE_ADDRESS_MEM_TYPE_64
			? VMPCI_BAR_MEM64
			: VMPCI_BAR_MEM32) |
	       (reg & PCI_BASE_ADDRESS_MEM_PREFETCH ? VMPCI_BAR_PREFETCH : 0);
}

static int probe_one(struct vmpci_device *dev, unsigned i, uint32_t type)
{
	struct device_bar *b = &dev->bars[i];
	int err;

	err = dev->be.ops->region_info(dev->be.opaque, i, &b->region);
	if (err) {
		/* Every BAR index has region info (size 0 when unimplemented):
		 * a failure is not an absent BAR. */
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "region info of BAR%u: %s", i,
			   strerror(-err));
		return err;
	}
	if (b->region.size == 0)
		return 0; /* unimplemented: the register reads 0 */
	err = vmpci_config_bar_declare(dev->config, i, b->region.size, type);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR,
			   "BAR%u of %llu bytes (type %#x): %s", i,
			   (unsigned long long)b->region.size, type,
			   strerror(-err));
		return err;
	}
	b->type = type;
	b->size = b->region.size;
	return 0;
}

int vmpci__device_bars_probe(struct vmpci_device *dev)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < 6 && !err; i++) {
		/* The config model hides BARs until declared: the type bits
		 * come from the function's registers read at creation. */
		err = probe_one(dev, i, bar_type(dev->bar_regs[i]));
		if (dev->bars[i].type & VMPCI_BAR_MEM64)
			i++; /* the upper half */
	}
	if (!err)
		err = probe_one(dev, VMPCI_BAR_ROM_INDEX, VMPCI_BAR_ROM);
	return err;
}

int vmpci__device_bars_prepare_maps(struct vmpci_device *dev)
{
	struct vmpci_vfio_sparse_params p;
	struct device_bar *b;
	unsigned i;
	int err;

	for (i = 0; i < 6; i++) {
		b = &dev->bars[i];
		if (!(b->type & (VMPCI_BAR_MEM32 | VMPCI_BAR_MEM64)))
			continue;
		memset(&p, 0, sizeof(p));
		p.page_size = dev->page_size;
		p.table_offset = b->table_offset;
		p.table_size = b->table_size;
		p.pba_offset = b->pba_offset;
		p.pba_size = b->pba_size;
		p.exclude = dev->cfg.no_mmap_bars & (1u << i);
		err = vmpci_vfio_sparse_areas(&b->region, &p, &b->sparse);
		if (!err && b->sparse.nr)
			err = vmpci_vfio_bar_map_new(&dev->be, &dev->host, i,
						     &b->sparse, &b->map);
		if (err) {
			vmpci__device_log(dev, VMPCI_LOG_ERROR, "mmap of BAR%u: %s", i,
				   strerror(-err));
			return err;
		}
	}
	return 0;
}

void vmpci__device_bars_teardown(struct vmpci_device *dev)
{
	unsigned i;

	/* The VMM is not told about a device it is freeing. */
	dev->cfg.bar_moved = NULL;
	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		vmpci__device_bar_unplace(dev, i);
		vmpci_vfio_bar_map_free(dev->bars[i].map);
		dev->bars[i].map = NULL;
	}
}

/* Pools that may hold a BAR of this type, in order of preference: a 64-bit
 * BAR goes above 4 GiB when the VMM has such a pool, else below. */
static unsigned candidate_pools(struct vmpci_device *dev, uint32_t type,
				struct vmpci_alloc *pools[2])
{
	unsigned n = 0;

	if (type & VMPCI_BAR_IO) {
		pools[n++] = dev->cfg.pools.io;
	} else {
		if (type & VMPCI_BAR_MEM64)
			pools[n++] = dev->cfg.pools.mmio64;
		pools[n++] = dev->cfg.pools.mmio32;
	}
	return n;
}

/* A device given no pools at all follows the VMM's placement: the VMM
 * owns the guest's address space, so any address it or the guest picks
 * holds the BAR, and vmpci keeps no mirror of that space. */
static bool vmm_owns_space(const struct vmpci_device *dev)
{
	return !dev->cfg.pools.io && !dev->cfg.pools.mmio32 &&
	       !dev->cfg.pools.mmio64;
}

/* The VMM's space holds the BAR where it is placed. */
static bool in_vmm_space(const struct vmpci_device *dev,
			 const struct device_bar *b)
{
	return b->placed && (b->pool || vmm_owns_space(dev));
}

/* The bytes a BAR's mapping covers: more than the BAR when it is smaller
 * than a host page and mapped as its whole page (vmpci_vfio_sparse_areas);
 * 0 when nothing of it is mapped. */
static uint64_t map_span(const struct device_bar *b)
{
	const struct vmpci_vfio_area *last;

	if (!b->map || !b->sparse.nr)
		return 0;
	last = &b->sparse.areas[b->sparse.nr - 1];
	return last->offset + last->size;
}

/* Whether the BAR's range holds everything its mapping covers: only then
 * may it be mapped; else it is trapped whole. */
static bool holds_mapping(const struct device_bar *b)
{
	return map_span(b) <= b->size || b->held >= map_span(b);
}

/* Take `size` bytes at *addr, or anywhere aligned to `align` when *addr is
 * UINT64_MAX, from the first pool of the BAR's type that has them. */
static int take_from_pools(struct vmpci_device *dev, struct device_bar *b,
			   uint64_t size, uint64_t align, uint64_t *addr,
			   struct vmpci_alloc **from)
{
	struct vmpci_alloc *pools[2];
	uint64_t base;
	unsigned i, n = candidate_pools(dev, b->type, pools);
	int err = -ENOSPC;

	for (i = 0; i < n; i++) {
		if (!pools[i])
			continue;
		if (*addr == UINT64_MAX) {
			err = vmpci_alloc_take(pools[i], size, align, &base);
			if (!err)
				*addr = base;
		} else {
			base = vmpci_alloc_base(pools[i]);
			if (*addr < base ||
			    *addr - base >= vmpci_alloc_size(pools[i]))
				continue;
			err = vmpci_alloc_take_at(pools[i], *addr, size, 1);
		}
		if (!err) {
			*from = pools[i];
			return 0;
		}
	}
	return err;
}

/* Take the BAR's range: anywhere (addr UINT64_MAX) or at addr; b->held
 * says how much. A BAR mapped as a whole host page holds that page, so
 * nothing else is placed under its mapping; where the guest puts it off a
 * page boundary, or the rest of the page is taken, it holds its own bytes
 * and is trapped. */
static int take_range(struct vmpci_device *dev, struct device_bar *b,
		      uint64_t *addr, struct vmpci_alloc **from)
{
	uint64_t align = b->size, span = map_span(b);
	int err;

	/* The VMM's own space: no "anywhere" (it says where), any naturally
	 * aligned address taken as it is. A sub-page BAR holds only its
	 * bytes, so it is trapped: vmpci cannot know what else the VMM puts
	 * in that page. */
	if (vmm_owns_space(dev)) {
		*from = NULL;
		b->held = b->size;
		if (*addr == UINT64_MAX)
			return -ENOSPC;
		return *addr & (b->size - 1) ? -EINVAL : 0;
	}

	/* Memory BARs are mapped page by page: never share a page. */
	if (!(b->type & VMPCI_BAR_IO) && align < dev->page_size)
		align = dev->page_size;
	if (span > b->size && (*addr == UINT64_MAX || !(*addr % span)) &&
	    !take_from_pools(dev, b, span, align, addr, from)) {
		b->held = span;
		return 0;
	}
	err = take_from_pools(dev, b, b->size, align, addr, from);
	b->held = err ? 0 : b->size;
	return err;
}

/* Where the guest reaches the BAR, as the VMM was told. */
static uint64_t reach(const struct device_bar *b)
{
	return b->live ? b->addr : VMPCI_DEVICE_BAR_UNMAPPED;
}

static void notify(struct vmpci_device *dev, unsigned index, uint64_t before)
{
	struct device_bar *b = &dev->bars[index];

	if (dev->cfg.bar_moved && reach(b) != before)
		dev->cfg.bar_moved(dev->cfg.opaque, index, before, reach(b),
				   b->size);
}

/* Map the BAR into the guest at its address exactly when the guest
 * decodes it there and the VMM's space holds it; else detach it. Since
 * Linux 5.8 vfio-pci zaps the BAR mmaps while memory decode is off, so a
 * slot left in place would fail the next guest access to it in KVM_RUN
 * with EFAULT. A failed attach leaves the BAR unmapped and is returned. */
static int bar_sync(struct vmpci_device *dev, unsigned index)
{
	struct device_bar *b = &dev->bars[index];
	bool want = in_vmm_space(dev, b) &&
		    vmpci_config_bar_decoding(dev->config, index);
	int err = 0;

	if (want == b->live)
		return 0;
	if (!want) {
		if (b->map)
			vmpci_vfio_bar_map_detach(b->map);
		b->live = false;
		return 0;
	}
	if (b->map && holds_mapping(b))
		err = vmpci_vfio_bar_map_attach(b->map, b->addr);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR,
			   "mapping BAR%u at %#llx: %s: left unmapped", index,
			   (unsigned long long)b->addr, strerror(-err));
		return err;
	}
	b->live = true;
	return 0;
}

void vmpci__device_bars_sync(struct vmpci_device *dev)
{
	uint64_t before;
	unsigned i;

	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		before = reach(&dev->bars[i]);
		bar_sync(dev, i);
		notify(dev, i, before);
	}
}

/* Take the BAR's range (anywhere for UINT64_MAX) and program it; map it
 * when the guest decodes it. `outside_ok`: an address no pool holds is
 * where the guest put the BAR, so it is placed there unmapped. */
static int place(struct vmpci_device *dev, unsigned index, uint64_t addr,
		 bool outside_ok)
{
	struct device_bar *b = &dev->bars[index];
	struct vmpci_alloc *pool = NULL;
	int err;

	err = take_range(dev, b, &addr, &pool);
	if (err == -ENOSPC && outside_ok && addr != UINT64_MAX)
		err = 0;
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "%s BAR%u (%llu bytes) at %#llx: %s",
			   vmm_owns_space(dev) ? "the device has no pools: the VMM places"
					       : "no room for",
			   index, (unsigned long long)b->size,
			   (unsigned long long)addr, strerror(-err));
		return err;
	}
	err = vmpci_config_bar_set_addr(dev->config, index, addr);
	b->addr = addr;
	b->pool = pool;
	b->placed = true;
	if (!err)
		err = bar_sync(dev, index);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "placing BAR%u at %#llx: %s",
			   index, (unsigned long long)addr, strerror(-err));
		vmpci_config_bar_set_addr(dev->config, index, 0);
		vmpci_alloc_release(pool, addr, b->held);
		b->placed = false;
		b->pool = NULL;
		b->addr = 0;
		return err;
	}
	notify(dev, index, VMPCI_DEVICE_BAR_UNMAPPED);
	return 0;
}

int vmpci__device_bar_place_at(struct vmpci_device *dev, unsigned index,
			uint64_t addr)
{
	return place(dev, index, addr, false);
}

int vmpci__device_bar_restore_at(struct vmpci_device *dev, unsigned index,
			  uint64_t addr)
{
	return place(dev, index, addr, true);
}

void vmpci__device_bar_unplace(struct vmpci_device *dev, unsigned index)
{
	struct device_bar *b = &dev->bars[index];
	uint64_t before = reach(b);

	if (!b->placed)
		return;
	if (b->live && b->map)
		vmpci_vfio_bar_map_detach(b->map);
	if (b->pool)
		vmpci_alloc_release(b->pool, b->addr, b->held);
	vmpci_config_bar_set_addr(dev->config, index, 0);
	b->live = false;
	b->placed = false;
	b->pool = NULL;
	b->addr = 0;
	notify(dev, index, before);
}

/* A move lets go of the old range and its mappings. */
static void leave(struct device_bar *b)
{
	if (b->live && b->map)
		vmpci_vfio_bar_map_detach(b->map);
	b->live = false;
	if (b->pool)
		vmpci_alloc_release(b->pool, b->addr, b->held);
	b->pool = NULL;
}

/* The host could not map the BAR where the guest moved it (a slot it
 * refused, not an address outside its space): a move either completes or
 * is rolled back, so the BAR goes back where it was, its register too. */
static void undo_move(struct vmpci_device *dev, unsigned index,
		      uint64_t old_addr, bool was_placed)
{
	struct device_bar *b = &dev->bars[index];
	uint64_t addr = old_addr;

	leave(b);
	b->addr = was_placed ? old_addr : 0;
	b->placed = was_placed;
	if (was_placed && take_range(dev, b, &addr, &b->pool))
		b->pool = NULL;
	vmpci_config_bar_set_addr(dev->config, index, b->addr);
	bar_sync(dev, index);
}

/* The guest reprogrammed BARs or turned their decode on or off (config
 * hook, device lock held), all in one guest write. Every old range is let
 * go before any new one is taken, so BARs trading places (vmpci places
 * top-down, SeaBIOS and Linux bottom-up) never collide with each other.
 * The register is the guest's: a BAR moved where the VMM's pools do not
 * hold it (or onto a range taken elsewhere) is left unmapped until the
 * guest moves it back, never reverted behind the guest's back. Only a
 * host failure to map it rolls the move back. */
void vmpci__device_bars_changed(void *opaque, const struct vmpci_bar_move *moves,
			 unsigned count)
{
	struct vmpci_device *dev = opaque;
	uint64_t before[VMPCI_BAR_COUNT], was_at[VMPCI_BAR_COUNT];
	bool moved[VMPCI_BAR_COUNT], was_placed[VMPCI_BAR_COUNT];
	struct device_bar *b;
	unsigned i;

	for (i = 0; i < count; i++) {
		b = &dev->bars[moves[i].index];
		before[i] = reach(b);
		was_at[i] = b->addr;
		was_placed[i] = b->placed;
		moved[i] = b->type && moves[i].new_addr != b->addr;
		if (moved[i])
			leave(b);
	}
	for (i = 0; i < count; i++) {
		uint64_t addr = moves[i].new_addr;

		if (!moved[i])
			continue;
		b = &dev->bars[moves[i].index];
		b->addr = addr;
		b->placed = true;
		if (take_range(dev, b, &addr, &b->pool)) {
			b->pool = NULL;
			vmpci__device_log(dev, VMPCI_LOG_WARN,
				   "guest moved BAR%u to %#llx, outside the VMM's free space: left unmapped",
				   moves[i].index, (unsigned long long)b->addr);
		}
	}
	for (i = 0; i < count; i++) {
		if (bar_sync(dev, moves[i].index) && moved[i])
			undo_move(dev, moves[i].index, was_at[i],
				  was_placed[i]);
		notify(dev, moves[i].index, before[i]);
	}
}

static bool inside(uint64_t off, unsigned size, uint64_t start, uint64_t len)
{
	return len && off >= start && off - start < len &&
	       size <= len - (off - start);
}

/* Where a trapped access lands. An access that only partly covers the
 * MSI-X table or PBA is malformed: the function must never see table
 * bytes, and the model serves whole fields only. */
enum bar_target { TARGET_BAD, TARGET_TABLE, TARGET_PBA, TARGET_REGION };

static bool overlaps(uint64_t off, unsigned size, uint64_t start, uint64_t len)
{
	return len && off < start + len && start < off + size;
}

static enum bar_target classify(const struct vmpci_device *dev,
				unsigned index, uint64_t offset, unsigned size)
{
	const struct device_bar *b;

	if (index >= VMPCI_BAR_COUNT || !dev->bars[index].type)
		return TARGET_BAD;
	b = &dev->bars[index];
	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    !inside(offset, size, 0, b->size))
		return TARGET_BAD;
	if (!dev->msix)
		return TARGET_REGION;
	if (inside(offset, size, b->table_offset, b->table_size))
		return TARGET_TABLE;
	if (inside(offset, size, b->pba_offset, b->pba_size))
		return TARGET_PBA;
	if (overlaps(offset, size, b->table_offset, b->table_size) ||
	    overlaps(offset, size, b->pba_offset, b->pba_size))
		return TARGET_BAD;
	return TARGET_REGION;
}

int vmpci_device_bar_read(struct vmpci_device *dev, unsigned index,
			  uint64_t offset, unsigned size, void *data)
{
	const struct device_bar *b;
	int err = -EINVAL;

	if (!dev || !data)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	b = &dev->bars[index < VMPCI_BAR_COUNT ? index : 0];
	switch (classify(dev, index, offset, size)) {
	case TARGET_TABLE:
		err = vmpci_msix_table_read(dev->msix, offset - b->table_offset,
					    size, data);
		break;
	case TARGET_PBA:
		err = vmpci_msix_pba_read(dev->msix, offset - b->pba_offset,
					  size, data);
		break;
	case TARGET_REGION:
		err = dev->be.ops->region_read(dev->be.opaque, index, offset,
					       data, size);
		break;
	case TARGET_BAD:
		break;
	}
	if (err)
		memset(data, 0xff, size <= 8 ? size : 8);
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_bar_write(struct vmpci_device *dev, unsigned index,
			   uint64_t offset, unsigned size, const void *data)
{
	const struct device_bar *b;
	int err = -EINVAL;

	if (!dev || !data)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	b = &dev->bars[index < VMPCI_BAR_COUNT ? index : 0];
	switch (classify(dev, index, offset, size)) {
	case TARGET_TABLE:
		err = vmpci_msix_table_write(dev->msix, offset - b->table_offset,
					     size, data);
		break;
	case TARGET_PBA:
		err = 0; /* the PBA is read-only */
		break;
	case TARGET_REGION:
		err = dev->be.ops->region_write(dev->be.opaque, index, offset,
						data, size);
		break;
	case TARGET_BAD:
		break;
	}
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_bar_get(struct vmpci_device *dev, unsigned index,
			 struct vmpci_device_bar *out)
{
	struct device_bar *b;

	if (!dev || !out || index >= VMPCI_BAR_COUNT)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	b = &dev->bars[index];
	memset(out, 0, sizeof(*out));
	out->type = b->type;
	out->size = b->size;
	out->addr = b->addr;
	out->placed = b->placed;
	out->outside = b->placed && !in_vmm_space(dev, b);
	out->reached = b->live;
	/* A placed BAR that does not hold its mapping's page is trapped. */
	if (b->map && (!b->placed || holds_mapping(b))) {
		out->nr_mapped = b->sparse.nr;
		memcpy(out->mapped, b->sparse.areas,
		       sizeof(b->sparse.areas[0]) * b->sparse.nr);
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
