/* vmpci: the command-line tool. Subcommands live in their own files; this
 * one parses the first word and dispatches. */
#include <stdio.h>
#include <string.h>

#include "tools/commands.h"

#define VMPCI_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmpci [--help | --version | COMMAND [OPTIONS]]\n"
		"\n"
		"Pass a host PCI function to a guest through VFIO, and show what\n"
		"the guest sees.\n"
		"\n"
		"commands:\n"
		"  demo       run a real guest on KVM against a simulated nvme\n"
		"             function, snapshot and restore it (the default)\n"
		"  inspect    print the guest view of a function\n"
		"  selftest   drive a real function bound to vfio-pci as a VMM\n"
		"  run        boot a Linux guest on KVM\n"
		"\n"
		"Run 'vmpci COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "demo";

	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("vmpci %s\n", VMPCI_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "demo"))
		return vmpci_cmd_demo(argc > 1 ? argc - 1 : 0, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return vmpci_cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(cmd, "selftest"))
		return vmpci_cmd_selftest(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return vmpci_cmd_run(argc - 1, argv + 1);
	fprintf(stderr, "vmpci: unknown command or option '%s' (try --help)\n",
		cmd);
	return 2;
}
