# Shared steps and checks of the end-to-end tests: sourcing this brings
# lib/live-update.sh and tests/lib-tap.sh too.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/live-update.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib-tap.sh"

# Let the guest run on the destination for a while: 200 heartbeats, which is
# several full verification passes of its memory.
e2e_run_on_destination() {
    local before
    before=$(lu_hb_count)
    lu_wait_for "heartbeats on the destination" lu_hb_beyond $(( before + 200 ))
}

# The source's own account: completed, with a downtime figure.
e2e_check_source_completed() {
    local mig
    mig=$(lu_qmp "$LU_DIR/src.qmp" query-migrate)
    tap_check "${1:+$1: }source reports completed with a downtime" \
        [ "$(lu_jq '.status' <<< "$mig")" = completed -a \
          "$(lu_jq '.downtime | type' <<< "$mig")" = number ]
}

# Stop hbmon and check what the guest saw of the update: heartbeat through
# the source then the destination, continuous, no memory-pattern mismatch,
# full passes on the destination, no reboot.  $1: a label for the checks.
e2e_check_guest() {
    local p=${1:+$1: } hb
    lu_stop_hbmon
    hb=$(cat "$LU_DIR/hb.json")
    echo "# note: ${p}heartbeat: $(jq -c 'del(.connections)' <<< "$hb")"
    tap_check "${p}heartbeat came from source then destination" \
        [ "$(lu_jq '.connections | length' <<< "$hb")" = 2 ]
    tap_check "${p}heartbeat sequence continuous" [ "$(lu_jq '.continuous' <<< "$hb")" = true ]
    tap_check "${p}memory pattern intact" [ "$(lu_jq '.bad' <<< "$hb")" = 0 ]
    tap_check "${p}full verification passes on the destination" \
        [ "$(lu_jq '.connections[1].passes' <<< "$hb")" -ge 1 ]
    tap_check "${p}destination kept the guest (no reboot)" [ "$(lu_jq '.starts' <<< "$hb")" = 1 ]
}
