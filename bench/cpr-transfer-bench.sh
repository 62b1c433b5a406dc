#!/usr/bin/env bash
# Benchmark: stock cpr-transfer against our precreate flow, side by side in
# one run.  Every round boots the demo guest on Debian's stock QEMU 10.0.2
# once per flow and live-updates it:
#   stock-to-stock    stock cpr-transfer into stock QEMU 10.0.2
#   stock-to-ours     stock cpr-transfer into our build, without -precreate
#   precreate         our build with -precreate, configured over QMP first
#   cpr-update        the same through the cpr-update tool
# Flows are interleaved within each round so drift hits them alike.  Prints
# the median (and min-max) of each figure per flow; samples go to
# build/bench/samples.tsv.  Usage: bench/cpr-transfer-bench.sh [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lib/live-update.sh"
rounds=${1:-7}
flows=(stock-to-stock stock-to-ours precreate cpr-update)
out=$top/build/bench
mkdir -p "$out"
samples=$out/samples.tsv
printf 'round\tflow\tdowntime_ms\tsource_total_ms\tswitch_gap_ms\tupdate_ms\n' > "$samples"

one_run() {     # $1 round, $2 flow
    lu_start_guest
    case "$2" in
        stock-to-stock) lu_stock_cpr_transfer "$STOCK_QEMU" ;;
        stock-to-ours) lu_stock_cpr_transfer "$OUR_QEMU" ;;
        precreate) lu_precreate_cpr_transfer "$OUR_QEMU" ;;
        cpr-update)
            lu_guest_args_array
            LU_T_START=$(lu_now_ms)
            lu_cpr_update --keep-source -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
            LU_T_DONE=$(lu_now_ms)
            [ "$LU_UPDATE_RC" = 0 ] || lu_die "cpr-update failed: $(cat "$LU_DIR/update.err")"
            ;;
    esac
    local n mig
    n=$(lu_hb_count)
    lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( n + 20 ))
    mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
    lu_stop_hbmon
    [ "$(jq -r .continuous "$LU_DIR/hb.json")" = true ] && [ "$(jq -r .bad "$LU_DIR/hb.json")" = 0 ] ||
        lu_die "$2: guest disturbed: $(cat "$LU_DIR/hb.json")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(jq -r .downtime <<< "$mig")" \
        "$(jq -r '."total-time"' <<< "$mig")" "$(jq -r .switch_gap_ms "$LU_DIR/hb.json")" \
        "$(( LU_T_DONE - LU_T_START ))" >> "$samples"
    lu_cleanup
}

for r in $(seq 1 "$rounds"); do
    for f in "${flows[@]}"; do
        one_run "$r" "$f"
    done
    echo "bench: round $r/$rounds done" >&2
done

echo "cpr-transfer, demo guest ($GUEST_RAM RAM, TCG), $rounds runs per flow: median (min-max)"
printf '%-16s %18s %18s %22s %18s\n' flow "downtime ms" "source total ms" "guest switch gap ms" "update ms"
for f in "${flows[@]}"; do
    printf '%-16s' "$f"
    for col in 3 4 5 6; do
        awk -F'\t' -v f="$f" -v c="$col" 'NR > 1 && $2 == f { print $c }' "$samples" |
            sort -g | awk '{ v[NR] = $1 } END {
                m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                printf " %9.1f (%g-%g)", m, v[1], v[NR] }'
    done
    echo
done
echo "update ms: wall time from starting the destination to the source's completed"
echo "(cpr-update: the whole command, including configuration and verification)."
