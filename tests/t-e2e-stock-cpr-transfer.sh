#!/usr/bin/env bash
# End to end: the demo guest on stock QEMU 10.0 (Debian's binary) live-updated
# with stock cpr-transfer into our build.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

lu_start_guest
LU_TRACE=1 LU_TRACE_EVENTS=(runstate_set memory_region_transaction_commit_lazy)
lu_stock_cpr_transfer "$OUR_QEMU"
e2e_run_on_destination

tap_check "source is in postmigrate" [ "$(lu_status "$LU_DIR/src.qmp")" = postmigrate ]
tap_check "destination is running" [ "$(lu_status "$LU_DIR/dst.qmp")" = running ]
tap_check "without -precreate, no lazy memory region transaction" \
    [ -s "$LU_DIR/dst.trace" -a "$(grep -c memory_region_transaction_commit_lazy "$LU_DIR/dst.trace")" = 0 ]
e2e_check_source_completed
lu_qmp "$LU_DIR/src.qmp" quit >/dev/null
e2e_check_guest
