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
. "$top/scripts/qemu-configure.sh"
[ -d "$wt/.git" ] || { echo "install-qemu: run scripts/prepare-qemu.sh first" >&2; exit 1; }
qemu_configure "$bld" --prefix="$prefix"
ninja -C "$bld" install | tail -1
echo "install-qemu: installed into $prefix: $prefix/bin/qemu-system-x86_64"
