# Shared steps and checks of the end-to-end tests: sourcing this brings
# lib/live-update.sh and tests/lib-tap.sh too.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/live-update.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib-tap.sh"

# Let the guest run on the destination for a while: 200 heartbeats, which is
# several full verification passes of its memory.
e2e_run_on_destination() {
    local before
    before=$(lu_hb_count)
    lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( before + 200 ))
}

# The source's own account: completed, with a downtime figure.
e2e_check_source_completed() {
    local mig
    mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
    tap_check "${1:+$1: }source reports completed with a downtime" \
        [ "$(lu_jq '.status' <<< "$mig")" = completed -a \
          "$(lu_jq '.downtime | type' <<< "$mig")" = number ]
}

# Stop hbmon and check what the guest saw of the update: heartbeat through
# the source then the destination, continuous, no memory-pattern mismatch,
# full passes on the destination, no reboot.  $1: a label for the checks.
e2e_check_guest() {
    local p=${1:+$1: } hb
    lu_stop_hbmon
    hb=$(cat "$LU_DIR/hb.json")
    echo "# note: ${p}heartbeat: $(jq -c 'del(.connections)' <<< "$hb")"
    tap_check "${p}heartbeat came from source then destination" \
        [ "$(lu_jq '.connections | length' <<< "$hb")" = 2 ]
    tap_check "${p}heartbeat sequence continuous" [ "$(lu_jq '.continuous' <<< "$hb")" = true ]
    tap_check "${p}memory pattern intact" [ "$(lu_jq '.bad' <<< "$hb")" = 0 ]
    tap_check "${p}full verification passes on the destination" \
        [ "$(lu_jq '.connections[1].passes' <<< "$hb")" -ge 1 ]
    tap_check "${p}destination kept the guest (no reboot)" [ "$(lu_jq '.starts' <<< "$hb")" = 1 ]
}

# e2e_eventually COMMAND...: poll COMMAND until it succeeds (0) or the time
# limit passes (1); unlike lu_wait_for it does not end the test.
e2e_eventually() {
    local deadline=$(( $(lu_now_ms) + LU_TIMEOUT * 1000 ))
    until "$@"; do
        [ "$(lu_now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# e2e_check_disks LABEL: with no QEMU using the images any more, every
# record the guest was told is durable must be on each image, in order,
# checksums right, and qemu-img check clean for qcow2.  Stops hbmon.
e2e_check_disks() {
    local p=$1 disks n i d
    lu_stop_hbmon
    lu_disk_check
    disks=$(cat "$LU_DIR/disk.json" 2>/dev/null || echo '[]')
    n=$(lu_jq 'length' <<< "$disks")
    tap_check "$p: a check of every disk" [ "$n" = "$(lu_disk_indexes | wc -l)" -a "$n" -gt 0 ]
    for (( i = 0; i < n; i++ )); do
        d=$(jq -c ".[$i]" <<< "$disks")
        local what="$p: $(lu_jq '"\(.disk) \(.format) cache=\(.cache)"' <<< "$d")"
        echo "# note: $what: $(jq -c '{acked,present,lost,damaged,out_of_order,first_non_record,qemu_img_check: .qemu_img_check.clean}' <<< "$d")"
        tap_check "$what: all $(lu_jq '.acked' <<< "$d") acknowledged records present, in order, checksums right" \
            [ "$(lu_jq '.ok' <<< "$d")" = true -a "$(lu_jq '.lost' <<< "$d")" = 0 -a \
              "$(lu_jq '.acked' <<< "$d")" -gt 0 ]
        tap_check "$what: no damaged or out-of-order record" \
            [ "$(lu_jq '.out_of_order + .damaged + .ack_breaks' <<< "$d")" = 0 ]
        if [ "$(lu_jq '.format' <<< "$d")" = qcow2 ]; then
            tap_check "$what: qemu-img check clean" \
                [ "$(lu_jq '.qemu_img_check.clean' <<< "$d")" = true ]
        fi
    done
}

# e2e_check_net LABEL: stop net-peer and check the guest's TCP connection:
# one connection, still open, no reset or close, sequence continuous.
e2e_check_net() {
    local p=$1 net
    lu_stop_net_peer
    net=$(cat "$LU_DIR/net.json")
    echo "# note: $p: tcp: $(jq -c . <<< "$net")"
    tap_check "$p: one TCP connection, still open" \
        [ "$(lu_jq '.connections' <<< "$net")" = 1 -a "$(lu_jq '.open' <<< "$net")" = 1 ]
    tap_check "$p: no reset, no close" \
        [ "$(lu_jq '.resets + .closes + .guest_reconnects' <<< "$net")" = 0 ]
    tap_check "$p: TCP line sequence continuous" [ "$(lu_jq '.continuous' <<< "$net")" = true ]
}
