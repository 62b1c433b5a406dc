#!/usr/bin/env bash
# HMP in the precreate phase: the precreate commands work, others are
# refused naming the phase, help lists only what is available, and
# precreate_exit leaves the phase.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lib/live-update.sh"
. "$top/tests/lib-tap.sh"

lu_init
"$OUR_QEMU" -precreate -incoming defer -nodefaults -display none -machine none \
    -monitor "unix:$LU_DIR/hmp.sock,server=on,wait=off" 2> "$LU_DIR/qemu.err" &
LU_PIDS+=("$!")
lu_wait_for "HMP socket" test -S "$LU_DIR/hmp.sock"

# hmp COMMAND...: run HMP commands, print what the monitor answered.
# socat waits 5 s after our input ends for the answers: 1 s is within what
# a loaded 2-core CI machine can keep QEMU off the CPU.
hmp() {
    printf '%s\n' "$@" | timeout 20 socat -t 5 - "UNIX-CONNECT:$LU_DIR/hmp.sock" |
        tr -d '\r' | sed 's/\x1b\[[0-9;]*[A-Za-z]//g'
}

out=$(hmp "info status" "info cpus" "migrate_set_capability events on" \
          "info migrate_capabilities" "migrate_set_parameter downtime-limit 321" \
          "info migrate_parameters" "help")
echo "$out" > "$LU_DIR/hmp.out"
tap_check "info status works: paused (inmigrate)" grep -q 'VM status: paused (inmigrate)' <<< "$out"
tap_check "info cpus refused, naming the phase" \
    grep -q "Command 'info cpus' is not available in the precreate phase" <<< "$out"
tap_check "migrate_set_capability takes effect" grep -q '^events: on' <<< "$out"
tap_check "migrate_set_parameter takes effect" grep -q 'downtime-limit: 321 ms' <<< "$out"
tap_check "help lists precreate_exit" grep -q '^precreate_exit' <<< "$out"
tap_check "help does not list device_add" sh -c "! grep -q '^device_add' '$LU_DIR/hmp.out'"

out=$(hmp "precreate_exit" "precreate_exit" "info chardev")
tap_check "second precreate_exit refused" grep -q 'already been exited' <<< "$out"
tap_check "info chardev works once the phase is over" grep -q '^compat_monitor0: ' <<< "$out"
