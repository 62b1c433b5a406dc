#!/usr/bin/env bash
# Benchmark: stock cpr-transfer against our precreate flow, side by side in
# one run.  Every round boots the demo guest on Debian's stock QEMU 10.0.2
# once per flow and live-updates it:
#   stock-to-stock    stock cpr-transfer into stock QEMU 10.0.2
#   stock-to-ours     stock cpr-transfer into our build, without -precreate
#   precreate         our build with -precreate, configured over QMP first
#   cpr-update        the same through the cpr-update tool
# Flows are interleaved within each round so drift hits them alike.  Every
# run prints its timeline (tools/timeline: the phases from both QEMUs'
# trace logs and the guest's heartbeat, on the host clock, relative to the
# source's stop).  Prints the median (and min-max) of each figure per
# flow; samples go to build/bench/samples.tsv, timelines to
# build/bench/timeline-ROUND-FLOW.json.  LU_GUEST_KIND=metal runs the
# bare-metal heartbeat guest instead of the Linux demo guest.
# Usage: bench/cpr-transfer-bench.sh [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lib/live-update.sh"
. "$top/bench/stats.sh"
rounds=${1:-7}
flows=(stock-to-stock stock-to-ours precreate cpr-update)
out=$top/build/bench
mkdir -p "$out"
samples=$out/samples.tsv
printf 'round\tflow\tdowntime_ms\tsource_total_ms\tswitch_gap_ms\tupdate_ms\tstop_to_running_ms\tstop_to_first_hb_ms\n' > "$samples"
LU_TRACE=1

# The run's timeline: printed, kept as JSON in $out, figures for the samples.
run_timeline() {    # $1 round, $2 flow, $3 destination trace log
    local args=(--source "$LU_DIR/src.trace" --destination "$3" --heartbeat "$LU_DIR/hb.log")
    echo "bench: round $1, $2:"
    "$LU_BIN/timeline" "${args[@]}" | sed 's/^/  /'
    "$LU_BIN/timeline" "${args[@]}" --json > "$out/timeline-$1-$2.json"
}

one_run() {     # $1 round, $2 flow
    lu_start_guest
    case "$2" in
        stock-to-stock) lu_stock_cpr_transfer "$STOCK_QEMU" ;;
        stock-to-ours) lu_stock_cpr_transfer "$OUR_QEMU" ;;
        precreate) lu_precreate_cpr_transfer "$OUR_QEMU" ;;
        cpr-update)
            lu_guest_args_array
            LU_T_START=$(lu_now_ms)
            lu_cpr_update --keep-source --source-log "$LU_DIR/src.trace" -- \
                "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
            LU_T_DONE=$(lu_now_ms)
            [ "$LU_UPDATE_RC" = 0 ] || lu_die "cpr-update failed: $(cat "$LU_DIR/update.err")"
            ;;
    esac
    local n mig dst_trace=$LU_DIR/dst.trace tl
    [ "$2" != cpr-update ] || dst_trace=$(jq -r .destination_trace "$LU_DIR/update.json")
    n=$(lu_hb_count)
    lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( n + 20 ))
    mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
    lu_stop_hbmon
    [ "$(jq -r .continuous "$LU_DIR/hb.json")" = true ] && [ "$(jq -r .bad "$LU_DIR/hb.json")" = 0 ] ||
        lu_die "$2: guest disturbed: $(cat "$LU_DIR/hb.json")"
    run_timeline "$1" "$2" "$dst_trace"
    tl=$out/timeline-$1-$2.json
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(jq -r .downtime <<< "$mig")" \
        "$(jq -r '."total-time"' <<< "$mig")" "$(jq -r .switch_gap_ms "$LU_DIR/hb.json")" \
        "$(( LU_T_DONE - LU_T_START ))" "$(jq -r .stop_to_running_ms "$tl")" \
        "$(jq -r .stop_to_first_heartbeat_ms "$tl")" >> "$samples"
    lu_cleanup
}

for r in $(seq 1 "$rounds"); do
    for f in "${flows[@]}"; do
        one_run "$r" "$f"
    done
    echo "bench: round $r/$rounds done" >&2
done

echo "cpr-transfer, $LU_GUEST_KIND guest ($GUEST_RAM RAM, $LU_ACCEL), $rounds runs per flow: median (min-max)"
printf '%-16s %18s %18s %22s %18s %20s %20s\n' flow "downtime ms" "source total ms" \
    "guest switch gap ms" "update ms" "stop->running ms" "stop->first hb ms"
for f in "${flows[@]}"; do
    printf '%-16s' "$f"
    for col in 3 4 5 6 7 8; do
        read -r m lo hi < <(awk -F'\t' -v f="$f" -v c="$col" \
            'NR > 1 && $2 == f { print $c }' "$samples" | median_min_max)
        printf ' %9.1f (%.1f-%.1f)' "$m" "$lo" "$hi"
    done
    echo
done
echo "update ms: wall time from starting the destination to the source's completed"
echo "(cpr-update: the whole command, including configuration and verification)."
echo "stop->running, stop->first hb: from the source's stop (its trace log) to the"
echo "destination running (its trace log) and to the first heartbeat through it (hbmon)."
