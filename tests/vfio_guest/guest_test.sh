#!/usr/bin/env bash
# The test program of every vfio_guest_test() (vfio_guest.bzl): runs
# run-in-guest.sh, whose runfiles path comes first, with the rest of the
# arguments. Bazel tests do not see the user's HOME, so the cache default is
# taken from the user's real home, where setup.sh put it; a cache elsewhere
# reaches the test with --test_env=VMPCI_GUEST_CACHE=/path. A test that needs
# its own kernel names its cache folder in VMPCI_GUEST_CACHE_NAME
# (vfio_guest_test's kernel_cache), which wins.
set -euo pipefail
harness=$1
shift
home=$(getent passwd "$(id -u)" | cut -d: -f6)
if [ -n "${VMPCI_GUEST_CACHE_NAME:-}" ]; then
	export VMPCI_GUEST_CACHE=$home/.cache/$VMPCI_GUEST_CACHE_NAME
elif [ -z "${VMPCI_GUEST_CACHE:-}" ]; then
	export VMPCI_GUEST_CACHE=$home/.cache/vmpci-guest
fi
export TMPDIR=${TEST_TMPDIR:-${TMPDIR:-/tmp}}
exec "$harness" "$@"
