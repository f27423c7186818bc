// Eventfd helpers for the interrupt tests: the test plays the device (it
// signals a vector's eventfd) and looks at what is left in one.
#ifndef VMPCI_TESTS_SUPPORT_EVENTFDS_H
#define VMPCI_TESTS_SUPPORT_EVENTFDS_H

#include <cstdint>

namespace vmpci_test {

// Signal once, as VFIO does when the device raises the interrupt.
void SignalEventfd(int fd);
// The count waiting, consumed (0 when empty).
uint64_t TakeEventfd(int fd);
// Whether a signal waits, without consuming it.
bool Readable(int fd);

}  // namespace vmpci_test

#endif
