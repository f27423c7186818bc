/* vmpci pci: public interface (being written). */
#ifndef VMPCI_PCI_H
#define VMPCI_PCI_H
#endif
