#!/usr/bin/env bash
# cpr-update hands the source's tap NIC over: the destination gets the
# source's own tap queue fds (fd=/fds=) instead of opening the interface,
# which the source holds.  Single queue with --same-args, two queues with
# explicit ARGS naming the same ifname.  The guest (virtio-net driver) keeps
# one TCP connection to the host busy through the tap: it must survive the
# update.  Runs in a network namespace of its own.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The guest boots in TCG on a shared machine: be generous with every wait.
LU_TIMEOUT=${LU_TIMEOUT:-180}
. "$top/tests/lib-e2e.sh"

if [ "${CPR_TAP_TEST_NETNS:-}" != 1 ]; then
    if unshare --net true 2>/dev/null; then
        CPR_TAP_TEST_NETNS=1 exec unshare --net bash "$0" "$@"
    fi
    tap_skip "tap handover" "cannot create a network namespace (needs CAP_SYS_ADMIN)"
    exit 0
fi
ip link set lo up
if ! ip tuntap add dev tapprobe mode tap 2>/dev/null; then
    tap_skip "tap handover" "cannot create a tap device (needs CAP_NET_ADMIN and /dev/net/tun)"
    exit 0
fi
ip tuntap del dev tapprobe mode tap

HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
PORT=5555

# make_tap NAME [multi_queue]: the interface, up, with the host's address.
make_tap() {
    ip tuntap add dev "$1" mode tap ${2:+multi_queue} &&
        ip addr add "$HOST_IP/24" dev "$1" && ip link set "$1" up
}

link_stat() { ip -j -s link show dev "$1" | jq ".[0].stats64.$2.packets"; }
ifindex() { ip -j link show dev "$1" | jq '.[0].ifindex'; }

