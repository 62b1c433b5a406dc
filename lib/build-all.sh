#!/usr/bin/env bash
# Install dependencies and build everything: QEMU with the series, our tools,
# the demo guest.  Shared first step of ./run-demo and ./run-tests.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
step() { echo "== $*"; }
step "installing dependencies";  scripts/install-deps.sh
step "preparing build/qemu";     scripts/prepare-qemu.sh
step "building QEMU";            scripts/build-qemu.sh | tail -1
step "building tools";           make -s tools unit-tests
step "building the demo guest";  guest/build-guest.sh
step "building the bare-metal guest"; guest/metal/build.sh
