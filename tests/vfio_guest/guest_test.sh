#!/usr/bin/env bash
# The test program of every vfio_guest_test() (vfio_guest.bzl): runs
# run-in-guest.sh, whose runfiles path comes first, with the rest of the
# arguments. Bazel tests do not see the user's HOME, so the cache default is
# taken from the user's real home, where setup.sh put it; a cache elsewhere
# reaches the test with --test_env=VMPCI_GUEST_CACHE=/path.
set -euo pipefail
harness=$1
shift
if [ -z "${VMPCI_GUEST_CACHE:-}" ]; then
	VMPCI_GUEST_CACHE=$(getent passwd "$(id -u)" | cut -d: -f6)/.cache/vmpci-guest
	export VMPCI_GUEST_CACHE
fi
export TMPDIR=${TEST_TMPDIR:-${TMPDIR:-/tmp}}
exec "$harness" "$@"
