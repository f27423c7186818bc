/* The guest programs' VMM: the recording host, moves kept, checks counted. */
#include "tests/device/guest_vmm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gv_init(struct guest_vmm *v)
{
	memset(v, 0, sizeof(*v));
	st_host_init(&v->rec, true);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void gv_bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		  uint64_t new_addr, uint64_t size)
{
	struct guest_vmm *v = opaque;

	(void)size;
	if (v->nr_moves < GV_MAX_MOVES)
		v->moves[v->nr_moves++] =
			(struct gv_move){ index, old_addr, new_addr };
}

void gv_check(struct guest_vmm *v, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		v->passed++;
	else
		v->failed++;
}

int gv_finish(const struct guest_vmm *v)
{
	printf("%u passed, %u failed\n", v->passed, v->failed);
	return v->failed || !v->passed ? 1 : 0;
}
