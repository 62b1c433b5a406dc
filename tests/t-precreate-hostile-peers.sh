#!/usr/bin/env bash
# Hostile and faulty peers against a -precreate destination configured as
# lib/live-update.sh's lu_precreate_cpr_transfer does (TCP main channel on
# port 0, cpr channel from migrate-incoming), with the demo guest on the
# stock QEMU 10.0 source.  One scenario per failure of issue 8:
#   1  two clients on the main listener during precreate
#   2  a silent, then a garbage-sending early client on the main listener
#   3  a silent, then a partial-header client on the cpr socket after
#      precreate-exit: the monitor must keep answering
#   4  a cpr client that connects and closes, then one with a wrong version
#   5  a normal-mode source into a destination waiting for CPR state
#   7  a bad cpr channel in migrate-incoming, then a good one
#   8  -precreate with -qtest and no monitor
# After each the guest must still run somewhere with its memory intact,
# and where the genuine source follows, the update must complete.
# HOSTILE_SCENARIOS="N ..." runs only the scenarios numbered so.
# Networking in a namespace of its own.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"
. "$top/tests/lib-hostile.sh"
hostile_netns "$0"

DST_QMP= MAIN= DST_PORT=

# A fresh guest on the stock source.
scenario() {
    lu_cleanup
    lu_start_guest
    echo "# scenario: $*"
}

# Record every event of the destination's second monitor.
# (socat takes quotes out of its addresses: the commands are in a script.)
log_events() {
    cat > "$LU_DIR/log-events.sh" <<SCRIPT
echo '{"execute":"qmp_capabilities"}'
exec cat > "$LU_DIR/dst-events.log"
SCRIPT
    socat "UNIX-CONNECT:$LU_DIR/dst-events.qmp" SYSTEM:"sh $LU_DIR/log-events.sh" &
    LU_PIDS+=("$!")
}

# The destination in precreate, configured and listening; sets MAIN and DST_PORT.
start_destination() {
    local mig
    lu_start_qemu dst "$OUR_QEMU" -precreate -incoming defer \
        -qmp "unix:$LU_DIR/dst-events.qmp,server=on,wait=off"
    DST_QMP=$LU_DIR/dst.qmp
    lu_wait_for "destination QMP socket" test -S "$DST_QMP"
    lu_wait_for "destination events socket" test -S "$LU_DIR/dst-events.qmp"
    log_events
    lu_qmp "$DST_QMP" migrate-set-capabilities \
        '{"capabilities":[{"capability":"events","state":true}]}' >/dev/null
    lu_qmp "$DST_QMP" migrate-set-parameters '{"downtime-limit":250}' >/dev/null
    configure_channels "$(lu_cpr_channel)" || lu_die "migrate-incoming refused"
}

main_channel() {
    printf '{"channel-type":"main","addr":{"transport":"socket","type":"inet","host":"127.0.0.1","port":"%s"}}' "$1"
}

configure_channels() {
    lu_qmp "$DST_QMP" migrate-incoming "{\"channels\":[$(main_channel 0),$1]}" >/dev/null || return 1
    DST_PORT=$(lu_qmp "$DST_QMP" query-migrate | lu_jq '."socket-address"[0].port')
    MAIN=tcp:127.0.0.1:$DST_PORT
}

exit_precreate() {
    lu_qmp "$DST_QMP" precreate-exit >/dev/null &&
        wait_until 30 test -S "$LU_DIR/cpr.sock"
}

dst_alive() { kill -0 "$dst_PID" 2>/dev/null; }

# hostile NAME [hostile-peer options...] ADDR: start a peer in the
# background; its output in $LU_DIR/NAME.out, "ready" once it has sent.
hostile() {
    local name=$1
    shift
    "$LU_BIN/hostile-peer" --ready "$LU_DIR/$name.ready" "$@" > "$LU_DIR/$name.out" 2>&1 &
    LU_PIDS+=("$!")
    printf -v "${name}_PID" '%s' "$!"
    wait_until 30 test -e "$LU_DIR/$name.ready"
}

# The genuine cpr-transfer from the stock source; true once it completed.
genuine_source() {
    local timeout=${1:-$LU_TIMEOUT}
    lu_qmp "$LU_DIR/src.qmp" migrate-set-parameters '{"mode":"cpr-transfer"}' >/dev/null
    lu_qmp "$LU_DIR/src.qmp" migrate \
        "{\"channels\":[$(main_channel "$DST_PORT"),$(lu_cpr_channel)]}" >/dev/null || return 1
    wait_until "$timeout" src_finished
    [ "$(lu_migration_status "$LU_DIR/src.qmp")" = completed ]
}

src_finished() {
    case "$(lu_migration_status "$LU_DIR/src.qmp")" in
        completed|failed|cancelled) ;;
        *) false ;;
    esac
}

dst_running() { [ "$(lu_status "$DST_QMP" 2>/dev/null)" = running ]; }

