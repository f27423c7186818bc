/* The fuzz harness's recording host: the common recorder, with every op
 * KVM would refuse (dead handles, overlapping slots) a violation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "invariant violated: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static void refused(void *ctx, const char *why)
{
	(void)ctx;
	fuzz_fail("%s", why);
}

void fuzz_host_init(struct vmpci_test_host *h)
{
	vmpci_test_host_init(h, NULL);
	h->on_refuse = refused;
}

void fuzz_host_deliver(struct vmpci_test_host *h)
{
	int rc = vmpci_test_host_deliver(h, NULL, NULL);

	if (rc < 0)
		fuzz_fail("reading a route's eventfd: %s", strerror(-rc));
}
