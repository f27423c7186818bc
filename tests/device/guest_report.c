#include "tests/device/guest_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned passed, failed;

void guest_check(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (pass)
		passed++;
	else
		failed++;
}

bool guest_first_bdf(char *bdf, size_t len)
{
	const char *bdfs = getenv("VFIO_BDFS");
	int n = bdfs ? snprintf(bdf, len, "%s", bdfs) : -1;

	if (n <= 0) {
		guest_check(false, "no function in VFIO_BDFS");
		return false;
	}
	for (size_t i = 0; i < len && bdf[i]; i++)
		if (bdf[i] == ' ')
			bdf[i] = '\0';
	return true;
}

int guest_finish(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
