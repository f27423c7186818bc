/* config_compare: what two VMMs' guests see of the same functions.
 *
 * usage: config_compare CONSOLE ALLOWED VMM-A VMM-B SCENARIO ID...
 *
 * CONSOLE holds the suite's "CONFIG <vmm> <scenario> <vendor>:<device> <hex
 * bytes>" lines, the config space the nested guest read from sysfs (trailing
 * zero bytes left out). For every function ID (vendor:device) given, which
 * both VMMs' guests must have seen, it compares
 * the identity, the header's fixed registers and every standard and extended
 * capability in order, field by field, leaving out only what the guest or
 * its driver programs (addresses, enables, control and status registers).
 * Each difference is printed as
 *     DIFF <vendor>:<device> <field> <vmm-a value> <vmm-b value> <verdict>
 * where the verdict is "listed" when ALLOWED names the field (lines
 * "<vendor>:<device>|* <field> <reason...>", '#' comments) and "UNLISTED"
 * otherwise. Exit status: 0 when every difference is listed, 1 when one is
 * not or a function is missing from a side, 2 on bad input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_SIZE 4096
#define MAX_FUNCS 16
#define MAX_ALLOWED 64

struct func {
	char id[16];
	uint8_t cfg[CFG_SIZE];
	size_t len;
};

struct side {
	struct func f[MAX_FUNCS];
	int n;
};

struct allowed {
	char id[16];
	char field[48];
};

static struct allowed allow[MAX_ALLOWED];
static int n_allow;
static int unlisted;

/* A field compared under a mask: the bits set in mask must agree. */
struct field {
	const char *name;
	uint16_t off;
	uint8_t size;
	uint32_t mask;
};

static uint32_t get(const struct func *f, unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		if (off + i < CFG_SIZE)
			v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

static int listed(const char *id, const char *field)
{
	for (int i = 0; i < n_allow; i++)
		if ((!strcmp(allow[i].id, "*") || !strcmp(allow[i].id, id)) &&
		    !strcmp(allow[i].field, field))
			return 1;
	return 0;
}

static void differ(const char *id, const char *field, uint32_t a, uint32_t b)
{
	int ok = listed(id, field);

	printf("DIFF %s %s 0x%x 0x%x %s\n", id, field, a, b,
	       ok ? "listed" : "UNLISTED");
	unlisted += !ok;
}

static void compare_field(const struct func *a, const struct func *b,
			  unsigned base_a, unsigned base_b, const char *prefix,
			  const struct field *fl)
{
	uint32_t va = get(a, base_a + fl->off, fl->size) & fl->mask;
	uint32_t vb = get(b, base_b + fl->off, fl->size) & fl->mask;
	char name[48];

	if (va == vb)
		return;
	snprintf(name, sizeof(name), "%s%s", prefix, fl->name);
	differ(a->id, name, va, vb);
}

/* The header: identity and what the function fixes; BAR addresses, COMMAND,
 * STATUS's live bits, latency timer and interrupt line are the guest's. */
static const struct field header[] = {
	{ "vendor-device", 0x00, 4, 0xffffffff },
	{ "status.cap-list", 0x06, 2, 0x0010 },
	{ "revision-class", 0x08, 4, 0xffffffff },
	{ "header-type", 0x0e, 1, 0xff },
	{ "subsystem", 0x2c, 4, 0xffffffff },
	{ "interrupt-pin", 0x3d, 1, 0xff },
};

/* Per capability ID, its read-only registers; the rest is programmed. */
struct cap_rule {
	uint8_t id;
	const char *name;
	struct field fields[6];
};

static const struct cap_rule cap_rules[] = {
	{ 0x01, "pm", { { "pmc", 2, 2, 0xffff } } },
	{ 0x05, "msi", { { "control.ro", 2, 2, 0x018e } } },
	{ 0x09, "vendor", { { "length", 2, 1, 0xff } } },
	{ 0x10, "pcie", { { "caps", 2, 2, 0xffff }, { "devcap", 4, 4, 0xffffffff },
			  { "lnkcap", 12, 4, 0xffffffff }, { "devcap2", 0x24, 4, 0xffffffff },
			  { "lnkcap2", 0x2c, 4, 0xffffffff } } },
	{ 0x11, "msix", { { "table-size", 2, 2, 0x07ff }, { "table", 4, 4, 0xffffffff },
			  { "pba", 8, 4, 0xffffffff } } },
};

static const struct cap_rule *rule_for(uint8_t id)
{
	for (size_t i = 0; i < sizeof(cap_rules) / sizeof(cap_rules[0]); i++)
		if (cap_rules[i].id == id)
			return &cap_rules[i];
	return NULL;
}

/* caps: offsets of the standard capabilities, in list order. */
static int std_caps(const struct func *f, uint16_t *offs, int max)
{
	int n = 0;
	unsigned off = f->cfg[0x34] & 0xfc;

	if (!(get(f, 0x06, 2) & 0x10))
		return 0;
	while (off >= 0x40 && n < max) {
		offs[n++] = (uint16_t)off;
		off = f->cfg[off + 1] & 0xfc;
	}
	return n;
}

static int ext_caps(const struct func *f, uint16_t *offs, int max)
{
	int n = 0;
	unsigned off = 0x100;

	while (off >= 0x100 && off < CFG_SIZE && n < max) {
		uint32_t h = get(f, off, 4);

		if (!h || h == 0xffffffff)
			break;
		offs[n++] = (uint16_t)off;
		off = (h >> 20) & 0xffc;
	}
	return n;
}

/* What the guest sees of a function, for the record: its capability IDs in
 * list order, standard then extended. */
static void print_caps(const struct func *f)
{
	uint16_t offs[48];
	int n = std_caps(f, offs, 48);

	printf("SEEN %s caps", f->id);
	for (int i = 0; i < n; i++)
		printf(" %02x@%02x", f->cfg[offs[i]], offs[i]);
	n = ext_caps(f, offs, 48);
	printf(" ecaps");
	for (int i = 0; i < n; i++)
		printf(" %04x@%03x", (unsigned)get(f, offs[i], 2), offs[i]);
	printf("\n");
}

static void compare(const struct func *a, const struct func *b)
{
	uint16_t ca[48], cb[48];
	int na, nb;
	char name[48];

	for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
		compare_field(a, b, 0, 0, "", &header[i]);

	na = std_caps(a, ca, 48);
	nb = std_caps(b, cb, 48);
	for (int i = 0; i < na || i < nb; i++) {
		uint8_t ida = i < na ? a->cfg[ca[i]] : 0;
		uint8_t idb = i < nb ? b->cfg[cb[i]] : 0;
		const struct cap_rule *r;

		snprintf(name, sizeof(name), "cap%d.id", i);
		if (ida != idb) {
			differ(a->id, name, ida, idb);
			continue;
		}
		r = rule_for(ida);
		if (!r)
			continue;
		snprintf(name, sizeof(name), "%s.", r->name);
		for (int k = 0; k < 6 && r->fields[k].name; k++)
			compare_field(a, b, ca[i], cb[i], name, &r->fields[k]);
	}

	na = ext_caps(a, ca, 48);
	nb = ext_caps(b, cb, 48);
	for (int i = 0; i < na || i < nb; i++) {
		uint16_t ida = i < na ? (uint16_t)get(a, ca[i], 2) : 0;
		uint16_t idb = i < nb ? (uint16_t)get(b, cb[i], 2) : 0;

		snprintf(name, sizeof(name), "ecap%d.id", i);
		if (ida != idb)
			differ(a->id, name, ida, idb);
	}
}

static int parse_hex(const char *s, struct func *f)
{
	char *end;

	f->len = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 16);

		if (end == s)
			break;
		if (v > 0xff || f->len >= CFG_SIZE)
			return -1;
		f->cfg[f->len++] = (uint8_t)v;
		s = end;
	}
	return f->len >= 4 ? 0 : -1;
}

