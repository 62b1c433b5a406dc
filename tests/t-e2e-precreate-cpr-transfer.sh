#!/usr/bin/env bash
# End to end: the demo guest on stock QEMU 10.0 (Debian's binary) live-updated
# into our build started with -precreate and configured over QMP before the
# transfer (events capability, a parameter, TCP port 0, cpr channel from
# migrate-incoming).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

lu_start_guest
# The destination (only: stock 10.0.2 lacks the event) traces its lazy
# memory region transaction.
LU_TRACE=1 LU_TRACE_EVENTS=(runstate_set memory_region_transaction_commit_lazy)
lu_precreate_cpr_transfer "$OUR_QEMU"
e2e_run_on_destination

tap_check "source is in postmigrate" [ "$(lu_status "$LU_DIR/src.qmp")" = postmigrate ]
tap_check "destination is running" [ "$(lu_status "$LU_DIR/dst.qmp")" = running ]
echo "# note: destination listened on port $LU_MAIN_PORT"
tap_check "destination listened on a real port" [ "$LU_MAIN_PORT" -gt 0 ]
wait "$LU_EVENT_PID"
tap_check "MIGRATION event on the destination without -global" \
    [ "$(lu_jq -r '.event' < "$LU_DIR/dst-event.json")" = MIGRATION ]
tap_check "parameter set in precreate kept" \
    [ "$(lu_qmp "$LU_DIR/dst.qmp" query-migrate-parameters | lu_jq '."downtime-limit"')" = 250 ]
lazy=$(grep -o 'memory_region_transaction_commit_lazy [0-9]* topology updates deferred, [0-9]* made early' "$LU_DIR/dst.trace")
echo "# note: ${lazy:-no lazy memory region transaction traced}"
tap_check "device state load batched its memory updates" \
    [ "$(grep -c . <<< "$lazy")" = 1 -a "$(awk '{ print $2 }' <<< "$lazy")" -ge 1 ]
e2e_check_source_completed
lu_qmp "$LU_DIR/src.qmp" quit >/dev/null
e2e_check_guest
