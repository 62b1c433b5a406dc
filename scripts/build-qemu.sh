#!/usr/bin/env bash
# Configure (once) and build our QEMU: x86_64 system emulator plus the qtest
# binaries the tests run.  Incremental; meson picks up ccache by itself.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
wt=$top/build/qemu
bld=$wt/build
. "$top/scripts/qemu-configure.sh"
[ -d "$wt/.git" ] || { echo "build-qemu: no build/qemu; run scripts/prepare-qemu.sh" >&2; exit 1; }
qemu_configure "$bld"

ninja -C "$bld" qemu-system-x86_64 tests/qtest/migration-test

qemu_link_firmware "$bld"
