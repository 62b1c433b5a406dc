#!/usr/bin/env bash
# QEMU's checkpatch.pl on every patch of the series.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-tap.sh"
shopt -s nullglob
patches=("$top"/patches/*.patch)
if [ ${#patches[@]} = 0 ]; then
    tap_skip checkpatch "the series is empty"
    exit 0
fi
cd "$top/build/qemu"
for p in "${patches[@]}"; do
    tap_check "checkpatch $(basename "$p")" ./scripts/checkpatch.pl --no-signoff -q "$p"
done
