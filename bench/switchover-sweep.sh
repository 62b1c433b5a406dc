#!/usr/bin/env bash
# Benchmark: the switch-over of a live update against guest RAM size, with
# the bare-metal heartbeat guest (guest/metal) or the Linux demo guest
# filling a part of its RAM.
# Each round runs every size and flow once, interleaved:
#   stock-to-stock   stock cpr-transfer, stock QEMU 10.0.2 to itself
#   cpr-update       stock QEMU 10.0.2 to our build through cpr-update
#   cpr-update-alt   the same into SWEEP_ALT_QEMU (another build of ours,
#                    e.g. the series without a patch, for before/after)
#   cpr-update-vmdesc  the same with --keep-vmdesc: the source builds and
#                    sends the vmstate description, as without cpr-update
#   ours             our build to our build through cpr-update: the source
#                    stops late (cpr-late-stop) and sends no description
#   ours-late-vmdesc   the same with --keep-vmdesc
#   ours-early-vmdesc  the same with --early-stop --keep-vmdesc: as stock
#   precopy          plain (precopy) migration over a UNIX socket, stock to
#                    stock, for contrast: RAM is copied, not kept in place
# Per run: the source's downtime and the timeline (source stop to the
# destination running and to the guest's first heartbeat through it, and
# the heartbeat gap), the peak RSS of both QEMUs (VmHWM) and the host
# memory of their guest-RAM memfds (counted once when they share it).
# Medians and min-max per size and flow, then issue 10's pause targets
# (bench/pause-targets.sh).  Samples in build/bench/sweep-GUEST.tsv.
#
# Usage: bench/switchover-sweep.sh [ROUNDS]
#   SWEEP_GUEST   metal (default) or linux (the demo guest, TCG only)
#   SWEEP_SIZES   guest RAM sizes (default "512M 2G 8G 16G")
#   SWEEP_FILL    RAM the guest fills and verifies (default 256M; it fills
#                 below 4 GiB only)
#   SWEEP_FLOWS   default "stock-to-stock cpr-update precopy"
#   PRECOPY_MAX   largest RAM precopy runs with (default 2G): it touches all
#                 of the source's RAM and allocates as much again on the
#                 destination, which a shared machine may not have
#   LU_ACCEL      tcg (default) or kvm
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lib/live-update.sh"
. "$top/bench/stats.sh"
rounds=${1:-5}
read -r -a sizes <<< "${SWEEP_SIZES:-512M 2G 8G 16G}"
read -r -a flows <<< "${SWEEP_FLOWS:-stock-to-stock cpr-update precopy}"
precopy_max=$(numfmt --from=iec "${PRECOPY_MAX:-2G}")
LU_GUEST_KIND=${SWEEP_GUEST:-metal}
case "$LU_GUEST_KIND" in
    metal) METAL_FILL=${SWEEP_FILL:-256M} ;;
    linux) GUEST_MIB=$(( $(numfmt --from=iec "${SWEEP_FILL:-256M}") >> 20 )) ;;
    *) lu_die "SWEEP_GUEST must be metal or linux, not '$LU_GUEST_KIND'" ;;
esac
for f in "${flows[@]}"; do
    case "$f" in
        stock-to-stock|cpr-update|cpr-update-vmdesc|precopy|ours|ours-late-vmdesc|ours-early-vmdesc) ;;
        cpr-update-alt) [ -x "${SWEEP_ALT_QEMU:-}" ] ||
            lu_die "flow cpr-update-alt needs SWEEP_ALT_QEMU, an executable QEMU" ;;
        *) lu_die "unknown flow '$f' in SWEEP_FLOWS" ;;
    esac
done
LU_TRACE=1
# The shell flows wait by polling with a new qmp-call each time, which
# on 2 cores took CPU from the QEMUs during the switch (stock-to-stock
# stalled in 5 of 16 runs at 20 ms, 2 of 16 at 0.5 s); cpr-update polls
# over its open connections.  The figures come from the trace logs, so
# a slower poll costs nothing but wall time.
LU_POLL_S=${LU_POLL_S:-0.25}
out=$top/build/bench
mkdir -p "$out"
samples=$out/sweep-$LU_GUEST_KIND.tsv
printf 'round\tram\tflow\tdowntime_ms\tstop_to_running_ms\tstop_to_first_hb_ms\thb_gap_ms\tsrc_hwm_mib\tdst_hwm_mib\tmemfd_mib\tdst_load_ms\n' > "$samples"

