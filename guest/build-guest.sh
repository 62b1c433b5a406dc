#!/usr/bin/env bash
# Build the embedded demo guest into build/guest/: Debian's kernel (from the
# linux-image package, unpacked, not installed) and an initramfs made of
# busybox-static, guest/init and the heartbeat workload.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/guest
mkdir -p "$out"

die() { echo "build-guest: $*" >&2; exit 1; }

if [ ! -f "$out/vmlinuz" ]; then
    # linux-image-amd64 is a metapackage: its Depends names the real image.
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 (apt-get update?)"
    tmp=$(mktemp -d "$out/kernel.XXXXXX")
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || die "cannot download $pkg"
    dpkg-deb -x "$tmp"/*.deb "$tmp/root"
    cp "$tmp"/root/boot/vmlinuz-* "$out/vmlinuz.new"
    mv "$out/vmlinuz.new" "$out/vmlinuz"
    echo "$pkg" > "$out/kernel-package"
    rm -rf "$tmp"
fi

busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list | grep -qx sh ||
    die "busybox-static is not installed"
file "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || die "$busybox is not static"

src=("$top/guest/heartbeat.c" "$top/guest/init" "$busybox" "$0")
if [ -f "$out/initramfs.gz" ] && [ -z "$(find "${src[@]}" -newer "$out/initramfs.gz")" ]; then
    exit 0
fi
root=$(mktemp -d "$out/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
install -m 0755 "$top/guest/init" "$root/init"
gcc -O2 -Wall -Wextra -static -o "$root/heartbeat" "$top/guest/heartbeat.c"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
    gzip -9 > "$out/initramfs.gz.new"
mv "$out/initramfs.gz.new" "$out/initramfs.gz"
echo "build-guest: $out/vmlinuz ($(cat "$out/kernel-package")), $out/initramfs.gz"
