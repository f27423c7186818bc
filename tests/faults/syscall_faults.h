/* Syscall fault injection by link-time wrapping (ld --wrap).
 *
 * A program linked statically against vmpci with FAULTS_WRAP_LINKOPTS has
 * every call the library makes to the functions below routed through a
 * wrapper here. While armed, the wrappers count calls (per kind and in
 * total); when the running count reaches the armed target, that one call
 * fails with the kind's errno instead of reaching the kernel. Outside an
 * armed window nothing is counted, so the test's own setup never shifts
 * the numbering.
 *
 * Single-threaded by design, like the flows that use it. */
#ifndef VMPCI_TESTS_FAULTS_SYSCALL_FAULTS_H
#define VMPCI_TESTS_FAULTS_SYSCALL_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fault_kind {
	FAULT_OPEN,
	FAULT_CLOSE,
	FAULT_READ,
	FAULT_WRITE,
	FAULT_PREAD,
	FAULT_PWRITE,
	FAULT_IOCTL,
	FAULT_MMAP,
	FAULT_MUNMAP,
	FAULT_EVENTFD,
	FAULT_FCNTL,
	FAULT_READLINK,
	FAULT_ACCESS,
	FAULT_MEMFD_CREATE,
	FAULT_FTRUNCATE,
	FAULT_NR_KINDS,
};

/* The wrapped symbol, e.g. "ioctl". */
const char *fault_kind_name(enum fault_kind kind);
/* The errno an injected failure of this kind reports. */
int fault_kind_errno(enum fault_kind kind);

/* Start counting from zero; call number `fail_at` (1-based) fails, 0 fails
 * none (a counting run). Clears what fired before. */
void faults_arm(uint64_t fail_at);
/* Stop counting (the count and what fired are kept), e.g. while the test
 * checks the outcome through the library; faults_resume goes on counting. */
void faults_disarm(void);
void faults_resume(void);
bool faults_armed(void);

/* Calls counted since faults_arm, in total and of one kind. */
uint64_t faults_calls(void);
uint64_t faults_kind_calls(enum fault_kind kind);

/* Whether the armed failure happened, and of which kind. */
bool faults_fired(enum fault_kind *kind);

/* munmap failures are injected the way the kernel fails them (the mapping
 * stays); the test unmaps what was refused once its checks are done.
 * Returns the number of mappings it released. */
unsigned faults_release_refused_munmaps(void);

#ifdef __cplusplus
}
#endif

#endif