# The tap queue fds process $1 holds for interface $2 (fdinfo iff: line).
tap_fds_of() {
    local pid=$1 ifname=$2 f n=0
    for f in /proc/"$pid"/fdinfo/*; do
        grep -qx "iff:	$ifname" "$f" 2>/dev/null && n=$((n + 1))
    done
    echo "$n"
}

net_lines() { grep -c '^NET seq=' "$LU_DIR/net.log" 2>/dev/null || echo 0; }
net_lines_beyond() { [ "$(net_lines)" -gt "$1" ]; }

# start_source TAP NETDEV-OPTIONS DEVICE-OPTIONS: the demo guest on the stock
# source with a virtio NIC on TAP, and a host peer its TCP connection goes
# to (one connection: a reconnecting guest would find no one listening).
start_source() {
    local ifname=$1 netdev=$2 device=$3
    lu_init
    lu_start_hbmon
    socat -u "TCP-LISTEN:$PORT,bind=$HOST_IP,reuseaddr" "CREATE:$LU_DIR/net.log" &
    LU_PIDS+=("$!")
    lu_guest_args_array
    LU_GUEST_ARGS[-1]="${LU_GUEST_ARGS[-1]} hb.net=$GUEST_IP/24,$HOST_IP:$PORT"
    NIC_ARGS=(-netdev "tap,id=n0,ifname=$ifname,$netdev" -device "virtio-net-pci,netdev=n0,$device")
    "$STOCK_QEMU" "${LU_GUEST_ARGS[@]}" "${NIC_ARGS[@]}" \
        -qmp "unix:$LU_DIR/src.qmp,server=on,wait=off" 2> "$LU_DIR/src.err" &
    src_PID=$!
    LU_PIDS+=("$src_PID")
    lu_wait_for "source QMP socket" test -S "$LU_DIR/src.qmp"
    lu_wait_for "guest heartbeat on the source" lu_hb_beyond 20
    lu_wait_for "the guest's TCP connection" net_lines_beyond 100
}

# check_update LABEL IFNAME QUEUES: the guest lives on the destination, with
# the source's tap queues, and its TCP connection kept going.
check_update() {
    local label=$1 ifname=$2 queues=$3 n
    echo "# note: $label: rc=$LU_UPDATE_RC $(jq -c '{error,warnings,handover}' "$LU_DIR/update.json")"
    tap_check "$label: exit 0" [ "$LU_UPDATE_RC" = 0 ]
    tap_check "$label: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
    tap_check "$label: source quit" lu_wait_for "source exit" sh -c "! kill -0 $src_PID 2>/dev/null"
    tap_check "$label: destination holds $queues queue fd(s) of $ifname" \
        [ "$(tap_fds_of "$LU_DST_PID" "$ifname")" = "$queues" ]
    tap_check "$label: destination got fd numbers, not the ifname" \
        sh -c "tr '\0' '\n' < /proc/$LU_DST_PID/cmdline | grep '^tap,id=n0,' | grep -v ifname= | grep -q 'fds\?='"
    tap_check "$label: the interface is the same one" [ "$(ifindex "$ifname")" = "$IFINDEX" ]
    rx=$(link_stat "$ifname" rx) tx=$(link_stat "$ifname" tx)
    n=$(net_lines)
    tap_check "$label: TCP data keeps coming through the tap" \
        lu_wait_for "TCP data after the update" net_lines_beyond $(( n + 200 ))
    tap_check "$label: tap counters moved on (rx $rx, tx $tx)" \
        [ "$(link_stat "$ifname" rx)" -gt "$rx" -a "$(link_stat "$ifname" tx)" -gt "$tx" ]
    tap_check "$label: one TCP connection throughout (no reset)" \
        [ "$(grep '^NET seq=' "$LU_DIR/net.log" | grep -vc ' conn=0$')" = 0 ]
    tap_check "$label: guest reported no network error" \
        sh -c "! grep -Eq 'NET-(RESET|ERROR|CLOSED|ERR|CONNECT-FAILED)|GUEST-ERR' '$LU_DIR/hb.log'"
    echo "# note: $label: $(net_lines) TCP lines; guest: $(grep -E 'NET-|GUEST-ERR' "$LU_DIR/hb.log" | tr '\n' ';')"
}

# 1. Single queue, --same-args.
make_tap tapcpr0
IFINDEX=$(ifindex tapcpr0)
start_source tapcpr0 "script=no,downscript=no" "mac=52:54:00:77:00:02"
# First a refusal, before anything touches the guest: a tap in ARGS that
# the source does not have.
lu_cpr_update --same-args -- "$OUR_QEMU" -netdev tap,id=n9,ifname=tapnone,script=no,downscript=no
echo "# note: unknown tap: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error}' "$LU_DIR/update.json")"
tap_check "unknown tap: refused (exit 1)" [ "$LU_UPDATE_RC" = 1 ]
tap_check "unknown tap: the message names it" \
    sh -c "jq -r .error '$LU_DIR/update.json' | grep -q \"tap netdev 'n9'.*tapnone\""
tap_check "unknown tap: no destination was started" \
    [ "$(jq '[.steps[] | select(.name == "launch")] | length' "$LU_DIR/update.json")" = 0 ]
tap_check "unknown tap: source's migration untouched" \
    [ "$(lu_qmp "$LU_DIR/src.qmp" query-migrate | jq -r '.status // "none"')" = none ]
lu_cpr_update --same-args -v -- "$OUR_QEMU"
check_update "single queue, same-args" tapcpr0 1
lu_cleanup
ip link del tapcpr0

# 2. Two queues, explicit ARGS naming the same ifname (and scripts, which
# the handover drops: a fd= tap runs none).
make_tap tapcpr1 multi_queue
IFINDEX=$(ifindex tapcpr1)
start_source tapcpr1 "script=no,downscript=no,queues=2" "mac=52:54:00:77:00:03,mq=on,vectors=6"
tap_check "two queues: the source holds both queue fds" [ "$(tap_fds_of "$src_PID" tapcpr1)" = 2 ]
# A failed update first: the source must get its tap back as it was (queues
# the guest does not use detached again), its TCP connection going on.
CPR_UPDATE_TEST_KILL_DEST_AT=transfer lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" "${NIC_ARGS[@]}"
echo "# note: two queues, failed: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error,handover}' "$LU_DIR/update.json")"
tap_check "two queues, failed update: exit 1" [ "$LU_UPDATE_RC" = 1 ]
tap_check "two queues, failed update: guest still running on the source" \
    [ "$(lu_status "$LU_DIR/src.qmp")" = running ]
n=$(net_lines)
tap_check "two queues, failed update: TCP data keeps coming on the source" \
    lu_wait_for "TCP data after the failed update" net_lines_beyond $(( n + 200 ))
lu_cpr_update -v -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" "${NIC_ARGS[@]}"
check_update "two queues, explicit" tapcpr1 2
lu_cleanup
ip link del tapcpr1

# 3. A source tap that runs a downscript (QEMU's default) as it quits is
# refused, before anything touches the guest.
make_tap tapcpr2
start_source tapcpr2 "script=no" "mac=52:54:00:77:00:04"
lu_cpr_update --same-args -- "$OUR_QEMU"
echo "# note: downscript: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error}' "$LU_DIR/update.json")"
tap_check "downscript: refused (exit 1)" [ "$LU_UPDATE_RC" = 1 ]
tap_check "downscript: the message names it and the fix" \
    sh -c "jq -r .error '$LU_DIR/update.json' | grep -q 'downscript /etc/qemu-ifdown.*downscript=no'"
tap_check "downscript: no destination was started" \
    [ "$(jq '[.steps[] | select(.name == "launch")] | length' "$LU_DIR/update.json")" = 0 ]
tap_check "downscript: guest still running on the source" \
    [ "$(lu_status "$LU_DIR/src.qmp")" = running ]
