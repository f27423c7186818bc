/* The walk's driver: one run of the flow per injection point, and the
 * checks after every step and every run (walk.h). */
#include "tests/faults/walk.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/faults/walk_flow.h"
#include "tools/open_fds.h"

#if defined(__SANITIZE_ADDRESS__)
int __lsan_do_recoverable_leak_check(void);
#endif

static const char *const step_names[WALK_NR_STEPS] = {
	[WALK_CREATE] = "create",
	[WALK_ENABLE_IRQ] = "enable MSI-X/MSI",
	[WALK_MAP] = "map",
	[WALK_MOVE] = "BAR move",
	[WALK_SNAPSHOT] = "snapshot",
	[WALK_DESTROY] = "destroy",
	[WALK_RECREATE] = "create again",
	[WALK_RESTORE] = "restore",
	[WALK_FINAL_DESTROY] = "final destroy",
};

const char *walk_step_name(enum walk_step step)
{
	return step < WALK_NR_STEPS ? step_names[step] : "?";
}

/* The guest's address space: one pool per kind. */
static const struct {
	uint64_t base, size;
} pool_ranges[WALK_NR_POOLS] = {
	[WALK_POOL_IO] = { 0xc000, 0x4000 },
	[WALK_POOL_MMIO32] = { 0xc0000000, 0x20000000 },
	[WALK_POOL_MMIO64] = { 0x8000000000, 0x1000000000 },
};

/* Bytes the heap hands out. Under ASan its allocator replaces glibc's, so
 * LeakSanitizer checks instead (leaked). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* glibc's tcache keeps freed chunks counted as in use by mallinfo2: the
 * heap count is exact only with it off. */
#if defined(__SANITIZE_ADDRESS__)
#define WALK_HEAP_EXACT true
#else
#define WALK_HEAP_EXACT tcache_off()

static bool tcache_off(void)
{
	const char *t = getenv("GLIBC_TUNABLES");

	return t && strstr(t, WALK_TUNABLES);
}
#endif

/* Whether the run leaked: LeakSanitizer when it is there, else the heap
 * in use differs from before the run. */
static bool leaked(size_t heap_before)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)heap_before;
	return __lsan_do_recoverable_leak_check() != 0;
#else
	return heap_in_use() != heap_before;
#endif
}

/* The host's log lines that say something went wrong. */
static uint64_t host_lines(const struct vmpci_test_host *h)
{
	return h->lines[VMPCI_LOG_ERROR] + h->lines[VMPCI_LOG_WARN];
}

/* A walk run being checked: its injection point and what fired. */
struct run {
	const struct walk_world *world;
	struct walk_report *rep;
	uint64_t n;
	bool fired;
	enum fault_kind kind;
	uint64_t kind_index; /* which call of that kind */
	struct walk_iter *it;
	struct vmpci_test_host before;
};

