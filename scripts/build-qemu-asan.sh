#!/usr/bin/env bash
# Our QEMU once more with AddressSanitizer and UndefinedBehaviorSanitizer,
# in its own build directory (build/qemu/build-asan), only the x86_64
# system emulator: the mutation test (tests/t-precreate-hostile-streams.sh)
# runs it so that a memory error or undefined behaviour a hostile stream
# causes is reported even where it does not crash.  Incremental like
# build-qemu.sh.  CPR_NO_ASAN_BUILD=1 skips it (the test then uses the
# normal build and says so).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
wt=$top/build/qemu
bld=$wt/build-asan
. "$top/scripts/qemu-configure.sh"
if [ -n "${CPR_NO_ASAN_BUILD:-}" ]; then
    echo "build-qemu-asan: skipped (CPR_NO_ASAN_BUILD)"
    exit 0
fi
[ -d "$wt/.git" ] || { echo "build-qemu-asan: no build/qemu; run scripts/prepare-qemu.sh" >&2; exit 1; }
qemu_configure "$bld" --enable-asan --enable-ubsan
ninja -C "$bld" qemu-system-x86_64
qemu_link_firmware "$bld"
