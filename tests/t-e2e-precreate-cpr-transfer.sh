#!/usr/bin/env bash
# End to end: the demo guest on stock QEMU 10.0 (Debian's binary) live-updated
# into our build started with -precreate and configured over QMP before the
# transfer (events capability, a parameter, TCP port 0, cpr channel from
# migrate-incoming).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

lu_start_guest
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
e2e_check_source_completed
lu_qmp "$LU_DIR/src.qmp" quit >/dev/null
e2e_check_guest
