#!/usr/bin/env bash
# End to end: a guest with a tap NIC configured the usual way (-netdev
# tap,ifname=...,script=no,downscript=no) keeps a TCP connection to the host
# busy while cpr-update moves it from stock QEMU 10.0 into our build; single
# queue with explicit arguments, queues=2 with --same-args.  The connection
# must survive: one connection, no reset, sequence continuous.  Runs in a
# network namespace of its own; skipped where one cannot be made.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

if ! lu_netns_enter "$@"; then
    tap_skip "tap NIC" "cannot make a network namespace here (needs root)"
    exit 0
fi
GUEST_MIB=16
LU_TAP=cprtap0

# TCP lines received by the host: @1 more than now, in time.
more_lines() { local n; n=$(lu_net_count); e2e_eventually lu_net_beyond $(( n + $1 )); }

for LU_TAP_QUEUES in 1 2; do
    p="tap queues=$LU_TAP_QUEUES"
    lu_start_guest
    if [ "$LU_TAP_QUEUES" = 1 ]; then
        lu_guest_args_array
        lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
    else
        lu_cpr_update --same-args -- "$OUR_QEMU"
    fi
    echo "# note: $p: rc=$LU_UPDATE_RC $(jq -c '{result,downtime_ms,error}' "$LU_DIR/update.json" 2>/dev/null)"
    [ "$LU_UPDATE_RC" = 0 ] || sed 's/^/# /' "$LU_DIR/update.err"
    tap_check "$p: cpr-update exit 0" [ "$LU_UPDATE_RC" = 0 ]
    tap_check "$p: destination running" [ "$(lu_status "${LU_DST_QMP:-/nonexistent}")" = running ]
    tap_check "$p: source gone" e2e_eventually sh -c "! kill -0 $src_PID 2>/dev/null"
    tap_check "$p: TCP lines arrive from the destination" more_lines 200
    e2e_check_net "$p"
    e2e_check_guest "$p"
    lu_cleanup
done
tap_check "no tap left in the namespace" sh -c "! ip -o link show | grep -q cprtap"
