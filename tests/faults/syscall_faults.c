/* The ld --wrap wrappers and the injection counter (syscall_faults.h). */
#include "tests/faults/syscall_faults.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* What an injected failure of each kind reports: the errno the kernel
 * gives when that call fails for lack of a resource or an I/O error, so
 * the library's own errno paths are taken. */
static const struct {
	const char *name;
	int err;
} kinds[FAULT_NR_KINDS] = {
	[FAULT_OPEN] = { "open", EMFILE },
	[FAULT_CLOSE] = { "close", EIO },
	[FAULT_READ] = { "read", EIO },
	[FAULT_WRITE] = { "write", EIO },
	[FAULT_PREAD] = { "pread", EIO },
	[FAULT_PWRITE] = { "pwrite", EIO },
	[FAULT_IOCTL] = { "ioctl", ENOMEM },
	[FAULT_MMAP] = { "mmap", ENOMEM },
	[FAULT_MUNMAP] = { "munmap", ENOMEM },
	[FAULT_EVENTFD] = { "eventfd", EMFILE },
	[FAULT_FCNTL] = { "fcntl", EMFILE },
	[FAULT_READLINK] = { "readlink", EIO },
	[FAULT_ACCESS] = { "access", EACCES },
	[FAULT_MEMFD_CREATE] = { "memfd_create", EMFILE },
	[FAULT_FTRUNCATE] = { "ftruncate", EIO },
};

static struct {
	bool armed;
	uint64_t fail_at;
	uint64_t calls;
	uint64_t kind_calls[FAULT_NR_KINDS];
	bool fired;
	enum fault_kind fired_kind;
} state;

#define MAX_REFUSED 64
static struct {
	void *addr;
	size_t len;
} refused[MAX_REFUSED];
static unsigned nr_refused;

const char *fault_kind_name(enum fault_kind kind)
{
	return kind < FAULT_NR_KINDS ? kinds[kind].name : "?";
}

int fault_kind_errno(enum fault_kind kind)
{
	return kind < FAULT_NR_KINDS ? kinds[kind].err : EIO;
}

void faults_arm(uint64_t fail_at)
{
	uint64_t *k = state.kind_calls;

	for (unsigned i = 0; i < FAULT_NR_KINDS; i++)
		k[i] = 0;
	state.calls = 0;
	state.fail_at = fail_at;
	state.fired = false;
	state.armed = true;
}

void faults_disarm(void)
{
	state.armed = false;
}

void faults_resume(void)
{
	state.armed = true;
}

bool faults_armed(void)
{
	return state.armed;
}

uint64_t faults_calls(void)
{
	return state.calls;
}

uint64_t faults_kind_calls(enum fault_kind kind)
{
	return kind < FAULT_NR_KINDS ? state.kind_calls[kind] : 0;
}

bool faults_fired(enum fault_kind *kind)
{
	if (state.fired && kind)
		*kind = state.fired_kind;
	return state.fired;
}

/* Count one call; true when this one is to fail (errno is then set). */
static bool inject(enum fault_kind kind)
{
	if (!state.armed)
		return false;
	state.calls++;
	state.kind_calls[kind]++;
	if (state.calls != state.fail_at)
		return false;
	state.fired = true;
	state.fired_kind = kind;
	errno = kinds[kind].err;
	return true;
}

int __real_munmap(void *addr, size_t len);

unsigned faults_release_refused_munmaps(void)
{
	unsigned n = nr_refused;

	for (unsigned i = 0; i < nr_refused; i++)
		__real_munmap(refused[i].addr, refused[i].len);
	nr_refused = 0;
	return n;
}

/* The wrappers. Variadic ones forward their one optional argument, which
 * the x86-64 ABI passes in a register whether or not the caller gave it. */

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	if (inject(FAULT_OPEN))
		return -1;
	return __real_open(path, flags, mode);
}

int __real_close(int fd);
int __wrap_close(int fd);
int __wrap_close(int fd)
{
	/* Linux releases the fd even when close reports an error (EIO of a
	 * late write-back, EINTR): do the same. */
	if (inject(FAULT_CLOSE)) {
		__real_close(fd);
		errno = kinds[FAULT_CLOSE].err;
		return -1;
	}
	return __real_close(fd);
}

ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	if (inject(FAULT_READ))
		return -1;
	return __real_read(fd, buf, len);
}

ssize_t __real_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	if (inject(FAULT_WRITE))
		return -1;
	return __real_write(fd, buf, len);
}

ssize_t __real_pread(int fd, void *buf, size_t len, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t len, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t len, off_t off)
{
	if (inject(FAULT_PREAD))
		return -1;
	return __real_pread(fd, buf, len, off);
}

ssize_t __real_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (inject(FAULT_PWRITE))
		return -1;
	return __real_pwrite(fd, buf, len, off);
}

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (inject(FAULT_IOCTL))
		return -1;
	return __real_ioctl(fd, request, arg);
}

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	if (inject(FAULT_MMAP))
		return MAP_FAILED;
	return __real_mmap(addr, len, prot, flags, fd, off);
}

int __wrap_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len)
{
	if (inject(FAULT_MUNMAP)) {
		if (nr_refused < MAX_REFUSED) {
			refused[nr_refused].addr = addr;
			refused[nr_refused].len = len;
			nr_refused++;
		}
		return -1;
	}
	return __real_munmap(addr, len);
}

int __real_eventfd(unsigned int initval, int flags);
int __wrap_eventfd(unsigned int initval, int flags);
int __wrap_eventfd(unsigned int initval, int flags)
{
	if (inject(FAULT_EVENTFD))
		return -1;
	return __real_eventfd(initval, flags);
}

int __real_fcntl(int fd, int cmd, ...);
int __wrap_fcntl(int fd, int cmd, ...);
int __wrap_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (inject(FAULT_FCNTL))
		return -1;
	return __real_fcntl(fd, cmd, arg);
}

ssize_t __real_readlink(const char *path, char *buf, size_t len);
ssize_t __wrap_readlink(const char *path, char *buf, size_t len);
ssize_t __wrap_readlink(const char *path, char *buf, size_t len)
{
	if (inject(FAULT_READLINK))
		return -1;
	return __real_readlink(path, buf, len);
}

int __real_access(const char *path, int mode);
int __wrap_access(const char *path, int mode);
int __wrap_access(const char *path, int mode)
{
	if (inject(FAULT_ACCESS))
		return -1;
	return __real_access(path, mode);
}

int __real_memfd_create(const char *name, unsigned int flags);
int __wrap_memfd_create(const char *name, unsigned int flags);
int __wrap_memfd_create(const char *name, unsigned int flags)
{
	if (inject(FAULT_MEMFD_CREATE))
		return -1;
	return __real_memfd_create(name, flags);
}

int __real_ftruncate(int fd, off_t len);
int __wrap_ftruncate(int fd, off_t len);
int __wrap_ftruncate(int fd, off_t len)
{
	if (inject(FAULT_FTRUNCATE))
		return -1;
	return __real_ftruncate(fd, len);
}
