/* The guest programs' VMM: mappings kept, routes accepted, checks counted. */
#include "tests/device/guest_vmm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void gv_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	(void)opaque;
	printf("LOG(%d): %s\n", level, msg);
}

static int gv_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		  bool readonly, uint32_t *slot)
{
	struct guest_vmm *v = opaque;
	unsigned i;

	(void)readonly;
	for (i = 0; i < GV_MAX_SLOTS; i++) {
		if (v->slots[i].live)
			continue;
		v->slots[i] = (struct gv_slot){ true, v->next_id, gpa, size,
						host_addr };
		*slot = v->next_id++;
		return 0;
	}
	return -ENOSPC;
}

static int gv_unmap(void *opaque, uint32_t slot)
{
	struct guest_vmm *v = opaque;
	unsigned i;

	for (i = 0; i < GV_MAX_SLOTS; i++) {
		if (v->slots[i].live && v->slots[i].id == slot) {
			v->slots[i].live = false;
			return 0;
		}
	}
	return -ENOENT;
}

/* Routes have no VM behind them: interrupts stay in the eventfds. */
static int gv_add_route(void *opaque, int eventfd,
			const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct guest_vmm *v = opaque;

	(void)eventfd, (void)msg;
	*route = v->next_id++;
	return 0;
}

static int gv_update_route(void *opaque, uint32_t route,
			   const struct vmpci_msi_msg *msg)
{
	(void)opaque, (void)route, (void)msg;
	return 0;
}

static int gv_mask_route(void *opaque, uint32_t route, bool masked)
{
	(void)opaque, (void)route, (void)masked;
	return 0;
}

static int gv_route_id_op(void *opaque, uint32_t route)
{
	(void)opaque, (void)route;
	return 0;
}

static int gv_commit(void *opaque)
{
	(void)opaque;
	return 0;
}

static int gv_add_intx(void *opaque, uint32_t pin, int trigger_fd,
		       int resample_fd, uint32_t *route)
{
	struct guest_vmm *v = opaque;

	(void)pin, (void)trigger_fd, (void)resample_fd;
	*route = v->next_id++;
	return 0;
}

static const struct vmpci_host_ops gv_ops = {
	.log = gv_log,
	.map_memory = gv_map,
	.unmap_memory = gv_unmap,
	.add_msi_route = gv_add_route,
	.update_msi_route = gv_update_route,
	.mask_msi_route = gv_mask_route,
	.remove_msi_route = gv_route_id_op,
	.commit_routes = gv_commit,
	.add_intx_route = gv_add_intx,
	.remove_intx_route = gv_route_id_op,
};

void gv_init(struct guest_vmm *v)
{
	memset(v, 0, sizeof(*v));
	v->host = (struct vmpci_host){ &gv_ops, v };
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

const struct gv_slot *gv_find(const struct guest_vmm *v, uint64_t gpa,
			      uint64_t size)
{
	const struct gv_slot *s;
	unsigned i;

	for (i = 0; i < GV_MAX_SLOTS; i++) {
		s = &v->slots[i];
		if (s->live && gpa >= s->gpa && gpa - s->gpa < s->size &&
		    size <= s->size - (gpa - s->gpa))
			return s;
	}
	return NULL;
}

unsigned gv_live(const struct guest_vmm *v)
{
	unsigned i, n = 0;

	for (i = 0; i < GV_MAX_SLOTS; i++)
		n += v->slots[i].live;
	return n;
}

int gv_finish(const struct guest_vmm *v)
{
	printf("%u passed, %u failed\n", v->passed, v->failed);
	return v->failed || !v->passed ? 1 : 0;
}
