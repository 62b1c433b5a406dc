# Shell helpers shared by the demo and the end-to-end tests: a private run
# directory, the heartbeat monitor, source/destination QEMU processes of the
# demo guest, and a stock cpr-transfer live update between them.  Optionally
# the guest has a virtio disk it writes records to (LU_DISK) and a tap NIC
# with a busy TCP connection to the host (LU_TAP), in a network namespace
# of the run's own (lu_netns_enter).
#
# Every process started here is recorded and killed, every tap deleted, and
# the run directory removed, on any exit of the calling script (lu_init
# installs the trap).

LU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LU_BIN=$LU_TOP/build/bin
STOCK_QEMU=${STOCK_QEMU:-/usr/bin/qemu-system-x86_64}
OUR_QEMU=${OUR_QEMU:-$LU_TOP/build/qemu/build/qemu-system-x86_64}
GUEST_MIB=${GUEST_MIB:-64}          # RAM the workload fills and verifies
GUEST_RAM=${GUEST_RAM:-256M}
HB_PERIOD_MS=${HB_PERIOD_MS:-5}
LU_TIMEOUT=${LU_TIMEOUT:-60}        # seconds for any single wait
# Which guest: "linux" (the demo guest, build/guest) or "metal" (the
# bare-metal heartbeat guest, build/metal-guest: METAL_FILL of RAM filled,
# a heartbeat every METAL_PERIOD_US, METAL_APPEND added to its command line).
LU_GUEST_KIND=${LU_GUEST_KIND:-linux}
METAL_FILL=${METAL_FILL:-64M}
METAL_PERIOD_US=${METAL_PERIOD_US:-1000}
METAL_APPEND=${METAL_APPEND:-}
LU_ACCEL=${LU_ACCEL:-tcg}
# More devices for the guest, as -device arguments (space-separated), e.g.
# "e1000,romfile=,id=nic1": a larger device state to save and load.
LU_EXTRA_DEVICES=${LU_EXTRA_DEVICES:-}
# LU_TRACE=1: every QEMU started here logs the trace events of a live
# update's phases, time-stamped on the host's clock, to $LU_DIR/NAME.trace
# (for tools/timeline).
LU_TRACE=${LU_TRACE:-0}
LU_TRACE_EVENTS=(runstate_set migrate_set_state cpr_state_save cpr_state_load
                 loadvm_state_setup qemu_loadvm_state_post_main)
# The guest's disks: LU_DISKS="FORMAT:CACHE ..." (empty: none), e.g.
# "qcow2:none raw:writeback": one -drive each (format raw or qcow2, cache
# mode as -drive takes it), LU_DISK_MIB large, vda, vdb... in the guest,
# which writes a record to each every LU_DISK_MS ms.
LU_DISKS=${LU_DISKS:-}
LU_DISK_MIB=${LU_DISK_MIB:-32}
LU_DISK_MS=${LU_DISK_MS:-10}
# The guest's NIC: a tap named LU_TAP (empty: none) with LU_TAP_QUEUES
# queues, only ever created inside the run's own network namespace; the
# guest sends a line to net-peer on LU_NET_HOST:LU_NET_PORT every
# LU_NET_MS ms.  198.18.0.0/15 is the range set aside for network tests.
LU_TAP=${LU_TAP:-}
LU_TAP_QUEUES=${LU_TAP_QUEUES:-1}
LU_NET_HOST=${LU_NET_HOST:-198.18.0.1}
LU_NET_GUEST=${LU_NET_GUEST:-198.18.0.2}
LU_NET_PORT=${LU_NET_PORT:-7000}
LU_NET_MS=${LU_NET_MS:-5}

LU_PIDS=()
LU_TAPS=()

lu_die() { echo "error: $*" >&2; exit 1; }

lu_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

