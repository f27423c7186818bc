#!/usr/bin/env bash
# Installs, with apt, the Debian 12 packages vmpci builds and tests with.
# Quick when they are already there: apt runs only for what is missing.
set -euo pipefail

packages=(
	bazel-bootstrap      # Bazel 4.2.3, used fully offline (see WORKSPACE)
	default-jdk-headless # Bazel's server runs on it
	build-essential
	libcjson-dev         # snapshot documents (migration/)
	libgtest-dev         # the test suites
	pciutils             # lspci -F decodes our config-space dumps in tests
	clang                # libFuzzer targets
	libclang-rt-14-dev   # sanitizer and fuzzer runtimes for clang
	lld                  # links the fuzz targets (.bazelrc config fuzz)
	"$@"
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
