# Shared by the hostile-peer tests: a network namespace of their own,
# waits that report instead of ending the test, and QEMU's stderr checks.

# hostile_netns "$0": re-run the calling script in a new network namespace
# with loopback up (the tests listen on TCP ports of 127.0.0.1).
hostile_netns() {
    if [ -z "${HOSTILE_NETNS:-}" ]; then
        HOSTILE_NETNS=1 exec unshare --net -- \
            bash -c 'ip link set lo up && exec bash "$0"' "$1"
    fi
}

# wait_until SECONDS COMMAND...: poll COMMAND; false if it never succeeds.
wait_until() {
    local deadline=$(( $(lu_now_ms) + $1 * 1000 ))
    shift
    until "$@"; do
        [ "$(lu_now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# The monitor must answer query-status within this many seconds.
ANSWER_TIMEOUT=${ANSWER_TIMEOUT:-3}
monitor_answers() { "$LU_BIN/qmp-call" -t "$ANSWER_TIMEOUT" "$1" query-status >/dev/null 2>&1; }

# No sanitizer report, assertion failure, GLib fatal error or abort in a
# QEMU stderr file.
CRASH_REPORT='AddressSanitizer|LeakSanitizer|runtime error:|Assertion .* failed|assertion failed|GLib: .*failed to allocate|GLib-ERROR|\*\* ERROR|Aborted|core dumped|Segmentation fault'
no_crash_report() { ! grep -Eq "$CRASH_REPORT" "$1"; }
# Print the first crash reports of FILE as TAP comments.
show_crash_report() { grep -E "$CRASH_REPORT" "$1" 2>/dev/null | head -3 | sed 's/^/# crash: /'; }
