/* The vmpci bus as the guest reaches it: the configuration mechanism on
 * ports 0xCF8-0xCFF (with the reset control register at 0xCF9) and ECAM at
 * RUN_ECAM_BASE. */
#ifndef VMPCI_TOOLS_RUN_PCI_HOST_H
#define VMPCI_TOOLS_RUN_PCI_HOST_H

#include "tools/run/vm_internal.h"

int run_pci_host_attach(struct run_vm *vm);

#endif
