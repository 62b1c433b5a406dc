#!/usr/bin/env bash
# The bare-metal heartbeat guest (guest/metal): it builds, boots on our
# QEMU, sends heartbeats with its memory pattern intact, its checker finds
# a word changed behind its back (by the host through the memfd, and by
# its own corrupt_test=), a bad setting stops it with a message, and a live
# update through cpr-update (stock QEMU 10.0 to ours) keeps its heartbeat
# continuous and its memory intact, with the update's timeline reported
# (with explicit arguments and with --same-args).
# Under KVM too where /dev/kvm works; TCG always.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"
LU_GUEST_KIND=metal
METAL_FILL=64M
METAL_PERIOD_US=1000
elf=$top/build/metal-guest/metal-guest.elf

# --- build ---------------------------------------------------------------
"$top/guest/metal/build.sh" > /dev/null
tap_check "build: a 32-bit ELF" sh -c "file -b '$elf' | grep -q 'ELF 32-bit LSB executable, Intel 80386'"
tap_check "build: multiboot header in the first 8 KiB" \
    sh -c "od -A n -t x4 -N 8192 '$elf' | grep -qw 1badb002"

hb_lines() { grep ' HB seq=' "$LU_DIR/hb.log"; }
# The last heartbeat's value of FIELD (bad, pass, ...).
hb_last() { hb_lines | tail -n 1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
hb_last_beyond() { [ "$(hb_last "$1")" -ge "$2" ] 2>/dev/null; }
hb_has() { grep -q -- "$1" "$LU_DIR/hb.log"; }

# Median host time between heartbeats, and the guest's own (TSC) period.
note_period() {
    local khz host guest
    khz=$(sed -n 's/.*HB-START.* tsc_khz=\([0-9]*\).*/\1/p' "$LU_DIR/hb.log" | head -n 1)
    host=$(hb_lines | awk '$2 == 0 { if (p) print $1 - p; p = $1 }' | sort -g |
           awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
    guest=$(hb_lines | sed -n 's/.* tsc=\([0-9]*\)$/\1/p' | sort -g |
            awk -v k="$khz" '{ v[NR] = $1 } END { if (NR && k) printf "%.3f", v[int((NR + 1) / 2)] / k }')
    echo "# note: $1: period $METAL_PERIOD_US us asked; median ${host:-?} ms between arrivals (host), ${guest:-?} ms by the guest's TSC ($khz kHz)"
}

# --- boot on our QEMU ------------------------------------------------------
boot_checks() {     # $1 accelerator label
    local p=$1
    LU_SOURCE_QEMU=$OUR_QEMU lu_start_guest
    tap_check "$p: boots on our QEMU, says its fill and TSC rate" \
        grep -Eq ' HB-START mib=64 period_us=1000 tsc_khz=[1-9][0-9]* tsc_ppm=[0-9]+$' "$LU_DIR/hb.log"
    tap_check "$p: full verification passes of its memory" \
        e2e_eventually hb_last_beyond pass 2
    note_period "$p"
    lu_stop_hbmon
    tap_check "$p: heartbeat continuous, no mismatch" \
        [ "$(lu_jq .continuous "$LU_DIR/hb.json")" = true -a "$(lu_jq .bad "$LU_DIR/hb.json")" = 0 ]
    lu_cleanup
}
boot_checks tcg

# --- the checker finds a changed word ---------------------------------------
# The host writes into guest RAM through QEMU's memfd (guest physical
# address = offset in the memfd below 4 GiB).
memfd_of() {        # $1 pid: the memfd backing guest RAM
    local f size want
    want=$(numfmt --from=iec "$GUEST_RAM")
    for f in /proc/"$1"/fd/*; do
        case "$(readlink "$f")" in /memfd:*) ;; *) continue ;; esac
        size=$(stat -L -c %s "$f" 2>/dev/null) || continue
        [ "$size" = "$want" ] && { echo "$f"; return 0; }
    done
    return 1
}
LU_SOURCE_QEMU=$OUR_QEMU lu_start_guest
fd=$(memfd_of "$src_PID") || lu_die "no memfd of guest RAM in QEMU $src_PID"
printf '\xef\xbe\xad\xde' | dd of="$fd" bs=1 seek=$((0x2000000)) conv=notrunc status=none
tap_check "host write through the memfd: checker reports the word" \
    e2e_eventually hb_has ' HB-BAD addr=0x02000000 want=0x[0-9a-f]* got=0xdeadbeef'
tap_check "host write through the memfd: heartbeat counts the mismatch" \
    e2e_eventually hb_last_beyond bad 1
lu_cleanup

METAL_APPEND="corrupt_test=30" LU_SOURCE_QEMU=$OUR_QEMU lu_start_guest
lu_wait_for "the self-test's flipped word" hb_has ' HB-CORRUPT addr='
addr=$(sed -n 's/.* HB-CORRUPT addr=\(0x[0-9a-f]*\).*/\1/p' "$LU_DIR/hb.log")
tap_check "corrupt_test=: checker reports the flipped word ($addr)" \
    e2e_eventually hb_has " HB-BAD addr=$addr "
tap_check "corrupt_test=: heartbeat counts the mismatch" e2e_eventually hb_last_beyond bad 1
lu_cleanup

# A bad setting: a message naming it, no heartbeat.
lu_init
lu_start_hbmon
METAL_APPEND="period_us=fast" lu_start_qemu src "$OUR_QEMU"
tap_check "bad setting: the guest names it and stops" \
    e2e_eventually hb_has ' HB-ERROR period_us= must be'
tap_check "bad setting: no heartbeat" sh -c "! grep -q ' HB seq=' '$LU_DIR/hb.log'"
lu_cleanup

# --- live update: stock QEMU 10.0 -> ours through cpr-update ----------------
update_checks() {   # $1 label
    local p=$1 report
    LU_TRACE=1 lu_start_guest
    lu_guest_args_array
    lu_cpr_update --keep-source --source-log "$LU_DIR/src.trace" -- "$OUR_QEMU" "${LU_GUEST_ARGS[@]}"
    report=$(cat "$LU_DIR/update.json")
    tap_check "$p: cpr-update exit 0" [ "$LU_UPDATE_RC" = 0 ]
    tap_check "$p: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
    tap_check "$p: report's timeline: destination running after the source's stop" \
        [ "$(lu_jq '.timeline.reference == "source_stop" and .timeline.dest_running > 0 and
                    .timeline.dest_load_end >= .timeline.dest_load_start' <<< "$report")" = true ]
    e2e_run_on_destination
    e2e_check_guest "$p"
    "$LU_BIN/timeline" --source "$LU_DIR/src.trace" \
        --destination "$(lu_jq .destination_trace <<< "$report")" \
        --heartbeat "$LU_DIR/hb.log" --json > "$LU_DIR/timeline.json"
    tap_check "$p: timeline: first heartbeat through the destination after it runs" \
        [ "$(lu_jq '.hb_first_dest > .dest_running and .hb_last_source < .hb_first_dest' \
            "$LU_DIR/timeline.json")" = true ]
    echo "# note: $p: timeline: $(jq -c 'with_entries(select(.value | type == "number") | .value |= (. * 10 | round / 10))' "$LU_DIR/timeline.json")"
    lu_cleanup
}
update_checks "update tcg"

# --same-args copies the source's -D: the destination's own must win, or
# the two would write (and truncate) the same trace log.
LU_TRACE=1 lu_start_guest
lu_cpr_update --same-args --source-log "$LU_DIR/src.trace" -- "$OUR_QEMU"
report=$(cat "$LU_DIR/update.json")
tap_check "same-args: cpr-update exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "same-args: the destination traced to its own log" \
    [ "$(lu_jq '.destination_trace | startswith("'"$LU_DIR"'/cpr-update.")' <<< "$report")" = true ]
tap_check "same-args: the source's log kept its stop, the timeline its phases" \
    [ "$(lu_jq '.timeline.reference == "source_stop" and .timeline.dest_running > 0' <<< "$report")" = true ]
e2e_run_on_destination
e2e_check_guest same-args
lu_cleanup

# --- KVM -------------------------------------------------------------------
if have_kvm; then
    LU_ACCEL=kvm
    boot_checks kvm
    update_checks "update kvm"
else
    tap_skip "kvm: boot, heartbeat and live update of the metal guest" "/dev/kvm absent or not usable"
fi
