"""Compiler flags for vmpci's own C code (not imposed on embedders)."""

VMPCI_COPTS = [
    "-std=c11",
    "-D_GNU_SOURCE",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wshadow",
    "-Wstrict-prototypes",
    "-Wmissing-prototypes",
]

# The library's components: nothing leaves libvmpci unless a public header
# exports it (vmpci_export.h).
VMPCI_LIB_COPTS = VMPCI_COPTS + ["-fvisibility=hidden"]

# Components that share hidden helpers (vfio:internal, device:internal)
# link statically even in tests: a per-target shared object would not
# export those helpers to the component that calls them.
VMPCI_LIB_LINKSTATIC = True

# C++ is for tests only; they see the library through tests/shim.
VMPCI_TEST_COPTS = [
    "-std=c++17",
    "-Wall",
    "-Wextra",
    "-Werror",
]
