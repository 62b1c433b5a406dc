#!/usr/bin/env bash
# End to end: the demo guest on stock QEMU 10.0 (Debian's binary) live-updated
# into our build started with -precreate and configured over QMP before the
# transfer (events capability, a parameter, TCP port 0, cpr channel from
# migrate-incoming).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lib/live-update.sh"
. "$top/tests/lib-tap.sh"

lu_init
lu_start_hbmon
lu_boot_source
lu_precreate_cpr_transfer "$OUR_QEMU"
before=$(lu_hb_count)
lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( before + 200 ))

tap_check "source is in postmigrate" [ "$(lu_status "$LU_DIR/src.qmp")" = postmigrate ]
tap_check "destination is running" [ "$(lu_status "$LU_DIR/dst.qmp")" = running ]
echo "# note: destination listened on port $LU_MAIN_PORT"
tap_check "destination listened on a real port" [ "$LU_MAIN_PORT" -gt 0 ]
wait "$LU_EVENT_PID"
tap_check "MIGRATION event on the destination without -global" \
    [ "$(lu_jq -r '.event' < "$LU_DIR/dst-event.json")" = MIGRATION ]
tap_check "parameter set in precreate kept" \
    [ "$(lu_qmp "$LU_DIR/dst.qmp" query-migrate-parameters | lu_jq '."downtime-limit"')" = 250 ]
mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
tap_check "source reports completed with a downtime" \
    [ "$(lu_jq '.status' <<< "$mig")" = completed -a "$(lu_jq '.downtime | type' <<< "$mig")" = number ]
lu_qmp "$LU_DIR/src.qmp" quit >/dev/null
lu_stop_hbmon
hb=$(cat "$LU_DIR/hb.json")
echo "# note: heartbeat summary: $(jq -c 'del(.connections)' <<< "$hb")"
tap_check "heartbeat came from source then destination" \
    [ "$(lu_jq '.connections | length' <<< "$hb")" = 2 ]
tap_check "heartbeat sequence continuous" [ "$(lu_jq '.continuous' <<< "$hb")" = true ]
tap_check "memory pattern intact" [ "$(lu_jq '.bad' <<< "$hb")" = 0 ]
tap_check "full verification passes on the destination" \
    [ "$(lu_jq '.connections[1].passes' <<< "$hb")" -ge 1 ]
tap_check "destination kept the guest (no reboot)" [ "$(lu_jq '.starts' <<< "$hb")" = 1 ]
