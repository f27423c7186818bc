// The C shim: the only place C++ sees vmpci's headers. Every test includes
// this and nothing else of the library, so the C API is exactly what a C++
// caller (or any other FFI) gets.
#ifndef VMPCI_TESTS_SHIM_VMPCI_C_H
#define VMPCI_TESTS_SHIM_VMPCI_C_H

extern "C" {
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
#include "sim/sim.h"
#include "vfio/backend.h"
#include "vfio/bar_map.h"
#include "vfio/kernel.h"
#include "vfio/sparse.h"
#include "vmpci.h"
}

#endif
