/* Helpers for the behavioural checks (internal to tests/vfio). */
#ifndef VMPCI_TESTS_VFIO_BEHAVIOUR_UTIL_H
#define VMPCI_TESTS_VFIO_BEHAVIOUR_UTIL_H

#include "tests/vfio/behaviour.h"

uint32_t vb_cfg_read(const struct vmpci_vfio_backend *be, uint32_t off,
		     uint32_t size);
int vb_cfg_write(const struct vmpci_vfio_backend *be, uint32_t off,
		 uint32_t size, uint32_t value);
/* Offset of the first standard capability `id`, 0 when absent. */
uint32_t vb_find_cap(const struct vmpci_vfio_backend *be, uint8_t id);
/* Non-blocking eventfd. */
int vb_eventfd(void);
/* The eventfd's counter (consumed), 0 when it was not signalled. */
uint64_t vb_eventfd_take(int fd);

#endif
