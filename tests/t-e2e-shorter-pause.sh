#!/usr/bin/env bash
# What cpr-update does to shorten the guest's pause, with our build as the
# source too: it turns on the source's cpr-late-stop capability, so the
# source stops the guest after its migration thread's setup instead of
# when the main channel connects (the order is read from the source's
# trace), and it has neither side build the vmstate description (the
# machine's suppress-vmdesc: set on the source at run time, given to the
# destination on its command line, the destination's turned off again
# once it runs the guest).  --early-stop and --keep-vmdesc leave both as
# they are; a rolled-back update restores both on the source.  A stock
# source has no cpr-late-stop (t-e2e-cpr-update checks the rest there).
# The bare-metal guest, on TCG.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"
LU_GUEST_KIND=metal
METAL_FILL=64M
"$top/guest/metal/build.sh" > /dev/null
LU_TRACE_EVENTS=(runstate_set migration_thread_setup_complete)

late_stop_state() {
    lu_qmp "$1" query-migrate-capabilities |
        lu_jq '.[] | select(.capability == "cpr-late-stop") | .state'
}

vmdesc_suppressed() {
    lu_qmp "$1" qom-get '{"path":"/machine","property":"suppress-vmdesc"}'
}

# The source's trace: did it stop the guest (finish-migrate) after its
# migration thread's setup?  "late", "early", or "unknown".
stop_order() {
    awk '/migration_thread_setup_complete/ && !setup { setup = NR }
         /runstate_set .*new_state [0-9]+ \(finish-migrate\)/ && !stop { stop = NR }
         END { print (!setup || !stop) ? "unknown" : (stop > setup ? "late" : "early") }' "$1"
}

# update LABEL EXPECTED-STOP EXPECTED-VMDESC-SENT [cpr-update options]
update() {
    local label=$1 want=$2 sent=$3 order log
    shift 3
    LU_TRACE=1 LU_SOURCE_QEMU=$OUR_QEMU lu_start_guest
    lu_guest_args_array
    tap_check "$label: the source has cpr-late-stop, off" \
        [ "$(late_stop_state "$LU_DIR/src.qmp")" = false ]
    lu_cpr_update --keep-source "$@" -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
    order=$(stop_order "$LU_DIR/src.trace")
    echo "# note: $label: rc=$LU_UPDATE_RC $(jq -c '{result,source_stop,vmdesc_sent,downtime_ms,error}' "$LU_DIR/update.json") stop $order"
    tap_check "$label: exit 0" [ "$LU_UPDATE_RC" = 0 ]
    tap_check "$label: report says the source stopped $want" \
        [ "$(lu_jq '.source_stop' "$LU_DIR/update.json")" = \
          "$([ "$want" = late ] && echo late || echo at-connect)" ]
    tap_check "$label: the source's trace shows the guest stopped $want" [ "$order" = "$want" ]
    tap_check "$label: report says the vmstate description was sent: $sent" \
        [ "$(lu_jq '.vmdesc_sent' "$LU_DIR/update.json")" = "$sent" ]
    tap_check "$label: the source's suppress-vmdesc is $([ "$sent" = true ] && echo off || echo on)" \
        [ "$(vmdesc_suppressed "$LU_DIR/src.qmp")" = "$([ "$sent" = true ] && echo false || echo true)" ]
    tap_check "$label: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
    tap_check "$label: the destination did not get cpr-late-stop" \
        [ "$(late_stop_state "$LU_DST_QMP")" = false ]
    tap_check "$label: the destination describes its stream again (suppress-vmdesc off)" \
        [ "$(vmdesc_suppressed "$LU_DST_QMP")" = false ]
    # A destination expecting a description the source left out waits for
    # the stream to close, then says so.
    log=$(dirname "$LU_DST_QMP")/qemu.log
    tap_check "$label: both sides agreed on the description" \
        sh -c "! grep -q 'Expected vmdescription' '$log'"
    e2e_run_on_destination
    e2e_check_guest "$label"
}

update "default" late false
tap_check "default: the kept source has cpr-late-stop on" \
    [ "$(late_stop_state "$LU_DIR/src.qmp")" = true ]
lu_cleanup

update "--early-stop --keep-vmdesc" early true --early-stop --keep-vmdesc
tap_check "--early-stop: the source's capability left off" \
    [ "$(late_stop_state "$LU_DIR/src.qmp")" = false ]
lu_cleanup

# Rolled back after source-mode changed the source: all as it was, the
# guest running on the source.
LU_SOURCE_QEMU=$OUR_QEMU lu_start_guest
lu_guest_args_array
CPR_UPDATE_TEST_KILL_DEST_AT=transfer lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
echo "# note: rollback: rc=$LU_UPDATE_RC $(jq -c '{failed_step,outcome}' "$LU_DIR/update.json")"
tap_check "rollback: exit 1, guest still running on the source" \
    [ "$LU_UPDATE_RC" = 1 -a "$(lu_jq '.outcome' "$LU_DIR/update.json")" = "guest still running on the source" ]
tap_check "rollback: cpr-late-stop off again" [ "$(late_stop_state "$LU_DIR/src.qmp")" = false ]
tap_check "rollback: suppress-vmdesc off again" [ "$(vmdesc_suppressed "$LU_DIR/src.qmp")" = false ]
tap_check "rollback: mode normal again" \
    [ "$(lu_qmp "$LU_DIR/src.qmp" query-migrate-parameters | lu_jq '.mode')" = normal ]
n=$(lu_hb_count)
tap_check "rollback: heartbeat goes on on the source" lu_wait_for "heartbeat" lu_hb_beyond $(( n + 50 ))
