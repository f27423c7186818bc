/* The platform description Linux reads: ACPI tables (RSDP, XSDT, FADT,
 * DSDT, MADT, MCFG) in the BIOS area of guest RAM. */
#ifndef VMPCI_TOOLS_RUN_ACPI_H
#define VMPCI_TOOLS_RUN_ACPI_H

#include "tools/run/vm_internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The IOAPIC KVM's in-kernel irqchip emulates (24 pins from GSI 0) and the
 * LAPIC base. */
#define RUN_IOAPIC_ADDR	0xfec00000u
#define RUN_LAPIC_ADDR	0xfee00000u

/* Write the tables for `nr_cpus` CPUs; the RSDP's guest address goes to
 * *rsdp. -ENOMEM when they do not fit (or RAM is too small). */
int run_acpi_write(struct run_vm *vm, unsigned nr_cpus, uint64_t *rsdp);

#ifdef __cplusplus
}
#endif

#endif
