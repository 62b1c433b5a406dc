#!/usr/bin/env bash
# QEMU's own cpr qtests (migration-test --full, /migration/mode/*).  Upstream
# registers the cpr-transfer ones only where KVM is usable.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-tap.sh"
bld=$top/build/qemu/build
if ! have_kvm; then
    tap_skip "/x86_64/migration/mode" "no usable /dev/kvm"
    exit 0
fi
cd "$bld"
export QTEST_QEMU_BINARY=./qemu-system-x86_64
# GLib's -p of a suite skips a sub-suite named like a test (mode/transfer
# and mode/transfer/defer), while -p of that test runs its sub-suite too.
# So pass the listed tests, minus those below another listed one.
mapfile -t paths < <(./tests/qtest/migration-test --full -l 2>/dev/null |
                     grep '^/x86_64/migration/mode/')
[ ${#paths[@]} -gt 0 ] || { echo "not ok 1 no /migration/mode tests listed"; exit 1; }
args=()
for p in "${paths[@]}"; do
    below=0
    for q in "${paths[@]}"; do [[ $p == "$q"/* ]] && below=1; done
    [ $below = 1 ] || args+=(-p "$p")
done
timeout 600 ./tests/qtest/migration-test --full "${args[@]}"
