#!/usr/bin/env bash
# README command 1: install what vmpci builds with, build the tool, and run
# it on its built-in default (`vmpci demo`). Extra arguments go to vmpci.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bazel build //tools:vmpci
exec bazel-bin/tools/vmpci "${@:-demo}"
