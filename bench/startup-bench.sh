#!/usr/bin/env bash
# Benchmark: start-up time of one QEMU binary as a live-update destination.
#   version     exec to exit of `QEMU -version`: the floor (dynamic linking,
#               constructors, QOM type registration, option parsing)
#   precreate   -precreate -incoming defer, the way cpr-update starts a
#               destination
#   defer       -incoming defer only (full start-up: backends, RAM, devices)
# For the two QMP modes: exec to the greeting's first byte (sent by the
# monitor thread), and exec to the answer of qmp_capabilities (run by the
# main loop: QEMU is usable).  The guest is the demo guest's machine with
# STARTUP_RAM (default 2G) of shared memfd RAM and aux-ram-share=on, under
# TCG, without the serial chardev and kernel.  Modes are interleaved, in a
# rotating order, within each round.  Prints the median and min-max of
# each figure, and of QEMU's CPU time (user + system, all threads) until
# then, the steadier figure on a loaded machine, with the ratios of the
# medians to -version's.  Samples go to build/bench/startup.tsv.
# Usage: bench/startup-bench.sh [RUNS [QEMU]]   (default 11, our build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lib/live-update.sh"
. "$top/bench/stats.sh"
runs=${1:-11}
qemu=${2:-$OUR_QEMU}
ram=${STARTUP_RAM:-2G}
[ -x "$qemu" ] || lu_die "no QEMU binary at $qemu"
modes=(version precreate defer)
# A QEMU without -precreate (stock) still gets its other two figures.
"$qemu" -precreate -version > /dev/null 2>&1 || modes=(version defer)
[ -x "$LU_BIN/startup-time" ] || lu_die "build the tools first: make tools"
lu_init
out=$top/build/bench
mkdir -p "$out"
samples=$out/startup.tsv
printf 'round\tmode\tgreeting_ms\tready_ms\tcpu_ms\n' > "$samples"
qmp=$LU_DIR/qmp.sock
machine=(-nodefaults -display none -accel tcg
         -machine pc,memory-backend=ram0,aux-ram-share=on
         -object "memory-backend-memfd,id=ram0,size=$ram,share=on" -m "$ram")

one_run() {     # $1 round, $2 mode
    local t g r c
    case "$2" in
        version) t=$("$LU_BIN/startup-time" -- "$qemu" -version) ;;
        precreate)
            t=$("$LU_BIN/startup-time" --qmp "$qmp" -- "$qemu" "${machine[@]}" \
                -precreate -incoming defer -qmp "unix:$qmp,server=on,wait=off") ;;
        defer)
            t=$("$LU_BIN/startup-time" --qmp "$qmp" -- "$qemu" "${machine[@]}" \
                -incoming defer -qmp "unix:$qmp,server=on,wait=off") ;;
    esac
    read -r g r c <<< "$t"
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$g" "$r" "$c" >> "$samples"
}

# One warm-up run of each mode: the first exec pays for the page cache.
for m in "${modes[@]}"; do one_run 0 "$m"; done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$runs"); do
    for i in "${!modes[@]}"; do
        one_run "$r" "${modes[(r + i) % ${#modes[@]}]}"
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# stats MODE COLUMN: "median min max" of the column over the measured rounds.
stats() {
    awk -F'\t' -v m="$1" -v c="$2" 'NR > 1 && $1 > 0 && $2 == m { print $c }' "$samples" |
        median_min_max
}

echo "start-up of $qemu"
echo "($ram memfd RAM, TCG, $runs interleaved runs per mode; load average $load_before before, $load_after after)"
printf '%-10s %26s %26s %26s\n' mode "greeting ms med (min-max)" "ready ms med (min-max)" \
    "CPU ms med (min-max)"
for m in "${modes[@]}"; do
    printf '%-10s' "$m"
    for col in 3 4 5; do
        read -r v vmin vmax <<< "$(stats "$m" "$col")"
        read -r floor _ _ <<< "$(stats version "$col")"
        printf ' %6.1f (%5.1f-%6.1f) %4.2fx' "$v" "$vmin" "$vmax" \
            "$(awk -v a="$v" -v b="$floor" 'BEGIN { print a / b }')"
    done
    echo
done
echo "version: exec to exit.  precreate, defer: exec to the QMP greeting's first"
echo "byte (greeting), to the answer of qmp_capabilities (ready), and QEMU's CPU"
echo "time until then.  Ratios are to -version's median in the same column."
