#!/usr/bin/env bash
# Build the embedded demo guest into build/guest/: Debian's kernel (from the
# linux-image package, unpacked, not installed) and an initramfs made of
# busybox-static, that kernel's virtio modules, guest/init and the workloads
# (heartbeat, disk-writer, net-talker).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/guest
mkdir -p "$out"

die() { echo "build-guest: $*" >&2; exit 1; }

# The virtio drivers the guest needs, with their dependencies; Debian's
# kernel has them as modules.
guest_modules=(virtio_pci virtio_blk virtio_net)

# modules_in_load_order MODDIR NAME...: the .ko paths (relative to MODDIR)
# of NAME and everything it depends on, dependencies first, from
# modules.dep.
modules_in_load_order() {
    local dir=$1
    shift
    declare -A deps=() seen=()
    local line mod
    while IFS= read -r line; do
        mod=${line%%:*}
        deps[$mod]=${line#*:}
    done < "$dir/modules.dep"
    visit() {
        local ko=$1 dep
        [ -z "${seen[$ko]:-}" ] || return 0
        seen[$ko]=1
        [ -n "${deps[$ko]+set}" ] || die "$ko is not in modules.dep"
        for dep in ${deps[$ko]}; do visit "$dep"; done
        echo "$ko"
    }
    local name ko
    for name in "$@"; do
        ko=$(awk -F: -v n="$name" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko(\.(xz|zst|gz))?$/, "", f)
                                     if (f == n) { print $1; exit } }' "$dir/modules.dep")
        [ -n "$ko" ] || die "module $name not found in $dir/modules.dep"
        visit "$ko"
    done
}

# unpack_modules ROOT: the guest modules of the unpacked kernel package
# ROOT, uncompressed (busybox insmod may not decompress), into
# $out/modules, with load-order listing them in the order to insmod.
unpack_modules() {
    local root=$1 dir ko name order
    dir=$(ls -d "$root"/lib/modules/*/ | head -n 1)
    [ -d "$dir" ] || die "no lib/modules in the kernel package"
    # The package ships no modules.dep (its postinst makes it): make it.
    [ -f "$dir/modules.dep" ] ||
        busybox depmod -b "$root" "$(basename "$dir")" || die "depmod failed"
    order=$(modules_in_load_order "$dir" "${guest_modules[@]}") || exit 1
    rm -rf "$out/modules.new"
    mkdir -p "$out/modules.new"
    for ko in $order; do
        name=$(basename "$ko")
        case $name in
            *.ko.xz)  xz -dc "$dir/$ko" > "$out/modules.new/${name%.xz}"; name=${name%.xz} ;;
            *.ko.zst) zstd -qdc "$dir/$ko" > "$out/modules.new/${name%.zst}"; name=${name%.zst} ;;
            *.ko.gz)  gzip -dc "$dir/$ko" > "$out/modules.new/${name%.gz}"; name=${name%.gz} ;;
            *.ko)     cp "$dir/$ko" "$out/modules.new/$name" ;;
            *)        die "unexpected module file $ko" ;;
        esac
        echo "$name" >> "$out/modules.new/load-order"
    done
    rm -rf "$out/modules"
    mv "$out/modules.new" "$out/modules"
}

# vmlinux_from_bzimage BZIMAGE OUT: the uncompressed kernel inside a
# bzImage.  Booted directly (PVH entry; Debian's kernel has CONFIG_PVH), it
# spares TCG the firmware's kernel loader and the decompression, which are
# most of the guest's boot time.
vmlinux_from_bzimage() {
    python3 - "$1" "$2" <<'PY' || return 1
import lzma, sys, zlib
data = open(sys.argv[1], 'rb').read()
for magic, unpack in ((b'\xfd7zXZ\x00', lambda d: lzma.LZMADecompressor().decompress(d)),
                      (b'\x1f\x8b\x08', lambda d: zlib.decompressobj(31).decompress(d))):
    at = data.find(magic)
    if at < 0:
        continue
    try:
        out = unpack(data[at:])
    except Exception:
        continue
    if out[:4] == b'\x7fELF':
        open(sys.argv[2], 'wb').write(out)
        sys.exit(0)
sys.exit(1)
PY
}

# Kernel and modules come from the same package, so they always match.
if [ ! -f "$out/vmlinuz" ] || [ ! -f "$out/modules/load-order" ]; then
    # linux-image-amd64 is a metapackage: its Depends names the real image.
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 (apt-get update?)"
    tmp=$(mktemp -d "$out/kernel.XXXXXX")
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || die "cannot download $pkg"
    dpkg-deb -x "$tmp"/*.deb "$tmp/root"
    unpack_modules "$tmp/root"
    cp "$tmp"/root/boot/vmlinuz-* "$out/vmlinuz.new"
    mv "$out/vmlinuz.new" "$out/vmlinuz"
    rm -f "$out/vmlinux"
    echo "$pkg" > "$out/kernel-package"
    rm -rf "$tmp"
fi

if [ ! -f "$out/vmlinux" ]; then
    if vmlinux_from_bzimage "$out/vmlinuz" "$out/vmlinux.new"; then
        mv "$out/vmlinux.new" "$out/vmlinux"
    else
        rm -f "$out/vmlinux.new"
        echo "build-guest: no uncompressed kernel in vmlinuz; the guest boots the bzImage" >&2
    fi
fi

busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list | grep -qx sh ||
    die "busybox-static is not installed"
file "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || die "$busybox is not static"

programs=(heartbeat disk-writer net-talker)
src=("$top"/guest/*.c "$top"/guest/*.h "$top/tools/disk-record.h" "$top/guest/init"
     "$busybox" "$0" "$out/modules/load-order")
if [ -f "$out/initramfs.gz" ] && [ -z "$(find "${src[@]}" -newer "$out/initramfs.gz")" ]; then
    exit 0
fi
root=$(mktemp -d "$out/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$busybox" "$root/bin/busybox"
install -m 0755 "$top/guest/init" "$root/init"
cp "$out"/modules/* "$root/lib/modules/"
for prog in "${programs[@]}"; do
    gcc -O2 -Wall -Wextra -Werror -static -I"$top/tools" -o "$root/$prog" "$top/guest/$prog.c"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
    gzip -9 > "$out/initramfs.gz.new"
mv "$out/initramfs.gz.new" "$out/initramfs.gz"
echo "build-guest: $out/vmlinuz ($(cat "$out/kernel-package")), $out/initramfs.gz"
