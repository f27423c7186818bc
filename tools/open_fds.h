/* How many file descriptors the process holds: what the selftest and the
 * fault walk compare before and after a run to find a leaked one. */
#ifndef VMPCI_TOOLS_OPEN_FDS_H
#define VMPCI_TOOLS_OPEN_FDS_H

/* The entries of /proc/self/fd (the directory's own fd included), or a
 * negative errno. */
int open_fds_count(void);

#endif
