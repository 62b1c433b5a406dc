#!/usr/bin/env bash
# Check that every patch of the series builds on its own and passes
# checkpatch: apply patches/ one at a time in a separate work tree
# (build/series-check) and build QEMU and migration-test after each.
# Slow (one full build, then one incremental build per patch); not part of
# ./run-tests.  Prints one line per patch and exits non-zero on a failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
wt=$top/build/qemu
chk=$top/build/series-check
. "$top/scripts/qemu-configure.sh"
[ -d "$wt/.git" ] || { echo "check-series: run scripts/prepare-qemu.sh first" >&2; exit 1; }
if [ ! -d "$chk/.git" ]; then
    git clone -q --no-checkout "$wt" "$chk"
fi
git -C "$chk" fetch -q "$wt" base
git -C "$chk" checkout -q -f --detach FETCH_HEAD
git -C "$chk" clean -q -fdx -e build
# -Werror here (not in the test builds): a patch must add no warning.
qemu_configure "$chk/build" --enable-werror

fail=0
n=0
for p in "$top"/patches/*.patch; do
    n=$((n + 1))
    name=$(basename "$p")
    git -C "$chk" -c user.name=check -c user.email=check@localhost am -q "$p" ||
        { echo "FAIL $name: does not apply"; exit 1; }
    if ! (cd "$chk" && ./scripts/checkpatch.pl --no-signoff -q "$p" > "$chk/build/checkpatch-$n.log" 2>&1); then
        echo "FAIL $name: checkpatch (build/series-check/build/checkpatch-$n.log)"
        fail=1
    fi
    if ninja -C "$chk/build" qemu-system-x86_64 tests/qtest/migration-test \
            > "$chk/build/build-$n.log" 2>&1; then
        echo "ok   $name"
    else
        echo "FAIL $name: build (build/series-check/build/build-$n.log)"
        fail=1
    fi
done
exit $fail
