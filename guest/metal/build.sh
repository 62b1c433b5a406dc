#!/usr/bin/env bash
# Build the bare-metal heartbeat guest: a 32-bit freestanding multiboot (v1)
# ELF for QEMU's -kernel, with Debian's gcc and ld only (no libc, no
# libgcc: 64-bit division is done by hand), into build/metal-guest/.
# Usage: guest/metal/build.sh [OUTDIR]
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$src/../.." && pwd)
out=${1:-$top/build/metal-guest}
mkdir -p "$out/obj"
cc=${CC:-gcc}
cflags=(-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector
        -fno-asynchronous-unwind-tables -mno-sse -mno-mmx -mno-80387
        -O2 -g -Wall -Wextra -Werror -std=gnu11 -nostdinc
        -isystem "$($cc -m32 -print-file-name=include)")
objs=()
for f in "$src"/boot.S "$src"/*.c; do
    o=$out/obj/$(basename "${f%.*}").o
    $cc "${cflags[@]}" -c -o "$o" "$f"
    objs+=("$o")
done
ld -m elf_i386 -nostdlib -static --no-warn-rwx-segments -T "$src/link.ld" -o "$out/metal-guest.elf.tmp" "${objs[@]}"
mv "$out/metal-guest.elf.tmp" "$out/metal-guest.elf"
echo "metal-guest: $out/metal-guest.elf"
