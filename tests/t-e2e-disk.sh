#!/usr/bin/env bash
# End to end: the guest writes numbered O_DIRECT|O_SYNC records to virtio
# disks while cpr-update moves it from stock QEMU 10.0 into our build: qcow2
# and raw, each with cache=none and cache=writeback (two disks per VM).
# Afterwards every record the guest was told is durable must be on the
# image, in order, checksums right, and qemu-img check clean.  The same
# after a failed update (the destination, which has the images open, killed
# during the transfer), with the guest still writing on the source.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"

GUEST_MIB=16

# Records acknowledged on the first disk: @1 more than now, in time.
more_records() { local n; n=$(lu_disk_acked); e2e_eventually lu_disk_beyond $(( n + $1 )); }

for LU_DISKS in "qcow2:none raw:writeback" "raw:none qcow2:writeback"; do
    p="update, disks $LU_DISKS"
    lu_start_guest
    lu_guest_args_array
    lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
    echo "# note: $p: rc=$LU_UPDATE_RC $(jq -c '{result,downtime_ms,error}' "$LU_DIR/update.json" 2>/dev/null)"
    tap_check "$p: cpr-update exit 0" [ "$LU_UPDATE_RC" = 0 ]
    tap_check "$p: records acknowledged on the destination" more_records 50
    lu_qemu_quit "$LU_DST_QMP" "$LU_DST_PID"
    e2e_check_disks "$p"
    lu_cleanup
done

for LU_DISKS in "qcow2:none raw:writeback" "raw:none qcow2:writeback"; do
    p="failed update, disks $LU_DISKS"
    lu_start_guest
    lu_guest_args_array
    CPR_UPDATE_TEST_KILL_DEST_AT=transfer lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
    echo "# note: $p: rc=$LU_UPDATE_RC $(jq -c '{failed_step,outcome}' "$LU_DIR/update.json" 2>/dev/null)"
    tap_check "$p: cpr-update exit 1, at the transfer" \
        [ "$LU_UPDATE_RC" = 1 -a "$(jq -r .failed_step "$LU_DIR/update.json")" = transfer ]
    tap_check "$p: guest running on the source" [ "$(lu_status "$LU_DIR/src.qmp")" = running ]
    tap_check "$p: guest still writing on the source" more_records 50
    lu_qemu_quit "$LU_DIR/src.qmp" "$src_PID"
    e2e_check_disks "$p"
    lu_cleanup
done
