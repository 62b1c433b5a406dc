#!/usr/bin/env bash
# Plot a switch-over sweep (bench/switchover-sweep.sh): per flow, the median
# heartbeat gap and source stop -> destination running against guest RAM,
# with min-max bars.  Needs gnuplot (Debian: gnuplot-nox).
#
# Usage: bench/plot-sweep.sh SAMPLES.tsv OUT.svg [TITLE]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SAMPLES.tsv OUT.svg [TITLE]" >&2; exit 2; }
samples=$1 out=$2 title=${3:-switch-over against guest RAM}
[ -r "$samples" ] || { echo "plot-sweep: cannot read $samples" >&2; exit 1; }
. "$(dirname "$0")/stats.sh"
command -v gnuplot >/dev/null || { echo "plot-sweep: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
dat=$(mktemp -d)
trap 'rm -rf "$dat"' EXIT

# One file per flow: RAM in GiB, then median/min/max of a column, twice
# (heartbeat gap: column 7; stop -> running: column 5).
stats() {       # $1 flow, $2 size, $3 column
    local m lo hi
    read -r m lo hi < <(awk -F'\t' -v f="$1" -v s="$2" -v c="$3" \
        'NR > 1 && $3 == f && $2 == s { print $c }' "$samples" | median_min_max) || return 1
    printf ' %s %s %s' "$m" "$lo" "$hi"
}
mapfile -t flows < <(awk -F'\t' 'NR > 1 && !seen[$3]++ { print $3 }' "$samples")
mapfile -t sizes < <(awk -F'\t' 'NR > 1 && !seen[$2]++ { print $2 }' "$samples")
plots_gap=() plots_run=()
for f in "${flows[@]}"; do
    for s in "${sizes[@]}"; do
        gap=$(stats "$f" "$s" 7) || continue
        run=$(stats "$f" "$s" 5)
        printf '%s%s%s\n' "$(numfmt --from=iec "$s" | awk '{ print $1 / 1073741824 }')" "$gap" "$run"
    done > "$dat/$f.dat"
    plots_gap+=("'$dat/$f.dat' using 1:2:3:4 with yerrorlines title '$f'")
    plots_run+=("'$dat/$f.dat' using 1:5:6:7 with yerrorlines title '$f'")
done
join() { local IFS=,; echo "$*"; }
gnuplot <<GP
set terminal svg size 900,420 dynamic font "sans,11"
set output "$out"
set multiplot layout 1,2 title "$title"
set logscale x 2
set xlabel "guest RAM (GiB)"
set grid
set key top left
set yrange [0:*]
set ylabel "ms (median, min-max)"
set title "guest-visible pause (heartbeat gap)"
plot $(join "${plots_gap[@]}")
set title "source stop -> destination running"
plot $(join "${plots_run[@]}")
unset multiplot
GP
echo "plot-sweep: wrote $out"