# After an update that must have completed: the guest runs on the
# destination, through the update, with its memory intact.
check_update_completed() {
    local p=$1 n
    tap_check "$p: destination running" wait_until 30 dst_running
    n=$(lu_hb_count)
    wait_until 60 lu_hb_beyond $(( n + 200 ))
    e2e_check_source_completed "$p"
    lu_qmp "$LU_DIR/src.qmp" quit >/dev/null 2>&1
    e2e_check_guest "$p"
}

# After a failure: the guest still runs somewhere, memory intact, no reboot.
check_guest_kept() {
    local p=$1 n hb
    n=$(lu_hb_count)
    tap_check "$p: guest keeps running (heartbeat goes on)" wait_until 60 lu_hb_beyond $(( n + 50 ))
    lu_stop_hbmon
    hb=$(cat "$LU_DIR/hb.json")
    echo "# note: $p: heartbeat: $(jq -c 'del(.connections)' <<< "$hb")"
    tap_check "$p: memory pattern intact" [ "$(lu_jq '.bad' <<< "$hb")" = 0 ]
    tap_check "$p: guest not rebooted" [ "$(lu_jq '.starts' <<< "$hb")" = 1 ]
}

check_no_crash() {
    tap_check "$1: no assertion or crash report from the destination" \
        no_crash_report "$LU_DIR/dst.err"
    show_crash_report "$LU_DIR/dst.err"
}

# 1: two clients on the main listener during precreate
scenario_1() {
    local p kind rc
    p="two early main clients"
    scenario "$p"
    start_destination
    hostile early1 --hold -1 "$MAIN"
    hostile early2 --hold -1 "$MAIN"
    exit_precreate
    tap_check "$p: genuine source completes" genuine_source
    tap_check "$p: destination alive" dst_alive
    tap_check "$p: destination's MIGRATION events logged (completed)" \
        wait_until 30 grep -q '"status": *"completed"' "$LU_DIR/dst-events.log"
    check_no_crash "$p"
    check_update_completed "$p"
}

# 2: one silent early client, then one that sends garbage
scenario_2() {
    local p kind rc
    p="silent early main client"
    scenario "$p"
    start_destination
    hostile early --hold -1 "$MAIN"
    exit_precreate
    tap_check "$p: genuine source completes" genuine_source
    tap_check "$p: destination alive" dst_alive
    check_update_completed "$p"

    p="garbage early main client"
    scenario "$p"
    start_destination
    hostile early --garbage 4096 --seed 8 --hold -1 "$MAIN"
    exit_precreate
    tap_check "$p: genuine source completes" genuine_source
    tap_check "$p: destination alive" dst_alive
    check_update_completed "$p"
}

# 3: a client on the cpr socket that stays silent, or sends part of a header
scenario_3() {
    local p kind rc
    for kind in silent partial; do
        p="$kind cpr client"
        scenario "$p"
        start_destination
        exit_precreate
        case $kind in
            silent) hostile cprpeer --hold -1 "unix:$LU_DIR/cpr.sock" ;;
            partial) hostile cprpeer --send-hex 514350 --hold -1 "unix:$LU_DIR/cpr.sock" ;;
        esac
        tap_check "$p: monitor answers within ${ANSWER_TIMEOUT} s while it is connected" \
            monitor_answers "$DST_QMP"
        tap_check "$p: cpr socket still there for the genuine source" test -S "$LU_DIR/cpr.sock"
        echo "# note: $p: $(tail -1 "$LU_DIR/cprpeer.out")"
        tap_check "$p: genuine source completes" genuine_source 120
        tap_check "$p: destination alive" dst_alive
        check_update_completed "$p"
    done
}

# 4: a cpr client that connects and closes, or sends a wrong version
scenario_4() {
    local p kind rc
    for kind in close version; do
        p="cpr client: $kind"
        scenario "$p"
        start_destination
        exit_precreate
        case $kind in
            close) hostile cprpeer "unix:$LU_DIR/cpr.sock" ;;
            version) hostile cprpeer --send-hex 5143505200000002 --hold 60 "unix:$LU_DIR/cpr.sock" ;;
        esac
        if [ "$kind" = version ]; then
            tap_check "$p: destination drops that client" \
                wait_until 60 grep -q 'closed by destination' "$LU_DIR/cprpeer.out"
        fi
        # A monitor round trip after the client is gone, then the process.
        tap_check "$p: monitor answers" monitor_answers "$DST_QMP"
        tap_check "$p: destination alive" dst_alive
        tap_check "$p: cpr socket still there" test -S "$LU_DIR/cpr.sock"
        tap_check "$p: genuine source completes" genuine_source
        check_update_completed "$p"
    done
}

