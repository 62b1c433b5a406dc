# Shell helpers shared by the demo and the end-to-end tests: a private run
# directory, the heartbeat monitor, source/destination QEMU processes of the
# demo guest, and a stock cpr-transfer live update between them.
#
# Every process started here is recorded and killed, and the run directory
# removed, on any exit of the calling script (lu_init installs the trap).

LU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LU_BIN=$LU_TOP/build/bin
STOCK_QEMU=${STOCK_QEMU:-/usr/bin/qemu-system-x86_64}
OUR_QEMU=${OUR_QEMU:-$LU_TOP/build/qemu/build/qemu-system-x86_64}
GUEST_MIB=${GUEST_MIB:-64}          # RAM the workload fills and verifies
GUEST_RAM=${GUEST_RAM:-256M}
HB_PERIOD_MS=${HB_PERIOD_MS:-5}
LU_TIMEOUT=${LU_TIMEOUT:-60}        # seconds for any single wait

LU_PIDS=()

lu_die() { echo "error: $*" >&2; exit 1; }

lu_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

lu_cleanup() {
    local pid
    set +e      # a killed child's status must not stop the cleanup
    for pid in "${LU_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    for pid in "${LU_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    LU_PIDS=()
    [ -n "${LU_DIR:-}" ] && rm -rf "$LU_DIR"
}

# Private run directory (short path: UNIX socket names are limited).
lu_init() {
    LU_DIR=$(mktemp -d /tmp/cpr-lu.XXXXXX)
    chmod 0700 "$LU_DIR"
    trap lu_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

lu_qmp() { "$LU_BIN/qmp-call" -t "$LU_TIMEOUT" "$@"; }

# lu_wait_for DESCRIPTION COMMAND...: poll until COMMAND succeeds.
lu_wait_for() {
    local what=$1 deadline=$(( $(lu_now_ms) + LU_TIMEOUT * 1000 ))
    shift
    until "$@"; do
        [ "$(lu_now_ms)" -lt "$deadline" ] || lu_die "timed out waiting for $what"
        sleep 0.02
    done
}

lu_start_hbmon() {
    "$LU_BIN/hbmon" --listen "$LU_DIR/hb.sock" --log "$LU_DIR/hb.log" \
        --summary "$LU_DIR/hb.json" &
    HBMON_PID=$!
    LU_PIDS+=("$HBMON_PID")
    lu_wait_for "heartbeat monitor socket" test -S "$LU_DIR/hb.sock"
}

# Stop hbmon and leave its JSON summary in $LU_DIR/hb.json.
lu_stop_hbmon() {
    kill -TERM "$HBMON_PID"
    wait "$HBMON_PID" || lu_die "hbmon failed"
}

lu_hb_count() { grep -c ' HB seq=' "$LU_DIR/hb.log" 2>/dev/null || true; }

# Heartbeats so far must exceed $1.
lu_hb_beyond() { [ "$(lu_hb_count)" -gt "$1" ]; }

# The guest's command line, shared by source and destination: cpr-transfer
# needs all guest RAM in shared memfds (memory backend and aux-ram-share).
lu_guest_args() {
    printf '%s\n' \
        -nodefaults -display none -accel tcg \
        -machine pc,memory-backend=ram0,aux-ram-share=on \
        -object "memory-backend-memfd,id=ram0,size=$GUEST_RAM,share=on" \
        -m "$GUEST_RAM" \
        -chardev "socket,id=hb,path=$LU_DIR/hb.sock" -serial chardev:hb \
        -kernel "$LU_TOP/build/guest/vmlinuz" \
        -initrd "$LU_TOP/build/guest/initramfs.gz" \
        -append "console=ttyS0 quiet panic=-1 hb.mib=$GUEST_MIB hb.period_ms=$HB_PERIOD_MS"
}

# lu_start_qemu NAME BINARY [EXTRA ARGS...]: QMP socket at $LU_DIR/NAME.qmp,
# stderr in $LU_DIR/NAME.err; sets ${NAME}_PID.
lu_start_qemu() {
    local name=$1 bin=$2
    shift 2
    local -a args
    mapfile -t args < <(lu_guest_args)
    "$bin" "${args[@]}" -qmp "unix:$LU_DIR/$name.qmp,server=on,wait=off" \
        "$@" 2> "$LU_DIR/$name.err" &
    local pid=$!
    LU_PIDS+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
}

lu_status() { lu_qmp "$1" query-status | sed -n 's/.*"status":"\([a-z-]*\)".*/\1/p'; }

lu_boot_source() {
    lu_start_qemu src "$STOCK_QEMU"
    lu_wait_for "source QMP socket" test -S "$LU_DIR/src.qmp"
    lu_wait_for "guest heartbeat on the source" lu_hb_beyond 20
}

# A fresh run directory, the heartbeat monitor, and the demo guest booted
# on the stock source: the starting point of every live update here.
lu_start_guest() {
    lu_init
    lu_start_hbmon
    lu_boot_source
}

lu_main_channel() {
    printf '{"channel-type":"main","addr":{"transport":"socket","type":"unix","path":"%s"}}' \
        "$LU_DIR/mig.sock"
}

lu_cpr_channel() {
    printf '{"channel-type":"cpr","addr":{"transport":"socket","type":"unix","path":"%s"}}' \
        "$LU_DIR/cpr.sock"
}

lu_migration_status() {
    lu_qmp "$1" query-migrate | sed -n 's/.*"status":"\([a-z-]*\)".*/\1/p'
}

lu_migration_finished() {
    case "$(lu_migration_status "$1")" in
        completed) return 0 ;;
        failed|cancelled) lu_die "migration $(lu_migration_status "$1")" ;;
        *) return 1 ;;
    esac
}

