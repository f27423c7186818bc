/* Power-off and reboot: the ACPI PM1a event and control blocks the FADT
 * points at, and the reset control register at 0xCF9 (its reset register).
 * A sleep to S5 ends the VM as a power-off, a reset as a reboot. */
#ifndef VMPCI_TOOLS_RUN_POWER_H
#define VMPCI_TOOLS_RUN_POWER_H

#include "tools/run/vm_internal.h"

/* Ports just past the ISA range, clear of the PCI I/O window (0xC000). */
#define RUN_PM1A_EVT_PORT	0x600	/* PM1 status (2 bytes), enable (2) */
#define RUN_PM1A_EVT_LEN	4
#define RUN_PM1A_CNT_PORT	0x604
#define RUN_PM1A_CNT_LEN	2
#define RUN_SCI_IRQ		9	/* where Linux and QEMU expect it */
#define RUN_S5_SLP_TYP		5	/* the DSDT's \_S5 package */
/* Reset control register (Intel PCH datasheets; the ACPI reset register
 * of QEMU's q35 too): writing 6 (full reset | system reset) resets. */
#define RUN_RESET_PORT		0xcf9
#define RUN_RESET_VALUE		0x06

/* Trap the PM1a blocks. */
int run_power_attach(struct run_vm *vm);

/* A byte written to the reset control register (pci_host.c decodes the
 * port, which it shares with CONFIG_ADDRESS). */
void run_power_reset_write(struct run_vm *vm, uint8_t val);

#endif
