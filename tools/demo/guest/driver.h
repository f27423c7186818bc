/* The demo guest's driver (driver.c), shared by the 32-bit image and the
 * hosted run of the demo without KVM. */
#ifndef DEMO_GUEST_DRIVER_H
#define DEMO_GUEST_DRIVER_H

#include <stdint.h>

#include "tools/demo/guest/mailbox.h"

/* Scan bus 0 into the mailbox, then drive the first function that is not a
 * host bridge: size and place BAR0 at mb->bar0_gpa, enable memory decode,
 * enable MSI-X with entry 0 on mb->msix_vector, read back a trapped table
 * field and a mapped dword. Returns a DEMO_STATUS_* value. */
uint32_t demo_guest_drive(struct demo_mailbox *mb);

#endif
