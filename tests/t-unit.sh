#!/usr/bin/env bash
# Unit tests of our own C code (GLib test framework, TAP output).
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for t in test-hb-stats test-qmp-client test-same-args test-stream-mutate test-handover-args \
         test-compat-parse test-phase-timeline test-source-late-stop; do
    "$top/build/bin/$t" || rc=1
done
for t in test-disk-verify test-net-stats; do
    "$top/build/bin/$t" || rc=1
done
exit $rc
