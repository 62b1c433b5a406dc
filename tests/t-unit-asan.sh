#!/usr/bin/env bash
# The unit tests of our own C code, built with ASan and UBSan (make
# asan-unit-tests): each must pass with no memory error, no undefined
# behaviour and no leak.  One line per test program; the cases' own
# output is in build/test-logs/unit-asan/.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-tap.sh"
bin=$top/build/bin-asan
logs=$top/build/test-logs/unit-asan
mkdir -p "$logs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in test-hb-stats test-qmp-client test-same-args test-stream-mutate test-handover-args \
         test-compat-parse test-phase-timeline test-source-late-stop \
         test-disk-verify test-net-stats; do
    if [ ! -x "$bin/$t" ]; then
        tap_fail "$t under ASan/UBSan: not built (make asan-unit-tests)"
        continue
    fi
    "$bin/$t" > "$logs/$t.log" 2>&1
    rc=$?
    cases=$(grep -cE '^ok [0-9]+' "$logs/$t.log")
    if [ "$rc" = 0 ] && ! grep -qE 'Sanitizer|runtime error' "$logs/$t.log"; then
        tap_ok "$t under ASan/UBSan: $cases cases, no memory error or leak"
    else
        tap_fail "$t under ASan/UBSan: exit $rc, see build/test-logs/unit-asan/$t.log"
        grep -E 'ERROR|SUMMARY|runtime error|^not ok' "$logs/$t.log" | head -5 | sed 's/^/# /'
    fi
done
