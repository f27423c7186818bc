/* VFIO migration v2: the device-state transitions of a save and a load, and
 * what to do when one fails, as a table. The kernel walks combination arcs
 * (RUNNING -> STOP -> STOP_COPY) itself, so each step here is one SET. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio/mig_v2.h"

/* No state to retreat to: reset the function instead. */
#define NONE VFIO_DEVICE_STATE_ERROR

static const struct mig_state {
	const char *name;
	bool settable;	   /* by vmpci__vfio_mig_set_state */
	uint32_t retreat;  /* after a failed entry into this state */
	uint32_t data_err; /* after its data transfer failed */
} states[] = {
	[VFIO_DEVICE_STATE_ERROR] = { "ERROR", false, NONE, NONE },
	[VFIO_DEVICE_STATE_STOP] = { "STOP", true, NONE, NONE },
	[VFIO_DEVICE_STATE_RUNNING] = { "RUNNING", true, NONE, NONE },
	[VFIO_DEVICE_STATE_STOP_COPY] = { "STOP_COPY", false,
					  VFIO_DEVICE_STATE_STOP,
					  VFIO_DEVICE_STATE_STOP },
	/* The kernel: "To abort a RESUMING session the device must be
	 * reset"; STOP would make it load a partial stream. */
	[VFIO_DEVICE_STATE_RESUMING] = { "RESUMING", false,
					 VFIO_DEVICE_STATE_STOP, NONE },
	[VFIO_DEVICE_STATE_RUNNING_P2P] = { "RUNNING_P2P", true, NONE, NONE },
};

#define NR_STATES (sizeof(states) / sizeof(states[0]))

/* The caller's error line, appended to as a failure unfolds. */
struct msg {
	char *buf;
	size_t len;
	size_t used;
};

static void msg_add(struct msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!m->buf || m->used + 1 >= m->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->used, m->len - m->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->used += (size_t)n < m->len - m->used ? (size_t)n
							: m->len - m->used - 1;
}

static struct msg msg_init(char *err, size_t errlen)
{
	struct msg m = { errlen ? err : NULL, errlen, 0 };

	if (m.buf)
		m.buf[0] = '\0';
	return m;
}

const char *vmpci__vfio_mig_state_name(uint32_t state)
{
	return state < NR_STATES && states[state].name ? states[state].name
						       : "UNKNOWN";
}

int vmpci__vfio_mig_probe(const struct vmpci_vfio_backend *be, uint64_t *flags)
{
	struct vfio_device_feature_migration mig = { 0 };
	int rc;

	if (!be || !be->ops)
		return -EINVAL;
	if (!be->ops->device_feature)
		return -EOPNOTSUPP;
	rc = be->ops->device_feature(be->opaque,
				     VFIO_DEVICE_FEATURE_GET |
					     VFIO_DEVICE_FEATURE_MIGRATION,
				     &mig, sizeof(mig));
	if (rc == -ENOTTY)
		return -EOPNOTSUPP;
	if (rc)
		return rc < 0 ? rc : -EIO;
	if (!(mig.flags & VFIO_MIGRATION_STOP_COPY))
		return -EOPNOTSUPP;
	if (flags)
		*flags = mig.flags;
	return 0;
}

/* One SET of MIG_DEVICE_STATE. The data fd, if the arc opened one, goes to
 * *fd, else it is closed (or -1 is stored). */
static int set_state(const struct vmpci_vfio_backend *be, uint32_t state,
		     int *fd)
{
	const uint32_t flags = VFIO_DEVICE_FEATURE_SET |
			       VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	struct vfio_device_feature_mig_state mig = {
		.device_state = state,
		.data_fd = -1,
	};
	int rc;

	rc = be->ops->device_feature(be->opaque, flags, &mig, sizeof(mig));
	if (rc)
		return rc < 0 ? rc : -EIO;
	if (fd)
		*fd = mig.data_fd;
	else if (mig.data_fd >= 0)
		close(mig.data_fd);
	return 0;
}

/* Something failed: go to `to`, or reset when there is no such state or
 * going there fails too. */
static void recover(const struct vmpci_vfio_backend *be, uint32_t to,
		    struct msg *m)
{
	int rc;