static int load(const char *path, const char *vmm, const char *scenario,
		struct side *side)
{
	static char line[CFG_SIZE * 3 + 256];
	FILE *in = fopen(path, "r");

	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in)) {
		char v[32], sc[64], id[16];
		int pos = 0;
		struct func *f;

		if (sscanf(line, "CONFIG %31s %63s %15s %n", v, sc, id, &pos) != 3 ||
		    strcmp(v, vmm) || strcmp(sc, scenario) || side->n >= MAX_FUNCS)
			continue;
		f = &side->f[side->n];
		memset(f, 0, sizeof(*f));
		snprintf(f->id, sizeof(f->id), "%s", id);
		if (parse_hex(line + pos, f)) {
			fprintf(stderr, "config_compare: bad dump of %s under %s\n", id, vmm);
			fclose(in);
			return -1;
		}
		side->n++;
	}
	fclose(in);
	return 0;
}

static int load_allowed(const char *path)
{
	char line[256];
	FILE *in = fopen(path, "r");

	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in) && n_allow < MAX_ALLOWED)
		if (line[0] != '#' &&
		    sscanf(line, "%15s %47s", allow[n_allow].id, allow[n_allow].field) == 2)
			n_allow++;
	fclose(in);
	return 0;
}

static const struct func *find(const struct side *s, const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->f[i].id, id))
			return &s->f[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static struct side a, b;
	int missing = 0;

	if (argc < 7) {
		fprintf(stderr, "usage: config_compare CONSOLE ALLOWED VMM-A VMM-B SCENARIO ID...\n");
		return 2;
	}
	if (load_allowed(argv[2]) || load(argv[1], argv[3], argv[5], &a) ||
	    load(argv[1], argv[4], argv[5], &b)) {
		fprintf(stderr, "config_compare: cannot read %s or %s\n", argv[1], argv[2]);
		return 2;
	}
	for (int i = 6; i < argc; i++) {
		const struct func *fa = find(&a, argv[i]), *fb = find(&b, argv[i]);

		if (!fa || !fb) {
			printf("MISSING %s under %s\n", argv[i], !fa ? argv[3] : argv[4]);
			missing++;
			continue;
		}
		compare(fa, fb);
		print_caps(fa);
		print_caps(fb);
		printf("COMPARED %s\n", argv[i]);
	}
	return (unlisted || missing) ? 1 : 0;
}
