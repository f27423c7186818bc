/* The fixture `vmpci demo` and `vmpci inspect` use by default: QEMU's nvme
 * controller (tests/data/pci-config/qemu-emulated/1b36-0010-...), embedded
 * at build time. */
#ifndef VMPCI_TOOLS_DEFAULT_FIXTURE_H
#define VMPCI_TOOLS_DEFAULT_FIXTURE_H

#define VMPCI_DEFAULT_FIXTURE_NAME "QEMU nvme (1b36:0010)"

extern const unsigned char vmpci_default_config[];
extern const unsigned int vmpci_default_config_size;
extern const char vmpci_default_resource[];

#endif
