// The C shim: the only place C++ sees vmpci's headers. Every test includes
// this and nothing else of the library, so the C API is exactly what a C++
// caller (or any other FFI) gets.
#ifndef VMPCI_TESTS_SHIM_VMPCI_C_H
#define VMPCI_TESTS_SHIM_VMPCI_C_H

extern "C" {
#include "sim/sim.h"
#include "vmpci.h"
}

#endif