static void problem(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct run *r, const char *fmt, ...)
{
	struct walk_report *rep = r->rep;
	char *p;
	size_t len;
	int n;
	va_list ap;

	if (rep->nr_problems++ >= WALK_MAX_PROBLEMS)
		return;
	p = rep->problems[rep->nr_problems - 1];
	len = sizeof(rep->problems[0]);
	if (r->fired)
		n = snprintf(p, len, "N=%llu (%s call %llu): ",
			     (unsigned long long)r->n, fault_kind_name(r->kind),
			     (unsigned long long)r->kind_index);
	else
		n = snprintf(p, len, "N=%llu: ", (unsigned long long)r->n);
	va_start(ap, fmt);
	vsnprintf(p + n, len - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Whether the VMM is as the step must leave it. An API step: as before
 * it. A guest step is several accesses and those before the refused one
 * keep their effect: as just before the refused access, or, where the
 * host refused to map a BAR the guest moved, as before the step (a move
 * either completes or is rolled back whole, to where the step found the
 * BAR). `was` and `now` get what to show. */
static bool state_kept(const struct run *r,
		       const struct vmpci_test_host **was,
		       const struct vmpci_test_host **now)
{
	const struct walk_iter *it = r->it;

	if (!it->access_hit) {
		*was = &r->before;
		*now = &it->rec;
		return vmpci_test_host_same(*was, *now);
	}
	*was = &it->access_before;
	*now = &it->access_after;
	return vmpci_test_host_same(*was, *now) ||
	       vmpci_test_host_same(&r->before, *now);
}

/* A step the injected failure broke: it must say so, leave the VMM's
 * state as it was (state_kept), and succeed when tried again. */
static bool check_failed_step(struct run *r, enum walk_step s, int rc,
			      uint64_t lines_before)
{
	struct walk_iter *it = r->it;
	const char *name = walk_step_name(s);
	const struct vmpci_test_host *was, *now;
	char why[256], a[200], b[200];

	if (rc >= 0 && !walk_step_is_guest_access(s))
		problem(r, "%s failed but returned %d", name, rc);
	if (host_lines(&it->rec) == lines_before)
		problem(r, "%s failed with no line in the host's log", name);
	if (!state_kept(r, &was, &now)) {
		vmpci_test_host_describe(was, a, sizeof(a));
		vmpci_test_host_describe(now, b, sizeof(b));
		problem(r, "%s failed and %s changed the VMM's state: before %s; after %s",
			name, it->access_hit ? "the refused access" : "the step",
			a, b);
	}
	faults_resume();
	rc = walk_step_run(it, s);
	faults_disarm();
	if (!walk_step_done(it, s, why, sizeof(why))) {
		problem(r, "%s failed, and failed again without a fault (%d): %s; last log: %s",
			name, rc, why, it->rec.last_line);
		return false;
	}
	return true;
}

/* One step: run it counted, then judge it uncounted. False ends the run. */
static bool one_step(struct run *r, enum walk_step s)
{
	struct walk_iter *it = r->it;
	bool fired_before = faults_fired(NULL);
	uint64_t lines = host_lines(&it->rec);
	char why[256];
	bool done, fired_here;
	int rc;

	vmpci_test_host_copy(&r->before, &it->rec);
	if (r->world->verbose) {
		printf("walk N=%llu: %s\n", (unsigned long long)r->n,
		       walk_step_name(s));
		fflush(stdout);
	}
	faults_resume();
	rc = walk_step_run(it, s);
	faults_disarm();
	fired_here = !fired_before && faults_fired(&r->kind);
	if (fired_here) {
		r->fired = true;
		r->kind_index = faults_kind_calls(r->kind);
		r->rep->kind_points[r->kind]++;
		r->rep->step_points[s]++;
	}
	done = walk_step_done(it, s, why, sizeof(why));
	if (s == WALK_DESTROY || s == WALK_FINAL_DESTROY) {
		/* Nothing to retry: what the host refused to remove is the
		 * host's to clean up, as a VMM would once the device is gone. */
		vmpci_test_host_release_refused(&it->rec);
		if (!done)
			problem(r, "%s: %s", walk_step_name(s), why);
		else if (fired_here)
			r->rep->kind_absorbed[r->kind]++;
		return done;
	}
	if (!fired_here) {
		if (!done || rc < 0)
			problem(r, "%s failed with no fault injected in it (%d): %s",
				walk_step_name(s), rc, why);
		return done;
	}
	if (done) {
		/* A guest step is several accesses: one may fail (and say
		 * so) without keeping the step from its effect. */
		if (rc < 0 && !walk_step_is_guest_access(s))
			problem(r, "%s returned %d but took effect",
				walk_step_name(s), rc);
		else if (rc < 0 && host_lines(&it->rec) == lines)
			problem(r, "%s returned %d with no line in the host's log",
				walk_step_name(s), rc);
		else
			r->rep->kind_absorbed[r->kind]++;
		return true;
	}
	if (!check_failed_step(r, s, rc, lines))
		return false;
	r->rep->kind_failed[r->kind]++;
	return true;
}

static void one_run(struct run *r)
{
	const struct walk_world *w = r->world;
	const struct vmpci_host *inner = NULL;
	struct walk_iter *it;
	size_t heap = heap_in_use();
	int fds = open_fds_count(), err;
	char state[200];

	r->fired = false;
	it = calloc(1, sizeof(*it));
	if (!it) {
		problem(r, "out of memory");
		return;
	}
	r->it = it;
	it->w = w;
	err = w->begin(w->opaque, &inner);
	for (unsigned i = 0; !err && i < WALK_NR_POOLS; i++)
		err = vmpci_alloc_new(pool_ranges[i].base, pool_ranges[i].size,
				      &it->pools[i]);
	if (err) {
		problem(r, "setting up the VMM side: %s", strerror(-err));
	} else {
		vmpci_test_host_init(&it->rec, inner);
		faults_arm(r->n);
		faults_disarm();
		for (unsigned s = 0; s < WALK_NR_STEPS; s++)
			if (!one_step(r, (enum walk_step)s))
				break;
	}
	faults_disarm();
	walk_destroy(it);
	if (vmpci_test_host_count(&it->rec, -1)) {
		vmpci_test_host_describe(&it->rec, state, sizeof(state));
		problem(r, "the device is gone but the host still holds %s", state);
	}
	r->rep->refused_releases += it->rec.refused_removals;
	free(it->json);
	for (unsigned i = 0; i < WALK_NR_POOLS; i++)
		vmpci_alloc_free(it->pools[i]);
	if (!err)
		w->end(w->opaque);
	free(it);
	r->it = NULL;
	r->rep->refused_munmaps += faults_release_refused_munmaps();
	if (open_fds_count() != fds)
		problem(r, "%d fds open after the run, %d before", open_fds_count(),
			fds);
	if (leaked(heap))
		problem(r, "heap leak: %zu bytes in use after the run, %zu before",
			heap_in_use(), heap);
}

int walk_run(const struct walk_world *world, struct walk_report *rep)
{
	struct run *r = calloc(1, sizeof(*r));
	uint64_t limit;

	if (!r)
		return -ENOMEM;
	memset(rep, 0, sizeof(*rep));
	r->world = world;
	r->rep = rep;
	if (!WALK_HEAP_EXACT) {
		problem(r, "the heap check needs GLIBC_TUNABLES=%s", WALK_TUNABLES);
		free(r);
		return -EINVAL;
	}
	/* The fault-free run: numbers every call, and first-use allocations
	 * of libc happen here rather than in a checked run. */
	one_run(r);
	rep->nr_problems = 0;
	one_run(r);
	if (rep->nr_problems) {
		free(r);
		return -EIO;
	}
	rep->clean_calls = faults_calls();
	for (unsigned k = 0; k < FAULT_NR_KINDS; k++)
		rep->clean_kind_calls[k] = faults_kind_calls((enum fault_kind)k);
	/* A failure can make the rest of the flow take other paths; never
	 * walk forever if one makes it loop. */
	limit = 4 * rep->clean_calls + 64;
	for (r->n = 1; r->n <= limit; r->n++) {
		one_run(r);
		if (!r->fired)
			break;
		rep->points++;
	}
	if (r->n > limit)
		problem(r, "still injecting after %llu points",
			(unsigned long long)limit);
	free(r);
	return 0;
}

void walk_print(const struct walk_world *world, const struct walk_report *rep)
{
	printf("fault walk on %s: %llu syscalls in the fault-free flow, %llu injection points walked\n",
	       world->name, (unsigned long long)rep->clean_calls,
	       (unsigned long long)rep->points);
	printf("  %-13s %6s %6s %7s %8s\n", "syscall", "calls", "points",
	       "failed", "absorbed");
	for (unsigned k = 0; k < FAULT_NR_KINDS; k++) {
		if (!rep->kind_points[k] && !rep->clean_kind_calls[k])
			continue;
		printf("  %-13s %6llu %6llu %7llu %8llu\n",
		       fault_kind_name((enum fault_kind)k),
		       (unsigned long long)rep->clean_kind_calls[k],
		       (unsigned long long)rep->kind_points[k],
		       (unsigned long long)rep->kind_failed[k],
		       (unsigned long long)rep->kind_absorbed[k]);
	}
	printf("  points per step:");
	for (unsigned s = 0; s < WALK_NR_STEPS; s++)
		printf(" %s %llu%s", walk_step_name((enum walk_step)s),
		       (unsigned long long)rep->step_points[s],
		       s + 1 < WALK_NR_STEPS ? "," : "\n");
	printf("  removals the host refused: %llu; munmaps refused: %llu\n",
	       (unsigned long long)rep->refused_releases,
	       (unsigned long long)rep->refused_munmaps);
	for (unsigned i = 0; i < rep->nr_problems && i < WALK_MAX_PROBLEMS; i++)
		printf("  PROBLEM %s\n", rep->problems[i]);
	if (rep->nr_problems > WALK_MAX_PROBLEMS)
		printf("  ... and %u more problems\n",
		       rep->nr_problems - WALK_MAX_PROBLEMS);
	fflush(stdout);
}
