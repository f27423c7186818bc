/* vmpci: PCI device passthrough through Linux VFIO, for any VMM.
 *
 * The umbrella header: include this, or the one header of the subject you
 * use. Every function returns 0 or a negative errno unless its comment says
 * otherwise; details of a failure go to the host's log callback. */
#ifndef VMPCI_H
#define VMPCI_H

#include "allocator/allocator.h"
#include "device/device.h"
#include "device/state.h"
#include "host/host.h"
#include "interrupts/intx.h"
#include "interrupts/irq_event.h"
#include "interrupts/msi.h"
#include "interrupts/msix.h"
#include "kvm/kvm_host.h"
#include "migration/migration.h"
#include "pci/bus.h"
#include "pci/config.h"
#include "vfio/backend.h"
#include "vfio/bar_map.h"
#include "vfio/kernel.h"
#include "vfio/sparse.h"

#endif
