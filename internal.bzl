"""Headers vmpci's components share among themselves and never install:
//dist (dist/library.bzl) leaves out every target with this tag."""

VMPCI_INTERNAL_TAG = "vmpci_internal"

def vmpci_internal_headers(name, hdrs, deps = [], visibility = None):
    native.cc_library(
        name = name,
        hdrs = hdrs,
        tags = [VMPCI_INTERNAL_TAG],
        visibility = visibility,
        deps = deps,
    )
