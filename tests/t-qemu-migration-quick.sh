#!/usr/bin/env bash
# QEMU's migration-test quick set: a regression guard for the series.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/build/qemu/build"
PYTHON=$PWD/pyvenv/bin/python3 QTEST_QEMU_BINARY=./qemu-system-x86_64 timeout 900 ./tests/qtest/migration-test
