/* The explanation of a refusal: the one formatting step the checks of
 * pci/, interrupts/, device/ and migration/ share. Internal, never
 * installed. */
#ifndef VMPCI_WHY_H
#define VMPCI_WHY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A buffer of this size holds any model's reason whole. */
#define VMPCI__WHY_MAX 192

/* Store the message in why[0 .. len) (why may be NULL: the caller wants
 * the verdict alone) and return rc. */
__attribute__((format(printf, 4, 5))) static inline int
vmpci__why(char *why, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#endif
