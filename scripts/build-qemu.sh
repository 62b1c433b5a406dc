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

# An uninstalled binary looks for firmware under qemu-bundle/<firmwarepath>:
# point those at the system's seabios/ipxe/qemu firmware directories.
for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
    link=$bld/qemu-bundle$d
    if [ ! -e "$link" ]; then
        mkdir -p "$(dirname "$link")"
        ln -sfn "$d" "$link"
    fi
done