# 5: a source in normal mode into a destination waiting for CPR state
scenario_5() {
    local p kind rc
    p="normal-mode source"
    scenario "$p"
    start_destination
    exit_precreate
    lu_qmp "$LU_DIR/src.qmp" migrate "{\"uri\":\"$MAIN\"}" >/dev/null
    tap_check "$p: source migration fails" wait_until 30 src_finished
    echo "# note: $p: source: $(lu_qmp "$LU_DIR/src.qmp" query-migrate | jq -c .)"
    tap_check "$p: source status failed" [ "$(lu_migration_status "$LU_DIR/src.qmp")" = failed ]
    tap_check "$p: source guest running" [ "$(lu_status "$LU_DIR/src.qmp")" = running ]
    tap_check "$p: destination reports the failure (MIGRATION failed)" \
        wait_until 30 grep -q '"status": *"failed"' "$LU_DIR/dst-events.log"
    if ! dst_alive; then
        tap_check "$p: destination exit removed its sockets" \
            sh -c "! ls '$LU_DIR'/dst.qmp '$LU_DIR'/dst-events.qmp '$LU_DIR'/cpr.sock 2>/dev/null | grep -q ."
    fi
    check_no_crash "$p"
    check_guest_kept "$p"
}

# 7: a bad cpr channel in migrate-incoming, then a good one
scenario_7() {
    local p kind rc
    p="bad cpr channel"
    scenario "$p"
    lu_start_qemu dst "$OUR_QEMU" -precreate -incoming defer \
        -qmp "unix:$LU_DIR/dst-events.qmp,server=on,wait=off"
    DST_QMP=$LU_DIR/dst.qmp
    lu_wait_for "destination QMP socket" test -S "$DST_QMP"
    bad_dir='{"channel-type":"cpr","addr":{"transport":"socket","type":"unix","path":"'$LU_DIR'/no-such-dir/cpr.sock"}}'
    bad_inet='{"channel-type":"cpr","addr":{"transport":"socket","type":"inet","host":"127.0.0.1","port":"0"}}'
    refused() { ! "$LU_BIN/qmp-call" "$1" migrate-incoming "{\"channels\":[$2]}" > "$LU_DIR/refused.out" 2>&1; }
    # The inet one first, on a QEMU of its own, so that neither refusal can
    # come from an earlier channel having been taken.
    "$OUR_QEMU" -precreate -incoming defer -nodefaults -display none -machine none \
        -qmp "unix:$LU_DIR/other.qmp,server=on,wait=off" 2> "$LU_DIR/other.err" &
    LU_PIDS+=("$!")
    lu_wait_for "second destination QMP socket" test -S "$LU_DIR/other.qmp"
    tap_check "$p: inet cpr channel refused" refused "$LU_DIR/other.qmp" "$bad_inet"
    echo "# note: $p: inet: $(cat "$LU_DIR/refused.out")"
    tap_check "$p: cpr socket in a missing directory refused" refused "$DST_QMP" "$bad_dir"
    echo "# note: $p: missing directory: $(cat "$LU_DIR/refused.out")"
    tap_check "$p: a good cpr channel is then accepted" configure_channels "$(lu_cpr_channel)"
    tap_check "$p: precreate-exit listens on it" exit_precreate
    tap_check "$p: genuine source completes" genuine_source
    check_update_completed "$p"
}

# 8: -precreate with -qtest and no monitor
scenario_8() {
    local p kind rc
    p="-precreate -qtest without a monitor"
    lu_cleanup
    lu_init
    "$OUR_QEMU" -precreate -incoming defer -nodefaults -display none -machine none \
        -qtest "unix:$LU_DIR/qtest.sock,server=on,wait=off" 2> "$LU_DIR/qtest.err" &
    qt_pid=$!
    LU_PIDS+=("$qt_pid")
    qt_gone() { ! kill -0 "$qt_pid" 2>/dev/null; }
    if wait_until 30 qt_gone; then
        wait "$qt_pid"
        rc=$?
    else
        rc="none: still running after 30 s"
    fi
    echo "# note: $p: exit status $rc: $(head -1 "$LU_DIR/qtest.err")"
    # An error exit of its own, not a signal (128+) and not still waiting.
    error_exit() { [[ $1 =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 < 128 )); }
    tap_check "$p: refused at startup with an error exit" error_exit "$rc"
    tap_check "$p: message names the monitor" grep -qi monitor "$LU_DIR/qtest.err"
    "$OUR_QEMU" -precreate -incoming defer -nodefaults -display none -machine none \
        -qtest "unix:$LU_DIR/qtest2.sock,server=on,wait=off" \
        -qmp "unix:$LU_DIR/qt.qmp,server=on,wait=off" 2> "$LU_DIR/qtest2.err" &
    LU_PIDS+=("$!")
    tap_check "$p: with a monitor it starts" wait_until 30 test -S "$LU_DIR/qt.qmp"
    tap_check "$p: with a monitor it answers" monitor_answers "$LU_DIR/qt.qmp"
}

# HOSTILE_SCENARIOS="1 3" runs only those.
for n in 1 2 3 4 5 7 8; do
    if [ -z "${HOSTILE_SCENARIOS:-}" ] || [[ " $HOSTILE_SCENARIOS " == *" $n "* ]]; then
        "scenario_$n"
    fi
done