lu_cleanup() {
    local pid tap
    set +e      # a killed child's status must not stop the cleanup
    for pid in "${LU_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    for pid in "${LU_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    LU_PIDS=()
    for tap in "${LU_TAPS[@]}"; do
        ip link del "$tap" 2>/dev/null
    done
    LU_TAPS=()
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

# lu_wait_for DESCRIPTION COMMAND...: poll until COMMAND succeeds, every
# LU_POLL_S seconds.  A poll is a few processes (often a qmp-call): on 2
# cores a fast poll competes with the QEMUs, which benchmarks must avoid.
LU_POLL_S=${LU_POLL_S:-0.02}
lu_wait_for() {
    local what=$1 deadline=$(( $(lu_now_ms) + LU_TIMEOUT * 1000 ))
    shift
    until "$@"; do
        [ "$(lu_now_ms)" -lt "$deadline" ] || lu_die "timed out waiting for $what"
        sleep "$LU_POLL_S"
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
        -nodefaults -display none -accel "$LU_ACCEL" \
        -machine pc,memory-backend=ram0,aux-ram-share=on \
        -object "memory-backend-memfd,id=ram0,size=$GUEST_RAM,share=on" \
        -m "$GUEST_RAM" \
        -chardev "socket,id=hb,path=$LU_DIR/hb.sock" -serial chardev:hb
    local dev
    for dev in $LU_EXTRA_DEVICES; do printf '%s\n' -device "$dev"; done
    if [ "$LU_GUEST_KIND" = metal ]; then
        printf '%s\n' -kernel "$LU_TOP/build/metal-guest/metal-guest.elf" \
            -append "fill=$METAL_FILL period_us=$METAL_PERIOD_US${METAL_APPEND:+ $METAL_APPEND}"
        return 0
    fi
    printf '%s\n' \
        -kernel "$(lu_guest_kernel)" \
        -initrd "$LU_TOP/build/guest/initramfs.gz" \
        -append "console=ttyS0 quiet panic=-1 hb.mib=$GUEST_MIB hb.period_ms=$HB_PERIOD_MS$(lu_guest_cmdline_io)"
    lu_guest_disk_args
    lu_guest_nic_args
}

# The uncompressed kernel boots much faster under TCG (no firmware loader,
# no decompression); the bzImage is the fallback.
lu_guest_kernel() {
    if [ -f "$LU_TOP/build/guest/vmlinux" ]; then
        echo "$LU_TOP/build/guest/vmlinux"
    else
        echo "$LU_TOP/build/guest/vmlinuz"
    fi
}

# Kernel command line settings of the guest's disk and network workloads.
lu_guest_cmdline_io() {
    local -a devs=()
    local i
    for i in $(lu_disk_indexes); do devs+=("/dev/$(lu_disk_name "$i")"); done
    [ ${#devs[@]} = 0 ] || printf ' hb.disk=%s hb.disk_ms=%s' \
        "$(IFS=,; echo "${devs[*]}")" "$LU_DISK_MS"
    [ -z "$LU_TAP" ] ||
        printf ' hb.net=%s/24,%s:%s hb.net_ms=%s' "$LU_NET_GUEST" "$LU_NET_HOST" \
            "$LU_NET_PORT" "$LU_NET_MS"
}

# Disk I of LU_DISKS (0, 1, ...): its format, cache mode, image, guest name.
lu_disk_indexes() { local -a d=($LU_DISKS); [ ${#d[@]} = 0 ] || seq 0 $(( ${#d[@]} - 1 )); }
lu_disk_spec() { local -a d=($LU_DISKS); echo "${d[$1]}"; }
lu_disk_format() { local s; s=$(lu_disk_spec "$1"); echo "${s%%:*}"; }
lu_disk_cache() { local s; s=$(lu_disk_spec "$1"); echo "${s#*:}"; }
lu_disk_image() { echo "$LU_DIR/disk$1.$(lu_disk_format "$1")"; }
lu_disk_name() { local letters=abcdefghijklmnopqrstuvwxyz; echo "vd${letters:$1:1}"; }

lu_guest_disk_args() {
    local i
    for i in $(lu_disk_indexes); do
        printf '%s\n' \
            -drive "file=$(lu_disk_image "$i"),format=$(lu_disk_format "$i"),if=none,id=disk$i,cache=$(lu_disk_cache "$i")" \
            -device "virtio-blk-pci,drive=disk$i,id=vblk$i"
    done
}

# A tap opened by name, the way people configure it; several queues need
# multiqueue virtio-net with a vector per queue (plus config and control).
lu_guest_nic_args() {
    [ -n "$LU_TAP" ] || return 0
    local netdev="tap,id=n0,ifname=$LU_TAP,script=no,downscript=no"
    local device="virtio-net-pci,netdev=n0,id=nic0,mac=52:54:00:c9:70:01,romfile="
    if [ "$LU_TAP_QUEUES" -gt 1 ]; then
        netdev+=",queues=$LU_TAP_QUEUES"
        device+=",mq=on,vectors=$(( 2 * LU_TAP_QUEUES + 2 ))"
    fi
    printf '%s\n' -netdev "$netdev" -device "$device"
}

# lu_start_qemu NAME BINARY [EXTRA ARGS...]: QMP socket at $LU_DIR/NAME.qmp,
# stderr in $LU_DIR/NAME.err; sets ${NAME}_PID.
lu_start_qemu() {
    local name=$1 bin=$2
    shift 2
    local -a args
    mapfile -t args < <(lu_guest_args)
    [ "$LU_TRACE" != 1 ] || args+=($(lu_trace_args "$LU_DIR/$name.trace"))
    "$bin" "${args[@]}" -qmp "unix:$LU_DIR/$name.qmp,server=on,wait=off" \
        "$@" 2> "$LU_DIR/$name.err" &
    local pid=$!
    LU_PIDS+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
}

# QEMU options that log the phase events to FILE (no spaces in FILE).
lu_trace_args() {
    local ev
    printf '%s\n' -msg timestamp=on -D "$1"
    for ev in "${LU_TRACE_EVENTS[@]}"; do printf '%s\n' -trace "$ev"; done
}

lu_status() { lu_qmp "$1" query-status | sed -n 's/.*"status":"\([a-z-]*\)".*/\1/p'; }

# lu_qemu_alive NAME: true while QEMU NAME (lu_start_qemu) runs; once it
# has exited, the run stops here with the end of its stderr, rather than
# when a wait for it times out (-accel kvm without /dev/kvm, a bad option).
lu_qemu_alive() {
    local pid_var=${1}_PID
    kill -0 "${!pid_var}" 2>/dev/null ||
        lu_die "the $1 QEMU exited: $(tail -n 3 "$LU_DIR/$1.err" 2>/dev/null)"
}

lu_source_beats() { lu_qemu_alive src && lu_hb_beyond 20; }

lu_boot_source() {
    lu_start_qemu src "${LU_SOURCE_QEMU:-$STOCK_QEMU}"
    lu_wait_for "source QMP socket" test -S "$LU_DIR/src.qmp"
    lu_wait_for "guest heartbeat on the source" lu_source_beats
    [ -z "$LU_DISKS" ] || lu_wait_for "guest disk records on the source" lu_disk_beyond 10
    [ -z "$LU_TAP" ] || lu_wait_for "guest TCP lines on the source" lu_net_beyond 10
}

# A fresh run directory, the heartbeat monitor, the disk image and the tap
# with its TCP peer when asked for, and the demo guest booted on the stock
# source: the starting point of every live update here.
lu_start_guest() {
    lu_init
    lu_start_hbmon
    [ -z "$LU_DISKS" ] || lu_disk_create
    if [ -n "$LU_TAP" ]; then
        lu_tap_create || lu_die "cannot create tap $LU_TAP"
        lu_start_net_peer
    fi
    lu_boot_source
}

# --- the guest's disk ---------------------------------------------------

lu_disk_create() {
    local i fmt
    for i in $(lu_disk_indexes); do
        fmt=$(lu_disk_format "$i")
        case "$fmt" in
            raw|qcow2) ;;
            *) lu_die "LU_DISKS: format must be raw or qcow2, not '$fmt'" ;;
        esac
        qemu-img create -q -f "$fmt" "$(lu_disk_image "$i")" "${LU_DISK_MIB}M" ||
            lu_die "cannot create the disk image"
    done
}

# Records the guest reported durable so far on the first disk (its
# "DISK vda seq=" console lines).
lu_disk_acked() { grep -c ' DISK vda seq=' "$LU_DIR/hb.log" 2>/dev/null || true; }
lu_disk_beyond() { [ "$(lu_disk_acked)" -gt "$1" ]; }

# Check each image against the console (no QEMU may use them any more):
# JSON in $LU_DIR/disk.json, an array with one object per disk
# (disk-check's summary plus "cache"); fails if a reported record is
# missing or damaged or qemu-img check finds errors on any disk.
lu_disk_check() {
    local i rc=0
    for i in $(lu_disk_indexes); do
        "$LU_BIN/disk-check" --image "$(lu_disk_image "$i")" \
            --format "$(lu_disk_format "$i")" --disk "$(lu_disk_name "$i")" \
            --console "$LU_DIR/hb.log" --summary "$LU_DIR/disk$i.json" || rc=1
        jq --arg cache "$(lu_disk_cache "$i")" '. + {cache: $cache}' \
            "$LU_DIR/disk$i.json" > "$LU_DIR/disk$i.c.json" 2>/dev/null ||
            echo '{"ok":false}' > "$LU_DIR/disk$i.c.json"
    done
    jq -s . "$LU_DIR"/disk[0-9]*.c.json > "$LU_DIR/disk.json"
    return $rc
}

# lu_qemu_quit QMP PID: quit a QEMU (flushing its disk) and wait for it.
lu_qemu_quit() {
    lu_qmp "$1" quit >/dev/null 2>&1 || true
    lu_wait_for "QEMU $2 to exit" sh -c "! kill -0 $2 2>/dev/null"
}

# --- the guest's network, in a namespace of the run's own ----------------

# lu_netns_enter "$@": re-run the calling script in a new network namespace
# (unshare --net) unless it already runs in one made for it; fails (and
# returns) where namespaces cannot be made, so the caller can do without.
# Nothing done there reaches the host's network, and the namespace, with
# its taps, goes away with the script's last process.
lu_netns_enter() {
    if [ "${LU_OWN_NETNS:-}" = 1 ]; then
        ip link set lo up 2>/dev/null || true   # not without CAP_NET_ADMIN
        return 0
    fi
    unshare --net true 2>/dev/null || return 1
    LU_OWN_NETNS=1 exec unshare --net -- "$BASH" "$0" "$@"
}

# The tap, with the host's address on it (multi_queue when LU_TAP_QUEUES
# > 1); only inside lu_netns_enter's namespace.  Fails without
# CAP_NET_ADMIN.
lu_tap_create() {
    [ "${LU_OWN_NETNS:-}" = 1 ] || lu_die "a tap is only made in the run's own namespace"
    local mq=
    [ "$LU_TAP_QUEUES" -le 1 ] || mq=multi_queue
    ip tuntap add dev "$LU_TAP" mode tap $mq 2>/dev/null || return 1
    LU_TAPS+=("$LU_TAP")
    ip addr add "$LU_NET_HOST/24" dev "$LU_TAP" && ip link set "$LU_TAP" up
}

lu_start_net_peer() {
    "$LU_BIN/net-peer" --listen "$LU_NET_HOST:$LU_NET_PORT" --log "$LU_DIR/net.log" \
        --summary "$LU_DIR/net.json" 2> "$LU_DIR/net-peer.err" &
    NET_PEER_PID=$!
    LU_PIDS+=("$NET_PEER_PID")
    lu_wait_for "TCP peer listening" grep -q LISTENING "$LU_DIR/net.log"
}

# Stop net-peer and leave its JSON summary in $LU_DIR/net.json.
lu_stop_net_peer() {
    kill -TERM "$NET_PEER_PID"
    wait "$NET_PEER_PID" || lu_die "net-peer failed: $(cat "$LU_DIR/net-peer.err")"
}

# Lines the host received from the guest over TCP so far.
lu_net_count() { grep -c ' NET seq=' "$LU_DIR/net.log" 2>/dev/null || true; }
lu_net_beyond() { [ "$(lu_net_count)" -gt "$1" ]; }

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
# against the source ($LU_SOURCE_QMP, default the first source) with --json;
# the report goes to $LU_DIR/update.json,
# stderr to $LU_DIR/update.err, the exit code to LU_UPDATE_RC.  A
# destination it leaves running is recorded for cleanup.
lu_cpr_update() {
    LU_UPDATE_RC=0
    "$LU_BIN/cpr-update" --source "${LU_SOURCE_QMP:-$LU_DIR/src.qmp}" --run-dir "$LU_DIR" \
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
