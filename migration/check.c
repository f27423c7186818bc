/* Everything a snapshot state must satisfy on its own, before any device
 * sees it, named by the document's JSON paths: the document's own rules
 * (identity against the image, zero bytes where it carries nothing) here,
 * every rule of a state's content asked of the device and its models. The
 * writer runs it so a bad state never becomes a document; the parser runs
 * it after decoding. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <string.h>

#include "device/state_check.h"
#include "migration/snapshot_internal.h"
#include "pci/state_check.h"

#define FAIL(...) vmpci__why(err, errlen, -EINVAL, __VA_ARGS__)

/* Every byte zero: the first, then each equal to the one before it. */
static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	return !n || (!b[0] && !memcmp(b, b + 1, n - 1));
}

static uint32_t le(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

/* The identity registers the config image carries (read at creation, like
 * the identity itself). */
static int check_identity(const struct vmpci_device_state *st, char *err,
			  size_t errlen)
{
	const struct vmpci_device_identity *id = &st->identity;
	const uint8_t *img = st->config.image;
	const struct {
		const char *field;
		uint32_t value;
		uint16_t offset;
		unsigned size;
	} regs[] = {
		{ "vendor", id->vendor, PCI_VENDOR_ID, 2 },
		{ "device", id->device, PCI_DEVICE_ID, 2 },
		{ "revision", id->revision, PCI_REVISION_ID, 1 },
		{ "class", id->class_code, PCI_CLASS_PROG, 3 },
		{ "subsystem_vendor", id->subsystem_vendor,
		  PCI_SUBSYSTEM_VENDOR_ID, 2 },
		{ "subsystem", id->subsystem, PCI_SUBSYSTEM_ID, 2 },
	};

	if (!memchr(st->name, '\0', sizeof(st->name)))
		return FAIL("identity.name: not NUL-terminated");
	if (!vmpci__config_size_valid(id->config_size))
		return FAIL("identity.config_size: %u, expected 256 or 4096",
			    id->config_size);
	if (st->config.size != id->config_size)
		return FAIL("config.size: %u, but identity.config_size is %u",
			    st->config.size, id->config_size);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (le(img + regs[i].offset, regs[i].size) != regs[i].value)
			return FAIL("identity.%s: 0x%x, but config.image has 0x%x at 0x%02x",
				    regs[i].field, regs[i].value,
				    le(img + regs[i].offset, regs[i].size),
				    regs[i].offset);
	return 0;
}

/* Zero bytes where the document carries nothing: past the config space,
 * in a section that is null, past the MSI-X table. */
static int check_unwritten(const struct vmpci_device_state *st, char *err,
			   size_t errlen)
{
	const struct vmpci_config_state *cs = &st->config;
	size_t rest = VMPCI_CONFIG_SPACE_MAX - cs->size;
	uint32_t n = st->msix.nr_entries;

	if (!all_zero(cs->image + cs->size, rest) ||
	    !all_zero(cs->emulated + cs->size, rest) ||
	    !all_zero(cs->writable + cs->size, rest) ||
	    !all_zero(cs->w1c + cs->size, rest))
		return FAIL("config: bytes past the %u-byte config space are not zero",
			    cs->size);
	if (!st->has_msi && !all_zero(&st->msi, sizeof(st->msi)))
		return FAIL("msi: null, but the state has MSI values");
	if (!st->has_msix && !all_zero(&st->msix, sizeof(st->msix)))
		return FAIL("msix: null, but the state has MSI-X values");
	if (st->has_msix && n <= VMPCI_MSIX_MAX_VECTORS &&
	    !all_zero(st->msix.entries + n, (VMPCI_MSIX_MAX_VECTORS - n) *
						    sizeof(st->msix.entries[0])))
		return FAIL("msix.entries: entries past nr_entries %u are not zero",
			    n);
	if (!st->has_intx && (st->intx.enabled || st->intx.masked ||
			      st->intx.pending))
		return FAIL("intx: null, but the state has INTx values");
	if (!st->regs.saved && !all_zero(&st->regs, sizeof(st->regs)))
		return FAIL("registers: null, but the state has register values");
	return 0;
}

/* The document lists implemented BARs by position, not by index: a reason
 * about "config.bars[<index>]" names "bars[<position>]". */
static int bar_path(const struct vmpci_device_state *st, int rc,
		    const char *why, char *err, size_t errlen)
{
	unsigned index, pos = 0;
	int at = 0;

	if (sscanf(why, "config.bars[%u]%n", &index, &at) != 1 || !at ||
	    index >= VMPCI_BAR_COUNT)
		return vmpci__why(err, errlen, rc, "%s", why);
	if (!st->config.bars[index].size)
		return vmpci__why(err, errlen, rc, "bars: BAR %u%s", index,
				  why + at);
	for (unsigned i = 0; i < index; i++)
		pos += st->config.bars[i].size != 0;
	return vmpci__why(err, errlen, rc, "bars[%u]%s", pos, why + at);
}

int vmpci__snapshot_check(const struct vmpci_device_state *st, char *err,
			  size_t errlen)
{
	char why[VMPCI__SNAPSHOT_ERR_MAX];
	int rc;

	if (!st)
		return vmpci__why(err, errlen, -EINVAL, "no state");
	rc = check_identity(st, err, errlen);
	if (!rc)
		rc = check_unwritten(st, err, errlen);
	if (rc)
		return rc;
	rc = vmpci__device_state_explain(st, why, sizeof(why));
	return rc ? bar_path(st, rc, why, err, errlen) : 0;
}
