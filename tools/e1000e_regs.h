/* e1000e (82574) registers the tools and guest tests use to make the
 * function raise an interrupt: interrupt cause read / set, mask set /
 * clear, and IVAR, whose bits 18:16 pick the MSI-X vector of the "other"
 * causes when bit 19 is set. */
#ifndef VMPCI_TOOLS_E1000E_REGS_H
#define VMPCI_TOOLS_E1000E_REGS_H

#define E1000_ICR 0xc0
#define E1000_ICS 0xc8
#define E1000_IMS 0xd0
#define E1000_IMC 0xd8
#define E1000_IVAR 0xe4
#define E1000_ICR_LSC 0x4u
#define E1000_ICR_OTHER 0x01000000u
#define E1000_IVAR_OTHER(vector) (0x80000u | (unsigned)(vector) << 16)
/* QEMU 7.2's e1000e arms a throttling timer on every MSI-X message whose
 * callback asserts MSI-X is still on: give it time to expire before the
 * guest (or the device's teardown) turns MSI-X off. */
#define E1000E_QUIESCE_US 200000

#endif
