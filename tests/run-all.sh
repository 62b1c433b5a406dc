#!/usr/bin/env bash
# Run every tests/t-*.sh.  Each prints TAP ("ok N name", "not ok N name",
# "ok N name # SKIP why"); its results are counted one by one.  A script that
# exits non-zero without reporting a failure counts as one failure.
# Logs go to build/test-logs/.  Usage: run-all.sh [NAME-SUBSTRING...]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/test-logs
mkdir -p "$logs"
pass=0 fail=0 skip=0
failed_tests=()

for t in "$top"/tests/t-*.sh; do
    name=$(basename "$t" .sh)
    if [ $# -gt 0 ]; then
        match=0
        for want in "$@"; do [[ $name == *$want* ]] && match=1; done
        [ $match = 1 ] || continue
    fi
    echo "--- $name"
    start=$(date +%s)
    bash "$t" > "$logs/$name.log" 2>&1
    rc=$?
    p=$(grep -cE '^ok [0-9]+' "$logs/$name.log" | tr -d ' ')
    s=$(grep -cE '^ok [0-9]+.*# ?SKIP' "$logs/$name.log" | tr -d ' ')
    f=$(grep -cE '^not ok [0-9]+' "$logs/$name.log" | tr -d ' ')
    p=$(( p - s ))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc" >> "$logs/$name.log"
    fi
    grep -E '^(not )?ok [0-9]+|^# note: ' "$logs/$name.log" | sed 's/^/    /'
    [ "$f" != 0 ] && failed_tests+=("$name")
    echo "    ($p passed, $f failed, $s skipped in $(( $(date +%s) - start )) s)"
    pass=$(( pass + p )); fail=$(( fail + f )); skip=$(( skip + s ))
done

# What broke, right above the summary, so a CI log shows it without digging.
for name in "${failed_tests[@]}"; do
    echo
    echo "=== FAILED: $name (log: build/test-logs/$name.log)"
    grep -E '^not ok [0-9]+' "$logs/$name.log" | sed 's/^/    /'
    echo "    --- last 30 lines of the log:"
    tail -30 "$logs/$name.log" | sed 's/^/    | /'
done

echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
