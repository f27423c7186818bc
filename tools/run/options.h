/* The command line of `vmpci run`. */
#ifndef VMPCI_TOOLS_RUN_OPTIONS_H
#define VMPCI_TOOLS_RUN_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#define RUN_DEFAULT_MEM		(512ULL << 20)
#define RUN_MIN_MEM		(16ULL << 20)	/* room for the boot area */
#define RUN_MAX_CPUS		255		/* xAPIC ids in the MADT */
#define RUN_DEFAULT_KVM		"/dev/kvm"
#define RUN_MAX_VFIO		31		/* bus 0 slots 1-31 */

struct run_options {
	const char *kernel;
	const char *initrd;
	const char *append;
	const char *kvm_path;
	uint64_t mem;
	unsigned cpus;
	const char *vfio[RUN_MAX_VFIO]; /* --vfio BDF, in order */
	unsigned nr_vfio;
};

/* Parse argv (argv[0] is "run"). Returns 0 to run, 1 after printing the
 * help, 2 for bad usage (a line on stderr and the usage). */
int run_options_parse(int argc, char **argv, struct run_options *o);

void run_options_usage(FILE *out);

#endif
