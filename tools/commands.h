/* The vmpci tool's subcommands. Each takes its own argv (argv[0] is the
 * command name) and returns the process exit status: 0 success, 1 a check
 * failed, 2 bad usage or a missing device. */
#ifndef VMPCI_TOOLS_COMMANDS_H
#define VMPCI_TOOLS_COMMANDS_H

int vmpci_cmd_demo(int argc, char **argv);
int vmpci_cmd_inspect(int argc, char **argv);
int vmpci_cmd_selftest(int argc, char **argv);
int vmpci_cmd_run(int argc, char **argv);

#endif