# Host memory of the guest-RAM memfd of QEMU $1 (MiB allocated) and its
# inode, for telling a shared one from two.
memfd_usage() {
    local f want
    want=$(numfmt --from=iec "$GUEST_RAM")
    for f in /proc/"$1"/fd/*; do
        case "$(readlink "$f" 2>/dev/null)" in /memfd:*) ;; *) continue ;; esac
        [ "$(stat -L -c %s "$f" 2>/dev/null)" = "$want" ] || continue
        stat -L -c '%i %b %B' "$f" | awk '{ printf "%s %d\n", $1, $2 * $3 / 1048576 }'
        return 0
    done
    echo "- 0"
}

hwm_mib() { awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

precopy() {
    lu_start_qemu dst "$STOCK_QEMU" -incoming "unix:$LU_DIR/mig.sock"
    lu_wait_for "destination migration socket" test -S "$LU_DIR/mig.sock"
    lu_wait_for "destination QMP socket" test -S "$LU_DIR/dst.qmp"
    lu_qmp "$LU_DIR/src.qmp" migrate "{\"uri\":\"unix:$LU_DIR/mig.sock\"}" >/dev/null
    lu_wait_for "migration to complete" lu_migration_finished "$LU_DIR/src.qmp"
}

one_run() {     # $1 round, $2 RAM size, $3 flow
    local dst_pid dst_trace mig tl n src_m dst_m memfd
    GUEST_RAM=$2
    case "$3" in
        ours*) LU_SOURCE_QEMU=$OUR_QEMU lu_start_guest ;;
        *) lu_start_guest ;;
    esac
    dst_trace=$LU_DIR/dst.trace
    case "$3" in
        stock-to-stock) lu_stock_cpr_transfer "$STOCK_QEMU"; dst_pid=$dst_PID ;;
        precopy) precopy; dst_pid=$dst_PID ;;
        cpr-update*|ours*)
            local bin=$OUR_QEMU opts=()
            case "$3" in
                cpr-update-alt) bin=$SWEEP_ALT_QEMU ;;
                *-early-vmdesc) opts=(--early-stop --keep-vmdesc) ;;
                *-vmdesc) opts=(--keep-vmdesc) ;;
            esac
            lu_guest_args_array
            lu_cpr_update --keep-source --source-log "$LU_DIR/src.trace" "${opts[@]}" -- \
                "$bin" "${LU_GUEST_ARGS[@]}"
            [ "$LU_UPDATE_RC" = 0 ] || lu_die "cpr-update failed: $(cat "$LU_DIR/update.err")"
            dst_pid=$LU_DST_PID
            dst_trace=$(jq -r .destination_trace "$LU_DIR/update.json")
            ;;
    esac
    n=$(lu_hb_count)
    lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( n + 50 ))
    mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
    src_m=$(memfd_usage "$src_PID")
    dst_m=$(memfd_usage "$dst_pid")
    if [ "${src_m%% *}" = "${dst_m%% *}" ]; then
        memfd=${src_m#* }                                   # one shared memfd
    else
        memfd=$(( ${src_m#* } + ${dst_m#* } ))
    fi
    local src_hwm dst_hwm
    src_hwm=$(hwm_mib "$src_PID")
    dst_hwm=$(hwm_mib "$dst_pid")
    lu_stop_hbmon
    [ "$(jq -r .continuous "$LU_DIR/hb.json")" = true ] && [ "$(jq -r .bad "$LU_DIR/hb.json")" = 0 ] ||
        lu_die "$2 $3: guest disturbed: $(cat "$LU_DIR/hb.json")"
    tl=$out/sweep-timeline-$1-$2-$3.json
    "$LU_BIN/timeline" --source "$LU_DIR/src.trace" --destination "$dst_trace" \
        --heartbeat "$LU_DIR/hb.log" --json > "$tl"
    echo "sweep: round $1, $2, $3:"
    "$LU_BIN/timeline" --source "$LU_DIR/src.trace" --destination "$dst_trace" \
        --heartbeat "$LU_DIR/hb.log" | sed 's/^/  /'
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
        "$(jq -r .downtime <<< "$mig")" "$(jq -r .stop_to_running_ms "$tl")" \
        "$(jq -r .stop_to_first_heartbeat_ms "$tl")" "$(jq -r .heartbeat_gap_ms "$tl")" \
        "$src_hwm" "$dst_hwm" "$memfd" "$(jq -r .dest_load_ms "$tl")" >> "$samples"
    lu_cleanup
}

echo "sweep: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    for size in "${sizes[@]}"; do
        for f in "${flows[@]}"; do
            if [ "$f" = precopy ] && [ "$(numfmt --from=iec "$size")" -gt "$precopy_max" ]; then
                continue
            fi
            one_run "$r" "$size" "$f"
        done
    done
    echo "sweep: round $r/$rounds done (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done

echo
if [ "$LU_GUEST_KIND" = metal ]; then
    what="metal guest filling $METAL_FILL, heartbeat every ${METAL_PERIOD_US} us"
else
    what="Linux guest filling $GUEST_MIB MiB, heartbeat every ${HB_PERIOD_MS} ms"
fi
echo "switch-over against RAM size, $what, $LU_ACCEL, $rounds rounds: median (min-max)"
printf '%-6s %-17s %15s %20s %20s %20s %20s %14s %14s %12s\n' RAM flow "downtime ms" \
    "dst load ms" "stop->running ms" "stop->first hb ms" "heartbeat gap ms" "src RSS MiB" \
    "dst RSS MiB" "memfd MiB"
for size in "${sizes[@]}"; do
    for f in "${flows[@]}"; do
        awk -F'\t' -v s="$size" -v f="$f" 'NR > 1 && $2 == s && $3 == f' "$samples" | grep -q . || continue
        printf '%-6s %-17s' "$size" "$f"
        for col in 4 11 5 6 7 8 9 10; do
            read -r m lo hi < <(awk -F'\t' -v s="$size" -v f="$f" -v c="$col" \
                'NR > 1 && $2 == s && $3 == f { print $c }' "$samples" | median_min_max)
            printf ' %7.1f (%.1f-%.1f)' "$m" "$lo" "$hi"
        done
        echo
    done
done
echo "dst load: the destination loading the device state, from its start (or from the"
echo "source's stop, if later: with cpr-late-stop the setup is read before it) to loaded."
echo "stop->running / stop->first hb: from the source's stop to the destination running"
echo "and to the first heartbeat through it (trace logs and hbmon, host clock)."
echo "RSS: peak (VmHWM) of each QEMU process; memfd: host memory of guest RAM (both sides)."
echo
"$top/bench/pause-targets.sh" "$samples"
