/* vmpci interrupts: public interface (being written). */
#ifndef VMPCI_INTERRUPTS_H
#define VMPCI_INTERRUPTS_H

#include "interrupts/host.h"
#endif
