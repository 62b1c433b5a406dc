#!/usr/bin/env bash
# Configure (once) and build our QEMU: x86_64 system emulator plus the qtest
# binaries the tests run.  Incremental; meson picks up ccache by itself.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
wt=$top/build/qemu
bld=$wt/build
flags=(
    --python=/usr/bin/python3 --target-list=x86_64-softmmu
    --disable-docs --disable-werror --disable-rust --disable-install-blobs
    --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
)
[ -d "$wt/.git" ] || { echo "build-qemu: no build/qemu; run scripts/prepare-qemu.sh" >&2; exit 1; }

if [ ! -f "$bld/build.ninja" ] || [ "$(cat "$bld/.cpr-flags" 2>/dev/null)" != "${flags[*]}" ]; then
    rm -rf "$bld"
    mkdir -p "$bld"
    (cd "$bld" && ../configure "${flags[@]}" > configure.log 2>&1) ||
        { tail -30 "$bld/configure.log" >&2; echo "build-qemu: configure failed" >&2; exit 1; }
    echo "${flags[*]}" > "$bld/.cpr-flags"
fi

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