# Stock 10.0 cpr-transfer: the destination takes both channels on its
# command line and blocks reading CPR state before it has a monitor.
# Sets LU_T_START / LU_T_DONE (ms).
lu_stock_cpr_transfer() {
    local dst_bin=$1
    LU_T_START=$(lu_now_ms)
    lu_qmp "$LU_DIR/src.qmp" migrate-set-parameters '{"mode":"cpr-transfer"}' >/dev/null
    lu_start_qemu dst "$dst_bin" \
        -incoming "$(lu_main_channel)" -incoming "$(lu_cpr_channel)"
    lu_wait_for "destination cpr socket" test -S "$LU_DIR/cpr.sock"
    lu_qmp "$LU_DIR/src.qmp" migrate \
        "{\"channels\":[$(lu_main_channel),$(lu_cpr_channel)]}" >/dev/null
    lu_wait_for "migration to complete" lu_migration_finished "$LU_DIR/src.qmp"
    lu_wait_for "destination QMP socket" test -S "$LU_DIR/dst.qmp"
    LU_T_DONE=$(lu_now_ms)
}

# JSON value of a top-level member: lu_json_get FILE-OR-TEXT KEY (via jq).
lu_jq() { jq -r "$@"; }

# cpr-transfer into a -precreate destination, configured over QMP before
# the source sends anything: capabilities and parameters, a TCP main
# channel on port 0 (the real port read back with query-migrate), and the
# cpr channel given with migrate-incoming.  Sets LU_T_START / LU_T_DONE
# and LU_MAIN_PORT.
lu_precreate_cpr_transfer() {
    local dst_bin=$1 sock=$LU_DIR/dst.qmp mig
    LU_T_START=$(lu_now_ms)
    lu_qmp "$LU_DIR/src.qmp" migrate-set-parameters '{"mode":"cpr-transfer"}' >/dev/null
    lu_start_qemu dst "$dst_bin" -precreate -incoming defer \
        -qmp "unix:$LU_DIR/dst-events.qmp,server=on,wait=off"
    lu_wait_for "destination QMP socket" test -S "$sock"
    lu_wait_for "destination events socket" test -S "$LU_DIR/dst-events.qmp"
    "$LU_BIN/qmp-call" -t "$LU_TIMEOUT" -e MIGRATION "$LU_DIR/dst-events.qmp" \
        > "$LU_DIR/dst-event.json" 2>&1 &
    LU_PIDS+=("$!")
    LU_EVENT_PID=$!
    lu_qmp "$sock" migrate-set-capabilities \
        '{"capabilities":[{"capability":"events","state":true}]}' >/dev/null
    lu_qmp "$sock" migrate-set-parameters '{"downtime-limit":250}' >/dev/null
    lu_qmp "$sock" migrate-incoming "{\"channels\":[
        {\"channel-type\":\"main\",\"addr\":{\"transport\":\"socket\",\"type\":\"inet\",\"host\":\"127.0.0.1\",\"port\":\"0\"}},
        $(lu_cpr_channel)]}" >/dev/null
    mig=$(lu_qmp "$sock" query-migrate)
    LU_MAIN_PORT=$(lu_jq '."socket-address"[0].port' <<< "$mig")
    case "$LU_MAIN_PORT" in
        ''|null|0) lu_die "destination reports no listening port: $mig" ;;
    esac
    lu_qmp "$sock" precreate-exit >/dev/null
    lu_wait_for "destination cpr socket" test -S "$LU_DIR/cpr.sock"
    lu_qmp "$LU_DIR/src.qmp" migrate "{\"channels\":[
        {\"channel-type\":\"main\",\"addr\":{\"transport\":\"socket\",\"type\":\"inet\",\"host\":\"127.0.0.1\",\"port\":\"$LU_MAIN_PORT\"}},
        $(lu_cpr_channel)]}" >/dev/null
    lu_wait_for "migration to complete" lu_migration_finished "$LU_DIR/src.qmp"
    LU_T_DONE=$(lu_now_ms)
}

# lu_cpr_update [CPR-UPDATE OPTIONS...] -- NEW_QEMU [ARGS...]: run cpr-update
# against the source with --json; the report goes to $LU_DIR/update.json,
# stderr to $LU_DIR/update.err, the exit code to LU_UPDATE_RC.  A
# destination it leaves running is recorded for cleanup.
lu_cpr_update() {
    LU_UPDATE_RC=0
    "$LU_BIN/cpr-update" --source "$LU_DIR/src.qmp" --run-dir "$LU_DIR" \
        --json "$@" > "$LU_DIR/update.json" 2> "$LU_DIR/update.err" ||
        LU_UPDATE_RC=$?
    local pid
    pid=$(jq -r '.destination.pid // empty' "$LU_DIR/update.json" 2>/dev/null)
    if [ -n "$pid" ]; then
        LU_PIDS+=("$pid")
        LU_DST_PID=$pid
        LU_DST_QMP=$(jq -r '.destination.monitor' "$LU_DIR/update.json")
    fi
}

# The demo guest's arguments, for cpr-update's NEW_QEMU command line.
lu_guest_args_array() { mapfile -t LU_GUEST_ARGS < <(lu_guest_args); }
