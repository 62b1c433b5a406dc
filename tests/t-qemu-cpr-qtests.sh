#!/usr/bin/env bash
# QEMU's own cpr qtests (migration-test --full, /migration/mode).  Upstream
# registers the cpr-transfer ones only where KVM is usable.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-tap.sh"
bld=$top/build/qemu/build
if ! have_kvm; then
    tap_skip "/x86_64/migration/mode" "no usable /dev/kvm"
    exit 0
fi
cd "$bld"
QTEST_QEMU_BINARY=./qemu-system-x86_64 \
    timeout 600 ./tests/qtest/migration-test --full -p /x86_64/migration/mode
