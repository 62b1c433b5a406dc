#!/usr/bin/env bash
# End to end: cpr-update moves the demo guest from stock QEMU 10.0 into our
# build, once with explicit arguments (and --tcp, --keep-source, to compare
# its report with the source's own figures) and once with --same-args.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

# 1. explicit arguments, TCP main channel, source kept for comparison
lu_start_guest
lu_guest_args_array
lu_cpr_update --tcp --keep-source -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
report=$(cat "$LU_DIR/update.json")
echo "# note: report: $(jq -c 'del(.steps)' <<< "$report")"
tap_check "explicit: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "explicit: result completed" [ "$(lu_jq '.result' <<< "$report")" = completed ]
tap_check "explicit: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
tap_check "explicit: source kept, in postmigrate" [ "$(lu_status "$LU_DIR/src.qmp")" = postmigrate ]
mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
tap_check "explicit: report downtime = source's" \
    [ "$(lu_jq '.downtime_ms' <<< "$report")" = "$(lu_jq '.downtime' <<< "$mig")" ]
tap_check "explicit: report total time = source's" \
    [ "$(lu_jq '.source_total_time_ms' <<< "$report")" = "$(lu_jq '."total-time"' <<< "$mig")" ]
tap_check "explicit: a stock source stops the guest at the connect" \
    [ "$(lu_jq '.source_stop' <<< "$report")" = at-connect ]
tap_check "explicit: the stock source sent no vmstate description" \
    [ "$(lu_jq '.vmdesc_sent' <<< "$report")" = false -a \
      "$(lu_qmp "$LU_DIR/src.qmp" qom-get '{"path":"/machine","property":"suppress-vmdesc"}')" = true ]
# A destination expecting a description the source left out says so.
dst_vmdesc=$(lu_qmp "$LU_DST_QMP" qom-get '{"path":"/machine","property":"suppress-vmdesc"}')
tap_check "explicit: the destination expected none, and describes its own again" \
    [ "$(grep -c 'Expected vmdescription' "$(dirname "$LU_DST_QMP")/qemu.log")" = 0 -a \
      "$dst_vmdesc" = false ]
tap_check "explicit: main channel on a real TCP port" \
    grep -Eq '^tcp:127.0.0.1:[1-9][0-9]*$' <<< "$(lu_jq '.main_channel' <<< "$report")"
tap_check "explicit: every step reported done" \
    [ "$(lu_jq '[.steps[] | select(.done | not)] | length' <<< "$report")" = 0 ]
tap_check "explicit: step times add up within the total" \
    [ "$(lu_jq '([.steps[].ms] | add) <= .total_ms' <<< "$report")" = true ]
tap_check "explicit: destination has the events capability" \
    [ "$(lu_qmp "$LU_DST_QMP" query-migrate-capabilities | lu_jq '.[] | select(.capability=="events") | .state')" = true ]
e2e_run_on_destination
e2e_check_guest explicit
lu_cleanup

# 2. --same-args: the source's own command line, source quit afterwards
lu_start_guest
lu_cpr_update --same-args -v -- "$OUR_QEMU"
report=$(cat "$LU_DIR/update.json")
sed 's/^/# note: /' "$LU_DIR/update.err" | grep 'dropped'
tap_check "same-args: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "same-args: dropped the source's monitor" grep -q "dropped: -qmp unix:$LU_DIR/src.qmp" "$LU_DIR/update.err"
tap_check "same-args: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
tap_check "same-args: source quit" lu_wait_for "source exit" sh -c "! kill -0 $src_PID 2>/dev/null"
tap_check "same-args: destination has the guest's arguments" \
    grep -q -- "hb.period_ms=$HB_PERIOD_MS" "/proc/$LU_DST_PID/cmdline"
e2e_run_on_destination
e2e_check_guest same-args
