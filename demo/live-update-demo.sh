#!/usr/bin/env bash
# The demo: boot the embedded guest in stock QEMU 10.0 (Debian's binary),
# live-update it into our build with one command, cpr-update (a -precreate
# destination configured over QMP, then cpr-transfer), and report what the
# tool, the source and the guest saw.  DEMO_FLOW=precreate or stock runs
# the raw QMP sequences of lib/live-update.sh instead of the tool.
#
# The VM has a virtio disk the guest writes numbered records to (LU_DISKS,
# default one qcow2 image with cache=none; empty for none) and a tap NIC
# with a busy TCP connection to the host, in a network namespace of the
# demo's own, so nothing touches the host's network (DEMO_NIC=0 leaves the
# NIC out; so does a machine where no tap can be made).  Exits non-zero if
# the update failed or the guest was disturbed (heartbeat broken, memory
# pattern damaged, a disk record lost, the TCP connection broken).
set -euo pipefail
LU_DISKS=${LU_DISKS-qcow2:none}
. "$(dirname "$0")/../lib/live-update.sh"

flow=${DEMO_FLOW:-cpr-update}

# The NIC: a namespace of our own and a tap in it, if this machine lets us.
nic_note=
if [ "${DEMO_NIC:-1}" = 0 ]; then
    nic_note="no NIC (DEMO_NIC=0)"
elif [ "$flow" != cpr-update ]; then
    nic_note="no NIC: DEMO_FLOW=$flow opens the tap by name, which the source holds"
elif ! lu_netns_enter "$@"; then
    nic_note="no NIC: cannot make a network namespace here (needs root)"
elif ! ip tuntap add dev cprdemo0 mode tap 2>/dev/null; then
    nic_note="no NIC: cannot create a tap device here (needs CAP_NET_ADMIN)"
else
    ip link del cprdemo0
    LU_TAP=cprdemo0
fi

echo "demo: stock source  $("$STOCK_QEMU" --version | head -1)"
echo "demo: destination   $("$OUR_QEMU" --version | head -1) (this tree)"
lu_start_guest
echo "demo: guest running on the source, heartbeat every ${HB_PERIOD_MS} ms," \
     "verifying ${GUEST_MIB} MiB"
for i in $(lu_disk_indexes); do
    echo "demo: disk $(lu_disk_name "$i"): $(lu_disk_format "$i"), cache=$(lu_disk_cache "$i")," \
         "a record every ${LU_DISK_MS} ms, O_DIRECT|O_SYNC"
done
if [ -n "$LU_TAP" ]; then
    echo "demo: NIC: tap $LU_TAP in the demo's own network namespace; the guest" \
         "($LU_NET_GUEST) sends a line to $LU_NET_HOST:$LU_NET_PORT every ${LU_NET_MS} ms over one TCP connection"
else
    echo "demo: $nic_note"
fi

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
if [ -n "$LU_TAP" ]; then
    lu_stop_net_peer
    net=$(cat "$LU_DIR/net.json")
fi
disks_ok=true
if [ -n "$LU_DISKS" ]; then
    # The images are checked with no QEMU using them: quit the destination.
    lu_qemu_quit "$LU_DIR/dst.qmp" "${LU_DST_PID:-${dst_PID:-}}"
fi
lu_stop_hbmon
hb=$(cat "$LU_DIR/hb.json")
if [ -n "$LU_DISKS" ]; then
    lu_disk_check || disks_ok=false
fi

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
if [ -n "$LU_DISKS" ]; then
    jq -r '.[] | "  disk                           \(.acked) records written, \(.lost) lost" +
                 " (\(.disk) \(.format) cache=\(.cache), checked on the image" +
                 (if .format == "qcow2" then ", qemu-img check \(if .qemu_img_check.clean then "clean" else "NOT clean" end)" else "" end) + ")"' \
        "$LU_DIR/disk.json"
fi
if [ -n "$LU_TAP" ]; then
    jq -r '"  network                        \(if .connections == 1 then "one TCP connection" else "\(.connections) TCP connections" end),"
           + " \(.resets) resets\(if .closes > 0 then ", \(.closes) closed" else "" end),"
           + " longest gap \(.max_gap_ms | round) ms"
           + " (\(.lines) lines, sequence \(if .continuous then "continuous" else "BROKEN" end))"' <<< "$net"
else
    echo "  network                        $nic_note"
fi

[ "$src_status" = postmigrate ] && [ "$dst_status" = running ] &&
    [ "$continuous" = true ] && [ "$bad" = 0 ] && [ "$nconn" -ge 2 ] &&
    [ "$dst_passes" -ge 1 ] || lu_die "live update did not leave the guest intact"
[ "$disks_ok" = true ] || lu_die "disk records lost or image damaged: $(jq -c . "$LU_DIR/disk.json")"
[ -z "$LU_TAP" ] || [ "$(lu_jq '.continuous' <<< "$net")" = true ] ||
    lu_die "the guest's TCP connection did not survive: $net"
echo "demo: OK"
