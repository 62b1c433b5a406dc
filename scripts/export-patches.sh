#!/usr/bin/env bash
# Export the commits on top of 'base' in build/qemu into patches/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
wt=$top/build/qemu
[ -d "$wt/.git" ] || { echo "export-patches: no build/qemu; run make prepare" >&2; exit 1; }
if [ -n "$(git -C "$wt" status --porcelain --untracked-files=no)" ]; then
    echo "export-patches: build/qemu has uncommitted edits" >&2
    exit 1
fi
rm -f "$top"/patches/*.patch
mkdir -p "$top/patches"
git -C "$wt" format-patch -q --no-signature --zero-commit --no-numbered \
    -o "$top/patches" base..HEAD
ls "$top/patches"
