/* `vmpci run` options: getopt_long, with sizes as 512M / 2G. */
#include "tools/run/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_KERNEL = 256, OPT_INITRD, OPT_APPEND, OPT_MEM, OPT_CPUS, OPT_KVM,
       OPT_VFIO };

static const struct option long_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "kvm", required_argument, NULL, OPT_KVM },
	{ "vfio", required_argument, NULL, OPT_VFIO },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void run_options_usage(FILE *out)
{
	fprintf(out,
		"usage: vmpci run --kernel FILE [--initrd FILE] "
		"[--append CMDLINE]\n"
		"                 [--mem SIZE] [--cpus N] [--kvm PATH] "
		"[--vfio BDF]...\n"
		"\n"
		"Boot a Linux guest on KVM; its console is COM1 on stdout.\n"
		"\n"
		"  --kernel FILE    an ELF vmlinux with a PVH entry, or a "
		"bzImage\n"
		"  --initrd FILE    the initial ramdisk\n"
		"  --append CMDLINE the kernel command line\n"
		"  --mem SIZE       guest RAM, e.g. 512M or 2G (default 512M)\n"
		"  --cpus N         vCPUs (default 1)\n"
		"  --kvm PATH       the KVM device (default /dev/kvm)\n"
		"  --vfio BDF       pass host PCI function BDF (bound to "
		"vfio-pci, e.g.\n"
		"                   0000:01:00.0) through, on the next free "
		"slot; repeatable\n"
		"\n"
		"The guest's power-off and reboot end the command with status "
		"0;\nSIGUSR1 pauses the guest, restores its devices and "
		"resumes it.\n");
}

/* "512M", "2G", "1048576": a byte count with an optional binary suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmpci run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	run_options_usage(stderr);
	return 2;
}

int run_options_parse(int argc, char **argv, struct run_options *o)
{
	char *end;
	int c;

	*o = (struct run_options){ .mem = RUN_DEFAULT_MEM, .cpus = 1,
				   .kvm_path = RUN_DEFAULT_KVM };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_INITRD: o->initrd = optarg; break;
		case OPT_APPEND: o->append = optarg; break;
		case OPT_KVM: o->kvm_path = optarg; break;
		case OPT_VFIO:
			if (o->nr_vfio == RUN_MAX_VFIO)
				return usage_error("--vfio '%s': at most 31 "
						   "functions", optarg);
			o->vfio[o->nr_vfio++] = optarg;
			break;
		case OPT_MEM:
			if (parse_size(optarg, &o->mem) || o->mem < RUN_MIN_MEM)
				return usage_error("--mem '%s': give a size "
						   "of at least 16M", optarg);
			break;
		case OPT_CPUS:
			errno = 0;
			o->cpus = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || !o->cpus || o->cpus > RUN_MAX_CPUS)
				return usage_error("--cpus '%s': give 1 to 255",
						   optarg);
			break;
		case 'h':
			run_options_usage(stdout);
			return 1;
		default:
			return usage_error("unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->kernel)
		return usage_error("%s", "--kernel FILE is required");
	return 0;
}
