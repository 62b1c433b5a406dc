#!/usr/bin/env bash
# End to end: ten live updates in a row on the same VM, stock QEMU 10.0 ->
# ours -> ours -> ..., each with cpr-update --same-args on the previous
# destination's monitor.  The guest writes disk records and keeps a TCP
# connection busy over a tap NIC throughout; nothing may be lost: every
# acknowledged record on the image, one TCP connection with a continuous
# sequence, heartbeat continuous through every process, memory pattern
# intact, no reboot.  Runs in a network namespace of its own (without one,
# the tap part is left out).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

UPDATES=${UPDATES:-10}
GUEST_MIB=16
LU_DISKS="qcow2:none"
if lu_netns_enter "$@"; then
    LU_TAP=cprtap0
else
    tap_skip "TCP connection over a tap NIC" "cannot make a network namespace here (needs root)"
fi

# The guest makes progress wherever it runs now.
progress() {
    local hb disk net
    hb=$(lu_hb_count) disk=$(lu_disk_acked) net=$(lu_net_count)
    e2e_eventually lu_hb_beyond $(( hb + 20 )) &&
        e2e_eventually lu_disk_beyond $(( disk + 5 )) &&
        { [ -z "$LU_TAP" ] || e2e_eventually lu_net_beyond $(( net + 20 )); }
}

lu_start_guest
LU_SOURCE_QMP=$LU_DIR/src.qmp
source_pid=$src_PID
done_updates=0
for (( i = 1; i <= UPDATES; i++ )); do
    lu_cpr_update --same-args -- "$OUR_QEMU"
    echo "# note: update $i: rc=$LU_UPDATE_RC $(jq -c '{result,downtime_ms,total_ms,error}' "$LU_DIR/update.json" 2>/dev/null)"
    if [ "$LU_UPDATE_RC" != 0 ]; then
        sed 's/^/# /' "$LU_DIR/update.err"
        break
    fi
    e2e_eventually sh -c "! kill -0 $source_pid 2>/dev/null" || break
    progress || break
    done_updates=$i
    LU_SOURCE_QMP=$LU_DST_QMP source_pid=$LU_DST_PID
done
tap_check "$UPDATES updates in a row, each leaving the guest running on the new QEMU and the old one gone" \
    [ "$done_updates" = "$UPDATES" ]
tap_check "last destination is our build" grep -qF "$OUR_QEMU" "/proc/$source_pid/cmdline"
tap_check "last destination running" [ "$(lu_status "$LU_SOURCE_QMP")" = running ]

[ -z "$LU_TAP" ] || e2e_check_net "after $done_updates updates"
lu_qemu_quit "$LU_SOURCE_QMP" "$source_pid"
e2e_check_disks "after $done_updates updates"
hb=$(cat "$LU_DIR/hb.json")
echo "# note: heartbeat: $(jq -c 'del(.connections)' <<< "$hb")"
tap_check "heartbeat through $(( UPDATES + 1 )) QEMU processes" \
    [ "$(lu_jq '[.connections[] | select(.lines > 0)] | length' <<< "$hb")" = $(( UPDATES + 1 )) ]
tap_check "heartbeat sequence continuous" [ "$(lu_jq '.continuous' <<< "$hb")" = true ]
tap_check "memory pattern intact" [ "$(lu_jq '.bad' <<< "$hb")" = 0 ]
tap_check "no guest reboot" [ "$(lu_jq '.starts' <<< "$hb")" = 1 ]
