#!/usr/bin/env bash
# The source's monitor held by another client (a management daemon): QEMU
# serves one client per monitor socket, so cpr-update gets no greeting
# there.  It must fail within its own greeting limit, not the step limit,
# say why and what to do, and leave the guest as it was.  Then the way out
# the message gives: a second monitor for cpr-update, with which the update
# goes through while the daemon still holds its own; the daemon's socket
# then leads to the destination.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LU_TIMEOUT=${LU_TIMEOUT:-180}
. "$top/tests/lib-e2e.sh"

# The guest with two monitors: src.qmp for cpr-update, daemon.qmp for a
# daemon that holds it for good.
lu_init
lu_start_hbmon
lu_start_qemu src "$STOCK_QEMU" -qmp "unix:$LU_DIR/daemon.qmp,server=on,wait=off"
lu_wait_for "source QMP sockets" test -S "$LU_DIR/src.qmp" -a -S "$LU_DIR/daemon.qmp"
lu_wait_for "guest heartbeat on the source" lu_hb_beyond 20
lu_guest_args_array

# The daemon: connected, greeted, and staying (reads until QEMU closes).
socat -u "UNIX-CONNECT:$LU_DIR/daemon.qmp" "CREATE:$LU_DIR/daemon.out" &
daemon_pid=$!
LU_PIDS+=("$daemon_pid")
lu_wait_for "the daemon's greeting" grep -qs '"QMP"' "$LU_DIR/daemon.out"
status_before=$(lu_status "$LU_DIR/src.qmp")
params_before=$(lu_qmp "$LU_DIR/src.qmp" query-migrate-parameters)

# 1. cpr-update on the daemon's monitor, with a step limit of 60 s.
t0=$(lu_now_ms)
LU_SOURCE_QMP=$LU_DIR/daemon.qmp lu_cpr_update --timeout 60 -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
took=$(( $(lu_now_ms) - t0 ))
err=$(jq -r .error "$LU_DIR/update.json" 2>/dev/null)
echo "# note: monitor in use: rc=$LU_UPDATE_RC after $took ms: $(jq -c '{failed_step,outcome}' "$LU_DIR/update.json" 2>/dev/null)"
echo "# note: error: $err"
tap_check "monitor in use: exit 1" [ "$LU_UPDATE_RC" = 1 ]
tap_check "monitor in use: fails in step connect-source" \
    [ "$(jq -r .failed_step "$LU_DIR/update.json")" = connect-source ]
tap_check "monitor in use: source untouched" [ "$(jq -r .outcome "$LU_DIR/update.json")" = "source untouched" ]
# Which limit applied: the greeting's (2 s), not --timeout 60.
tap_check "monitor in use: failed long before --timeout 60 (under 10 s)" [ "$took" -lt 10000 ]
tap_check "monitor in use: says the monitor is in use by another client" \
    grep -q 'most likely in use by another client' <<< "$err"
tap_check "monitor in use: says QEMU serves one client per monitor socket" \
    grep -q 'QEMU serves one client per monitor socket' <<< "$err"
tap_check "monitor in use: says how to add a monitor" \
    grep -q -- '-qmp unix:PATH,server=on,wait=off' <<< "$err"
tap_check "monitor in use: no destination started" \
    [ -z "$(find "$LU_DIR" -maxdepth 1 -name 'cpr-update.*')" ]

# 2. The same with --same-args, which reads the source's pid first.
t0=$(lu_now_ms)
LU_SOURCE_QMP=$LU_DIR/daemon.qmp lu_cpr_update --same-args --timeout 60 -- "$OUR_QEMU"
took=$(( $(lu_now_ms) - t0 ))
echo "# note: --same-args: rc=$LU_UPDATE_RC after $took ms: $(head -c 200 "$LU_DIR/update.err")"
tap_check "--same-args, monitor in use: exit 1" [ "$LU_UPDATE_RC" = 1 ]
tap_check "--same-args, monitor in use: failed long before --timeout 60 (under 10 s)" [ "$took" -lt 10000 ]
tap_check "--same-args, monitor in use: says so" \
    grep -q 'most likely in use by another client' "$LU_DIR/update.err"

# 3. Nothing changed: the daemon still holds its monitor, the guest runs.
tap_check "the daemon is still connected" kill -0 "$daemon_pid"
tap_check "source status unchanged ($status_before)" [ "$(lu_status "$LU_DIR/src.qmp")" = "$status_before" ]
tap_check "source migration parameters unchanged" \
    [ "$(lu_qmp "$LU_DIR/src.qmp" query-migrate-parameters)" = "$params_before" ]
n=$(lu_hb_count)
tap_check "guest heartbeat goes on" lu_wait_for "heartbeat" lu_hb_beyond $(( n + 20 ))

# 4. The way out: cpr-update on the second monitor, the daemon still on
# its own.  --same-args hands the daemon's listening socket over.
lu_cpr_update --same-args -- "$OUR_QEMU"
echo "# note: second monitor: rc=$LU_UPDATE_RC $(jq -c '{result,outcome}' "$LU_DIR/update.json")"
tap_check "second monitor: update exit 0 while the daemon holds the other" [ "$LU_UPDATE_RC" = 0 ]
tap_check "second monitor: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
tap_check "second monitor: source quit" lu_wait_for "source exit" sh -c "! kill -0 $src_PID 2>/dev/null"
# The daemon's connection was the source's: it ends with the source, and
# connecting again reaches the destination at the same path.
tap_check "the daemon's connection ended with the source" \
    lu_wait_for "daemon disconnected" sh -c "! kill -0 $daemon_pid 2>/dev/null"
tap_check "the daemon's socket now leads to the destination (running)" \
    [ "$(lu_status "$LU_DIR/daemon.qmp")" = running ]
e2e_run_on_destination
e2e_check_guest "monitor busy"
