/* `vmpci inspect`: what a guest would see of a function, without a guest:
 * identity, BARs with their mapped and trapped parts, capabilities (hidden
 * ones marked), interrupts; or the config space in `lspci -x` form, or all
 * of it as JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <linux/vfio.h>

#include "device/device.h"
#include "pci/config.h"
#include "sim/sim.h"
#include "tools/commands.h"
#include "tools/default_fixture.h"
#include "tools/null_host.h"
#include "vfio/backend.h"
#include "vfio/kernel.h"

struct view {
	struct null_host host;
	struct vmpci_vfio_sim *sim;
	struct vmpci_vfio_kernel *kernel;
	const struct vmpci_vfio_backend *be;
	struct vmpci_device *dev;
};

static const char *const irq_names[] = { "INTx", "MSI", "MSI-X", "ERR", "REQ" };

static const char *bar_kind(uint32_t type)
{
	if (type & VMPCI_BAR_IO)
		return "I/O";
	if (type & VMPCI_BAR_ROM)
		return "ROM";
	if (type & VMPCI_BAR_MEM64)
		return type & VMPCI_BAR_PREFETCH ? "mem64 prefetch" : "mem64";
	return type & VMPCI_BAR_PREFETCH ? "mem32 prefetch" : "mem32";
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static int open_fixture(struct view *v, const char *bin, const char *res)
{
	struct vmpci_vfio_sim_params sc;
	char *image = NULL, *resource = NULL;
	size_t ilen = 0, rlen = 0;
	int err;

	if (bin) {
		image = read_file(bin, &ilen);
		resource = read_file(res, &rlen);
		if (!image || !resource) {
			fprintf(stderr, "vmpci inspect: cannot read %s\n",
				image ? res : bin);
			free(image);
			free(resource);
			return -ENOENT;
		}
	}
	vmpci_vfio_sim_params_init(&sc, image ? (void *)image : vmpci_default_config,
				   image ? ilen : vmpci_default_config_size,
				   resource ? resource : vmpci_default_resource);
	sc.host = &v->host.host;
	err = vmpci_vfio_sim_new(&sc, &v->sim);
	free(image);
	free(resource);
	if (err)
		fprintf(stderr, "vmpci inspect: not a usable fixture: %s\n",
			strerror(-err));
	else
		v->be = vmpci_vfio_sim_backend(v->sim);
	return err;
}

static int open_vfio(struct view *v, const char *bdf)
{
	struct vmpci_vfio_kernel_params kc;
	int err;

	vmpci_vfio_kernel_params_init(&kc, bdf);
	kc.host = &v->host.host;
	err = vmpci_vfio_kernel_open(&kc, &v->kernel);
	if (err)
		fprintf(stderr, "vmpci inspect: cannot open %s: %s\n", bdf,
			strerror(-err));
	else
		v->be = vmpci_vfio_kernel_backend(v->kernel);
	return err;
}

static void print_text(struct view *v)
{
	struct vmpci_device_identity id;
	struct vmpci_device_bar b;
	struct vmpci_vfio_irq_info irq;
	struct vmpci_cap cap;
	unsigned i, a;
	uint64_t end, pos;
	size_t c;

	vmpci_device_identity_get(v->dev, &id);
	printf("function %04x:%04x rev %02x class %06x subsystem %04x:%04x, %u-byte config space\n",
	       id.vendor, id.device, id.revision, id.class_code,
	       id.subsystem_vendor, id.subsystem, id.config_size);
	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		if (vmpci_device_bar_get(v->dev, i, &b) || !b.type)
			continue;
		if (i == VMPCI_BAR_ROM_INDEX)
			printf("ROM  ");
		else
			printf("BAR%u ", i);
		printf("%s, %llu bytes:", bar_kind(b.type),
		       (unsigned long long)b.size);
		for (pos = 0, a = 0; a <= b.nr_mapped; a++) {
			end = a < b.nr_mapped ? b.mapped[a].offset : b.size;
			if (end > pos)
				printf(" trapped [%#llx,%#llx)",
				       (unsigned long long)pos,
				       (unsigned long long)end);
			if (a < b.nr_mapped) {
				printf(" mapped [%#llx,%#llx)",
				       (unsigned long long)b.mapped[a].offset,
				       (unsigned long long)(b.mapped[a].offset +
							    b.mapped[a].size));
				pos = b.mapped[a].offset + b.mapped[a].size;
			}
		}
		printf("\n");
	}
	for (c = 0; !vmpci_device_cap_get(v->dev, c, &cap); c++) {
		if (cap.flags & VMPCI_CAP_HEADER)
			continue;
		printf("capability [%03x] %s id %#x, %u bytes%s%s\n", cap.offset,
		       cap.flags & VMPCI_CAP_EXTENDED ? "extended" : "standard",
		       cap.id, cap.length,
		       cap.flags & VMPCI_CAP_HIDDEN ? " (hidden)" : "",
		       cap.flags & VMPCI_CAP_VIRTUAL ? " (virtual)" : "");
	}
	for (i = 0; i < 5; i++)
		if (!vmpci_device_irq_info(v->dev, i, &irq) && irq.count)
			printf("irq %s: %u vector%s\n", irq_names[i], irq.count,
			       irq.count == 1 ? "" : "s");
}

static cJSON *json_view(struct view *v)
{
	struct vmpci_device_identity id;
	struct vmpci_device_bar b;
	struct vmpci_vfio_irq_info irq;
	struct vmpci_cap cap;
	cJSON *root = cJSON_CreateObject(), *arr, *o, *areas, *ar;
	unsigned i, a;
	size_t c;

	vmpci_device_identity_get(v->dev, &id);
	o = cJSON_AddObjectToObject(root, "identity");
	cJSON_AddNumberToObject(o, "vendor", id.vendor);
	cJSON_AddNumberToObject(o, "device", id.device);
	cJSON_AddNumberToObject(o, "subsystem_vendor", id.subsystem_vendor);
	cJSON_AddNumberToObject(o, "subsystem", id.subsystem);
	cJSON_AddNumberToObject(o, "class", id.class_code);
	cJSON_AddNumberToObject(o, "revision", id.revision);
	cJSON_AddNumberToObject(o, "config_size", id.config_size);
	arr = cJSON_AddArrayToObject(root, "bars");
	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		if (vmpci_device_bar_get(v->dev, i, &b) || !b.type)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "index", i);
		cJSON_AddStringToObject(o, "type", bar_kind(b.type));
		cJSON_AddNumberToObject(o, "size", (double)b.size);
		areas = cJSON_AddArrayToObject(o, "mapped");
		for (a = 0; a < b.nr_mapped; a++) {
			ar = cJSON_CreateObject();
			cJSON_AddNumberToObject(ar, "offset", (double)b.mapped[a].offset);
			cJSON_AddNumberToObject(ar, "size", (double)b.mapped[a].size);
			cJSON_AddItemToArray(areas, ar);
		}
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(root, "capabilities");
	for (c = 0; !vmpci_device_cap_get(v->dev, c, &cap); c++) {
		if (cap.flags & VMPCI_CAP_HEADER)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "offset", cap.offset);
		cJSON_AddNumberToObject(o, "id", cap.id);
		cJSON_AddBoolToObject(o, "extended", cap.flags & VMPCI_CAP_EXTENDED);
		cJSON_AddBoolToObject(o, "hidden", cap.flags & VMPCI_CAP_HIDDEN);
		cJSON_AddBoolToObject(o, "virtual", cap.flags & VMPCI_CAP_VIRTUAL);
		cJSON_AddItemToArray(arr, o);
	}
	o = cJSON_AddObjectToObject(root, "irqs");
	for (i = 0; i < 5; i++)
		if (!vmpci_device_irq_info(v->dev, i, &irq))
			cJSON_AddNumberToObject(o, irq_names[i], irq.count);
	return root;
}

static int print_lspci(struct view *v)
{
	char *buf = malloc(VMPCI_CONFIG_LSPCI_MAX);
	int err = buf ? vmpci_device_format_lspci(v->dev, 0, 3, 0, buf,
						   VMPCI_CONFIG_LSPCI_MAX, NULL)
		      : -ENOMEM;

	if (!err)
		fputs(buf, stdout);
	free(buf);
	return err;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vmpci inspect [--fixture CONFIG.bin [--resource FILE] | --vfio BDF]\n"
		     "                      [--lspci | --json] [--verbose]\n"
		     "Without --fixture or --vfio: the built-in %s fixture.\n",
		VMPCI_DEFAULT_FIXTURE_NAME);
}

int vmpci_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fixture", required_argument, NULL, 'f' },
		{ "resource", required_argument, NULL, 'r' },
		{ "vfio", required_argument, NULL, 'd' },
		{ "lspci", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fixture = NULL, *resource = NULL, *bdf = NULL;
	char resbuf[4096];
	bool lspci = false, json = false, verbose = false;
	struct vmpci_device_params dc;
	struct view v = { 0 };
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:r:d:ljvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': fixture = optarg; break;
		case 'r': resource = optarg; break;
		case 'd': bdf = optarg; break;
		case 'l': lspci = true; break;
		case 'j': json = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || (fixture && bdf) || (lspci && json) ||
	    (resource && !fixture)) {
		usage(stderr);
		return 2;
	}
	if (fixture && !resource) {
		/* NAME.bin comes with NAME.resource, as the fixtures do. */
		snprintf(resbuf, sizeof(resbuf), "%.*s.resource",
			 (int)(strlen(fixture) > 4 ? strlen(fixture) - 4 : strlen(fixture)),
			 fixture);
		resource = resbuf;
	}
	null_host_init(&v.host, verbose);
	err = bdf ? open_vfio(&v, bdf) : open_fixture(&v, fixture, resource);
	if (err)
		return 2;
	vmpci_device_params_init(&dc, v.be, &v.host.host);
	dc.name = bdf ? bdf : "fixture";
	dc.no_reset = true; /* looking must not disturb the function */
	err = vmpci_device_new(&dc, &v.dev);
	if (err) {
		fprintf(stderr, "vmpci inspect: cannot present the function: %s\n",
			strerror(-err));
	} else if (lspci) {
		err = print_lspci(&v);
	} else if (json) {
		cJSON *root = json_view(&v);
		char *text = cJSON_Print(root);

		if (text)
			puts(text);
		free(text);
		cJSON_Delete(root);
	} else {
		print_text(&v);
	}
	vmpci_device_free(v.dev);
	vmpci_vfio_sim_free(v.sim);
	vmpci_vfio_kernel_free(v.kernel);
	return err ? 1 : 0;
}
