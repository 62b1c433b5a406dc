#!/usr/bin/env bash
# cpr-update and the source's listening UNIX sockets: an extra QMP monitor
# (-qmp unix:), an HMP monitor (-monitor unix:) and a console chardev
# (-chardev socket,server=on,path=).  After a failed update the source still
# answers on each path; after an update (--same-args, then explicit ARGS
# naming the same paths) and the source's exit, the destination does.  Who
# answers is told by the version in the QMP greeting and the HMP banner:
# the source is stock 10.0.2, the destination our build.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The guest boots in TCG on a shared machine: be generous with every wait.
LU_TIMEOUT=${LU_TIMEOUT:-180}
. "$top/tests/lib-e2e.sh"

src_version=$("$STOCK_QEMU" --version | sed -n '1s/^QEMU emulator version \([0-9.]*\).*/\1/p')
dst_version=$("$OUR_QEMU" --version | sed -n '1s/^QEMU emulator version \([0-9.]*\).*/\1/p')
echo "# note: source QEMU $src_version, destination QEMU $dst_version"

# first_line PATH: connect and print the first line the server sends.
first_line() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
buf = b""
while b"\n" not in buf:
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.split(b"\n")[0].decode(errors="replace").strip())
PY
}

# The QEMU version that greets on a QMP socket.
qmp_version() {
    first_line "$1" | jq -r '.QMP.version.qemu | "\(.major).\(.minor).\(.micro)"'
}

# The QEMU version in the banner of an HMP socket.
hmp_version() {
    first_line "$1" | sed -n 's/^QEMU \([0-9.]*\) monitor.*/\1/p'
}

console_connects() {
    timeout 20 socat -u OPEN:/dev/null "UNIX-CONNECT:$LU_DIR/console.sock"
}

no_hidden_links() { [ -z "$(find "$LU_DIR" -name '.*.cpr-update-*')" ]; }

# check_paths LABEL VERSION: each path served by the QEMU of VERSION.
check_paths() {
    local label=$1 want=$2
    tap_check "$label: extra QMP socket answers, QEMU $want" \
        [ "$(qmp_version "$LU_DIR/extra.qmp")" = "$want" ]
    tap_check "$label: HMP socket answers, QEMU $want" \
        [ "$(hmp_version "$LU_DIR/hmp.sock")" = "$want" ]
    tap_check "$label: console socket accepts a connection" console_connects
    tap_check "$label: no hidden link left behind" no_hidden_links
}

start_source() {
    lu_init
    lu_start_hbmon
    # $LU_DIR is new: the paths are set again.
    extra=(-qmp "unix:$LU_DIR/extra.qmp,server=on,wait=off"
           -monitor "unix:$LU_DIR/hmp.sock,server=on,wait=off"
           -chardev "socket,id=con2,path=$LU_DIR/console.sock,server=on,wait=off"
           -serial chardev:con2)
    lu_start_qemu src "$STOCK_QEMU" "${extra[@]}"
    lu_wait_for "source QMP socket" test -S "$LU_DIR/src.qmp"
    lu_wait_for "guest heartbeat on the source" lu_hb_beyond 20
}

start_source
check_paths "before" "$src_version"

# 1. A failed update: the destination exits by itself after precreate-exit
# (a device it cannot create).  It never bound the paths, so the source
# keeps them.
lu_cpr_update --same-args -v -- "$OUR_QEMU" -device virtio-net-pci,netdev=nonexistent
echo "# note: failed: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error,handover}' "$LU_DIR/update.json")"
tap_check "failed update: exit 1" [ "$LU_UPDATE_RC" = 1 ]
tap_check "failed update: three sockets were to be handed over" \
    [ "$(jq '.handover | length' "$LU_DIR/update.json")" = 3 ]
tap_check "failed update: source still running" [ "$(lu_status "$LU_DIR/src.qmp")" = running ]
check_paths "failed update" "$src_version"

# 2. --same-args, the source quits: the destination serves every path.
lu_cpr_update --same-args -v -- "$OUR_QEMU"
grep -E 'handed over' "$LU_DIR/update.err" | sed 's/^/# note: /'
tap_check "same-args: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "same-args: source quit" lu_wait_for "source exit" sh -c "! kill -0 $src_PID 2>/dev/null"
check_paths "same-args" "$dst_version"
tap_check "same-args: destination holds the console's listening socket" \
    grep -q "pid=$LU_DST_PID," <<< "$(ss -xlpn | grep -F "$LU_DIR/console.sock")"
n=$(lu_hb_count)
lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( n + 50 ))
lu_stop_hbmon
tap_check "same-args: heartbeat continuous" [ "$(jq -r .continuous "$LU_DIR/hb.json")" = true ]
tap_check "same-args: memory pattern intact" [ "$(jq -r .bad "$LU_DIR/hb.json")" = 0 ]
lu_cleanup

# 3. Explicit ARGS naming the same paths.
start_source
lu_guest_args_array
lu_cpr_update -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}" "${extra[@]}"
echo "# note: explicit: rc=$LU_UPDATE_RC $(jq -c '{error,handover}' "$LU_DIR/update.json")"
tap_check "explicit: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "explicit: source quit" lu_wait_for "source exit" sh -c "! kill -0 $src_PID 2>/dev/null"
check_paths "explicit" "$dst_version"
