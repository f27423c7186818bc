/* What the guest programs of this folder share: one PASS / FAIL line per
 * check, the function to drive, and the exit status. */
#ifndef VMPCI_TESTS_DEVICE_GUEST_REPORT_H
#define VMPCI_TESTS_DEVICE_GUEST_REPORT_H

#include <stdbool.h>
#include <stddef.h>

/* Print "PASS: ..." or "FAIL: ..." and count it. */
void guest_check(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The first function of $VFIO_BDFS into bdf[0 .. len); false (and a FAIL)
 * when there is none. */
bool guest_first_bdf(char *bdf, size_t len);

/* Print "N passed, M failed"; the exit status: 1 on a failure or when
 * nothing was checked. */
int guest_finish(void);

#endif
