/* What vmpci exports, in one place. The library is compiled with
 * -fvisibility=hidden, so nothing a VMM could clash with leaves it unless a
 * public header declares it: every public header wraps its declarations in
 * VMPCI_API_BEGIN / VMPCI_API_END, which give them default visibility (the
 * definitions inherit it from the declaration) and C linkage for C++
 * callers. tests/package/linkage_test.sh checks that the exported set is
 * exactly what the public headers declare. */
#ifndef VMPCI_EXPORT_H
#define VMPCI_EXPORT_H

#ifdef __cplusplus
#define VMPCI_EXTERN_C_BEGIN extern "C" {
#define VMPCI_EXTERN_C_END }
#else
#define VMPCI_EXTERN_C_BEGIN
#define VMPCI_EXTERN_C_END
#endif

#define VMPCI_API_BEGIN                                                        \
	VMPCI_EXTERN_C_BEGIN                                                   \
	_Pragma("GCC visibility push(default)")
#define VMPCI_API_END                                                          \
	_Pragma("GCC visibility pop")                                          \
	VMPCI_EXTERN_C_END

#endif