	if (to != NONE) {
		rc = set_state(be, to, NULL);
		if (!rc) {
			msg_add(m, "; retreated to %s", states[to].name);
			return;
		}
		msg_add(m, "; retreat to %s failed (%s)", states[to].name,
			strerror(-rc));
	}
	rc = be->ops->reset ? be->ops->reset(be->opaque) : -EOPNOTSUPP;
	if (rc)
		msg_add(m, "; reset failed (%s)", strerror(-rc));
	else
		msg_add(m, "; function reset");
}

/* Enter `state`, recovering as the table says when that fails. */
static int enter(const struct vmpci_vfio_backend *be, uint32_t state,
		 int *fd, struct msg *m)
{
	int rc = set_state(be, state, fd);

	if (rc) {
		msg_add(m, "entering %s failed (%s)", states[state].name,
			strerror(-rc));
		recover(be, states[state].retreat, m);
	}
	return rc;
}

int vmpci__vfio_mig_set_state(const struct vmpci_vfio_backend *be,
			      uint32_t state, char *err, size_t errlen)
{
	struct msg m = msg_init(err, errlen);

	if (!be || !be->ops || state >= NR_STATES || !states[state].settable) {
		msg_add(&m, "cannot set migration state %u (%s)", state,
			vmpci__vfio_mig_state_name(state));
		return -EINVAL;
	}
	if (!be->ops->device_feature) {
		msg_add(&m, "function has no VFIO migration support");
		return -EOPNOTSUPP;
	}
	return enter(be, state, NULL, &m);
}

/* Read `fd` to end of file into a growing buffer. */
static int read_all(int fd, uint8_t **out, size_t *len)
{
	const size_t limit = VMPCI_VFIO_MIG_MAX_DATA + 1;
	size_t cap = 64 * 1024, used = 0;
	uint8_t *buf = malloc(cap), *grown;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (used == cap) {
			/* One byte past the limit tells "too much" apart. */
			size_t next = cap * 2 > limit ? limit : cap * 2;

			if (next == cap) {
				free(buf);
				return -EFBIG;
			}
			grown = realloc(buf, next);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap = next;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > VMPCI_VFIO_MIG_MAX_DATA) {
		free(buf);
		return -EFBIG;
	}
	if (!used) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	*len = used;
	return 0;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int vmpci__vfio_mig_save(const struct vmpci_vfio_backend *be, uint8_t **data,
			 size_t *size, char *err, size_t errlen)
{
	struct msg m = msg_init(err, errlen);
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd = -1, rc;

	if (!be || !be->ops || !data || !size)
		return -EINVAL;
	*data = NULL;
	*size = 0;
	rc = vmpci__vfio_mig_probe(be, NULL);
	if (rc) {
		msg_add(&m, "function has no VFIO migration support (%s)",
			strerror(-rc));
		return rc;
	}
	rc = enter(be, VFIO_DEVICE_STATE_STOP_COPY, &fd, &m);
	if (rc)
		return rc;
	rc = fd < 0 ? -EIO : read_all(fd, &buf, &len);
	if (fd >= 0)
		close(fd);
	if (rc) {
		msg_add(&m, "reading the STOP_COPY data failed (%s)",
			strerror(-rc));
		recover(be, states[VFIO_DEVICE_STATE_STOP_COPY].data_err, &m);
		return rc;
	}
	rc = enter(be, VFIO_DEVICE_STATE_STOP, NULL, &m);
	if (rc) {
		free(buf);
		return rc;
	}
	*data = buf;
	*size = len;
	return 0;
}

int vmpci__vfio_mig_load(const struct vmpci_vfio_backend *be,
			 const uint8_t *data, size_t size, char *err,
			 size_t errlen)
{
	struct msg m = msg_init(err, errlen);
	int fd = -1, rc;

	if (!be || !be->ops || (size && !data))
		return -EINVAL;
	rc = vmpci__vfio_mig_probe(be, NULL);
	if (rc) {
		msg_add(&m,
			"%zu bytes of VFIO device data to load, but the function has no VFIO migration support (%s)",
			size, strerror(-rc));
		return rc;
	}
	rc = enter(be, VFIO_DEVICE_STATE_RESUMING, &fd, &m);
	if (rc)
		return rc;
	rc = fd < 0 ? -EIO : write_all(fd, data, size);
	if (fd >= 0)
		close(fd);
	if (rc) {
		msg_add(&m, "writing the RESUMING data failed (%s)",
			strerror(-rc));
		recover(be, states[VFIO_DEVICE_STATE_RESUMING].data_err, &m);
	}
	return rc;
}
