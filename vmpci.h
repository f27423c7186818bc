/* vmpci: PCI device passthrough through Linux VFIO, for any VMM.
 *
 * The umbrella header: include this, or the one header of the component you
 * use. Every function returns 0 or a negative errno unless its comment says
 * otherwise; details of a failure go to the host's log callback. */
#ifndef VMPCI_H
#define VMPCI_H

#include "allocator/allocator.h"
#include "pci/pci.h"
#include "interrupts/interrupts.h"
#include "vfio/vfio.h"
#include "migration/migration.h"

#endif
