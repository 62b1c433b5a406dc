# Shared by the benchmarks (sourced): summary statistics of samples.

# median_min_max: numbers on stdin, one per line; prints "MEDIAN MIN MAX",
# or fails when there are none.
median_min_max() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (!NR) exit 1
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m, v[1], v[NR] }'
}
