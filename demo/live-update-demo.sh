#!/usr/bin/env bash
# The demo: boot the embedded guest in stock QEMU 10.0 (Debian's binary),
# live-update it into our build with one command, cpr-update (a -precreate
# destination configured over QMP, then cpr-transfer), and report what the
# tool, the source and the guest saw.  DEMO_FLOW=precreate or stock runs
# the raw QMP sequences of lib/live-update.sh instead of the tool.  Exits non-zero if the update failed or the guest was
# disturbed (heartbeat broken or memory pattern damaged).
set -euo pipefail
. "$(dirname "$0")/../lib/live-update.sh"

echo "demo: stock source  $("$STOCK_QEMU" --version | head -1)"
echo "demo: destination   $("$OUR_QEMU" --version | head -1) (this tree)"
lu_start_guest
echo "demo: guest running on the source, heartbeat every ${HB_PERIOD_MS} ms," \
     "verifying ${GUEST_MIB} MiB"

flow=${DEMO_FLOW:-cpr-update}
case "$flow" in
    cpr-update)
        echo "demo: cpr-update --source SRC_QMP --same-args --keep-source -- $OUR_QEMU"
        LU_T_START=$(lu_now_ms)
        lu_cpr_update --same-args --keep-source -- "$OUR_QEMU"
        LU_T_DONE=$(lu_now_ms)
        if [ "$LU_UPDATE_RC" != 0 ]; then
            cat "$LU_DIR/update.err" "$LU_DIR/update.json" >&2
            lu_die "cpr-update failed (exit $LU_UPDATE_RC)"
        fi
        jq -r '"demo: cpr-update: \(.outcome); main channel \(.main_channel);",
               "demo: steps: \([.steps[] | "\(.name) \(.ms) ms"] | join(", "))"' \
            "$LU_DIR/update.json"
        ln -sf "$LU_DST_QMP" "$LU_DIR/dst.qmp"
        ;;
    precreate)
        lu_precreate_cpr_transfer "$OUR_QEMU"
        echo "demo: destination configured in precreate: events on," \
             "downtime-limit 250 ms, listening on TCP port $LU_MAIN_PORT (asked for 0)"
        ;;
    stock) lu_stock_cpr_transfer "$OUR_QEMU" ;;
    *) lu_die "DEMO_FLOW must be cpr-update, precreate or stock" ;;
esac
# Let the guest run a while on the destination, long enough for several full
# verification passes of its memory.
before=$(lu_hb_count)
lu_wait_for "guest heartbeat on the destination" lu_hb_beyond $(( before + 200 ))

src_mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
src_status=$(lu_status "$LU_DIR/src.qmp")
dst_status=$(lu_status "$LU_DIR/dst.qmp")
lu_qmp "$LU_DIR/src.qmp" quit >/dev/null || true
lu_stop_hbmon
hb=$(cat "$LU_DIR/hb.json")

downtime=$(lu_jq '.downtime // "n/a"' <<< "$src_mig")
total=$(lu_jq '."total-time" // "n/a"' <<< "$src_mig")
gap=$(lu_jq '.max_gap_ms' <<< "$hb")
continuous=$(lu_jq '.continuous' <<< "$hb")
bad=$(lu_jq '.bad' <<< "$hb")
dst_passes=$(lu_jq '.connections[-1].passes' <<< "$hb")
nconn=$(lu_jq '.connections | length' <<< "$hb")

cat <<REPORT

Live update report ($flow)
  source status after update     $src_status
  destination status             $dst_status
  source-reported downtime       $downtime ms
  source-reported total time     $total ms
  largest heartbeat gap          $gap ms (period ${HB_PERIOD_MS} ms)
  heartbeat sequence continuous  $continuous ($(lu_jq '.lines' <<< "$hb") beats, $nconn serial connections)
  memory pattern intact          $([ "$bad" = 0 ] && echo yes || echo "NO ($bad bad words)") ($dst_passes full passes on the destination)
  total time                     $(( LU_T_DONE - LU_T_START )) ms (start of the update to completion)
REPORT

[ "$src_status" = postmigrate ] && [ "$dst_status" = running ] &&
    [ "$continuous" = true ] && [ "$bad" = 0 ] && [ "$nconn" -ge 2 ] &&
    [ "$dst_passes" -ge 1 ] || lu_die "live update did not leave the guest intact"
echo "demo: OK"
