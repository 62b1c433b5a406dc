#!/usr/bin/env bash
# cpr-update failure injection: the destination dies at each step, exits at
# once, or gets a bad argument; cpr-update itself gets a bad option.  Each
# time cpr-update must exit non-zero naming the step, and the guest must
# still run on the source with its memory intact, with nothing left behind.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The guest boots in TCG on a shared machine: be generous with every wait.
LU_TIMEOUT=${LU_TIMEOUT:-180}
. "$top/tests/lib-e2e.sh"

lu_start_guest
lu_guest_args_array

no_leftovers() {
    ! pgrep -f "$LU_DIR/cpr-update\." >/dev/null &&
        [ -z "$(find "$LU_DIR" -maxdepth 1 -name 'cpr-update.*')" ]
}

source_still_fine() {
    local n
    [ "$(lu_status "$LU_DIR/src.qmp")" = running ] || return 1
    [ "$(lu_qmp "$LU_DIR/src.qmp" query-migrate-parameters | lu_jq '.mode')" = normal ] || return 1
    n=$(lu_hb_count)
    lu_wait_for "heartbeat after the failure" lu_hb_beyond $(( n + 20 ))
}

# expect_failure LABEL EXIT-CODE STEP OUTCOME [cpr-update args...]
expect_failure() {
    local label=$1 code=$2 step=$3 outcome=$4
    shift 4
    lu_cpr_update "$@"
    echo "# note: $label: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error,outcome}' "$LU_DIR/update.json" 2>/dev/null || cat "$LU_DIR/update.err")"
    tap_check "$label: exit $code" [ "$LU_UPDATE_RC" = "$code" ]
    if [ "$code" = 1 ]; then
        tap_check "$label: names step $step" \
            [ "$(jq -r '.failed_step' "$LU_DIR/update.json")" = "$step" ]
        tap_check "$label: says '$outcome'" \
            [ "$(jq -r '.outcome' "$LU_DIR/update.json")" = "$outcome" ]
    fi
    tap_check "$label: guest still running on the source" source_still_fine
    tap_check "$label: no process or socket left" no_leftovers
}

running="guest still running on the source"
for step in configure listen precreate-exit source-mode migrate transfer; do
    CPR_UPDATE_TEST_KILL_DEST_AT=$step \
        expect_failure "destination killed at $step" 1 "$step" "$running" \
        -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
done
expect_failure "destination exits at once" 1 connect-destination "$running" \
    -- /bin/false
expect_failure "destination gets a bad argument" 1 connect-destination "$running" \
    -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" -no-such-option
tap_check "bad argument: QEMU's own error is reported" \
    grep -q 'no-such-option' "$LU_DIR/update.json"
# A destination that dies after precreate-exit (a device it cannot create)
# makes the source's connection fail first: the destination's own error
# must be reported, not the source's refused connection.
expect_failure "destination dies after precreate-exit" 1 transfer "$running" \
    -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" -device virtio-net-pci,netdev=nonexistent
tap_check "dies after precreate-exit: its exit status is the cause" \
    grep -q 'destination QEMU exited with status 1' <<< "$(jq -r .error "$LU_DIR/update.json")"
tap_check "dies after precreate-exit: its own error line is reported" \
    grep -q "can't find value 'nonexistent'" <<< "$(jq -r .error "$LU_DIR/update.json")"
# User networking with a host forwarding rule: refused in pre-flight, before
# the source is even contacted.
expect_failure "hostfwd refused" 1 preflight "source untouched" \
    -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" -netdev "user,id=u0,hostfwd=tcp:127.0.0.1:0-:22"
tap_check "hostfwd: the message names the rule and the way out" \
    sh -c "jq -r .error '$LU_DIR/update.json' | grep -q 'hostfwd=tcp:127.0.0.1:0-:22.*tap NIC'"
expect_failure "cpr-update bad option" 2 - - --timeout abc -- "$OUR_QEMU"
tap_check "bad option: message names it" grep -q -- '--timeout' "$LU_DIR/update.err"
expect_failure "source socket missing" 1 connect-source "source untouched" \
    --source "$LU_DIR/nonexistent.sock" -- "$OUR_QEMU"

# A destination whose monitor never comes up: the step times out.
# (sleep 60.PID: a command line no other process on the machine has)
hang=(/bin/sh -c "exec sleep 60.$$")
expect_failure "destination monitor never comes up" 1 connect-destination "$running" \
    --timeout 1 -- "${hang[@]}"
tap_check "timeout: error says so" grep -q 'did not come up in time' "$LU_DIR/update.json"

# Ctrl-C while waiting for the destination.
"$LU_BIN/cpr-update" --source "$LU_DIR/src.qmp" --run-dir "$LU_DIR" --json \
    -- "${hang[@]}" > "$LU_DIR/update.json" 2> "$LU_DIR/update.err" &
update_pid=$!
LU_PIDS+=("$update_pid")
lu_wait_for "cpr-update to start the destination" \
    sh -c "ls -d '$LU_DIR'/cpr-update.* >/dev/null 2>&1"
sleep 0.3
kill -INT "$update_pid"
wait "$update_pid"
rc=$?
echo "# note: Ctrl-C: rc=$rc $(jq -c '{failed_step,error,outcome}' "$LU_DIR/update.json")"
tap_check "Ctrl-C: exit 1" [ "$rc" = 1 ]
tap_check "Ctrl-C: reported as interrupted" [ "$(jq -r .error "$LU_DIR/update.json")" = interrupted ]
tap_check "Ctrl-C: guest still running on the source" source_still_fine
tap_check "Ctrl-C: no process or socket left" no_leftovers
tap_check "Ctrl-C: no sleeping destination left" sh -c "! pgrep -x -f 'sleep 60.$$' >/dev/null"

# After all that, a real update still works and the guest never noticed.
# Its destination also has user networking: a warning that connections
# through it are reset.
lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" -netdev user,id=u1
tap_check "update after the failures: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "user networking: warned that its connections are reset" \
    sh -c "jq -r '.warnings[]' '$LU_DIR/update.json' | grep -q \"user netdev 'u1'.*will be reset\""
tap_check "user networking: warning printed" grep -q 'warning: user netdev' "$LU_DIR/update.err"
n=$(lu_hb_count)
lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( n + 100 ))
lu_stop_hbmon
hb=$(cat "$LU_DIR/hb.json")
echo "# note: heartbeat: $(jq -c 'del(.connections)' <<< "$hb")"
tap_check "heartbeat continuous through every failure" [ "$(lu_jq '.continuous' <<< "$hb")" = true ]
tap_check "memory pattern intact" [ "$(lu_jq '.bad' <<< "$hb")" = 0 ]

# Last, as it loses the guest: the destination dies after the handover.
# cpr-update must say so and must not resume the source, whose RAM the
# destination already owned.
lu_cleanup
lu_start_guest
lu_guest_args_array
CPR_UPDATE_TEST_KILL_DEST_AT=verify lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
echo "# note: after handover: rc=$LU_UPDATE_RC $(jq -c '{result,failed_step,error,outcome}' "$LU_DIR/update.json")"
tap_check "after handover: exit 3" [ "$LU_UPDATE_RC" = 3 ]
tap_check "after handover: reported as such" \
    [ "$(jq -r .result "$LU_DIR/update.json")" = failed-after-handover ]
tap_check "after handover: source not resumed" [ "$(lu_status "$LU_DIR/src.qmp")" = postmigrate ]
