#include "tests/support/eventfds.h"

#include <poll.h>
#include <unistd.h>

#include <cstdlib>

namespace vmpci_test {

void SignalEventfd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

uint64_t TakeEventfd(int fd)
{
	uint64_t count = 0;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

bool Readable(int fd)
{
	pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

}  // namespace vmpci_test
