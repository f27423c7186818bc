#!/usr/bin/env bash
# Another Bazel workspace depends on vmpci the WORKSPACE way, offline, and
# runs a cc_test (the README's embedding sample) against @vmpci//:vmpci:
#   bash tests/consumer/run.sh
# The consumer workspace is made afresh in $VMPCI_CONSUMER_DIR (default
# /tmp/vmpci-consumer) with local_repository pointing at this tree; it
# builds in an output base of its own ($VMPCI_CONSUMER_OUTPUT_BASE, default
# ~/.cache/bazel-vmpci-consumer), whose server is shut down at the end.
# A nested Bazel cannot run inside a Bazel test's sandbox, so tests/run.sh
# calls this script as a stage of its own; it prints one
# "//consumer:embed_test PASSED in Ns" / "FAILED in Ns" line for the tally
# and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
tree=$PWD
ws=${VMPCI_CONSUMER_DIR:-/tmp/vmpci-consumer}
base=${VMPCI_CONSUMER_OUTPUT_BASE:-$HOME/.cache/bazel-vmpci-consumer}
label=//consumer:embed_test
start=$SECONDS

rm -rf "$ws"
mkdir -p "$ws/consumer"
cat >"$ws/WORKSPACE" <<WS
workspace(name = "consumer")

local_repository(
    name = "vmpci",
    path = "$tree",
)

load("@vmpci//:deps.bzl", "vmpci_dependencies")

vmpci_dependencies()
WS
cat >"$ws/consumer/BUILD.bazel" <<'BUILD'
cc_test(
    name = "embed_test",
    srcs = ["embed.c"],
    deps = ["@vmpci//:vmpci"],
)
BUILD
cp samples/embed.c "$ws/consumer/"

cd "$ws"
# --symlink_prefix=/: no convenience links; this workspace is thrown away.
bazel --output_base="$base" test --symlink_prefix=/ --test_output=errors \
	"$label" >"$ws.log" 2>&1
rc=$?
bazel --output_base="$base" shutdown >/dev/null 2>&1
if [ $rc -eq 0 ]; then
	echo "$label PASSED in $((SECONDS - start))s"
else
	tail -40 "$ws.log"
	echo "$label FAILED in $((SECONDS - start))s"
fi
exit $rc
