#!/usr/bin/env bash
# Install our QEMU (with the series) into a prefix: scripts/install-qemu.sh
# [PREFIX] (default /usr/local).  Uses a build directory of its own,
# build/qemu/build-install, configured with that prefix, so the development
# build in build/qemu/build is not reconfigured.  Firmware comes from
# Debian's seabios/ipxe packages (absolute --firmwarepath), as in the
# development build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-/usr/local}
wt=$top/build/qemu
bld=$wt/build-install
flags=(
    --prefix="$prefix"
    --python=/usr/bin/python3 --target-list=x86_64-softmmu
    --disable-docs --disable-werror --disable-rust --disable-install-blobs
    --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
)
[ -d "$wt/.git" ] || { echo "install-qemu: run scripts/prepare-qemu.sh first" >&2; exit 1; }
if [ ! -f "$bld/build.ninja" ] || [ "$(cat "$bld/.cpr-flags" 2>/dev/null)" != "${flags[*]}" ]; then
    rm -rf "$bld"
    mkdir -p "$bld"
    (cd "$bld" && ../configure "${flags[@]}" > configure.log 2>&1) ||
        { tail -30 "$bld/configure.log" >&2; echo "install-qemu: configure failed" >&2; exit 1; }
    echo "${flags[*]}" > "$bld/.cpr-flags"
fi
ninja -C "$bld" install | tail -1
echo "install-qemu: installed into $prefix: $prefix/bin/qemu-system-x86_64"
