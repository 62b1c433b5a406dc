#!/usr/bin/env bash
# cpr-update's pre-flight compatibility check and --check dry run.
#
# - --check on the demo guest (stock 10.0.2 source, our build as the new
#   QEMU): exit 0, every check ok, the destination configured and quit in
#   precreate, and the source exactly as it was (migration parameters,
#   capabilities, run state, migration status), no process or run
#   directory left; the text and JSON reports list the checks.
# - A new binary that really lacks the source's machine type: Debian's
#   qemu-system-x86_64-microvm, a genuine QEMU 10.0.2 build that only has
#   the microvm machine.  No wrapper fakes anything: `-machine help` of that
#   binary is what the pre-flight reads.  Refused before the guest is
#   touched, in a real update and in --check.
# - A source on a versioned type (pc-i440fx-9.2) with a destination whose
#   arguments say "pc" (an alias that resolves to pc-i440fx-10.0 in the new
#   binary): refused, naming the type to give; q35 passes.
# - A device state incompatibility that is real: Debian's 10.0.2 has the
#   usb-redir device (a module), our build has none (no usbredir library
#   at its configure), so the checker reports that section missing in the
#   destination.  For the demo guest, which has no usb-redir, the finding
#   is ignored (and listed as such); a VM with a usb-redir device is
#   refused, as its destination could not create it.
# - Without python3, the device state comparison is skipped with a
#   warning; a --vmstate-checker that does not exist is refused.
# - A source whose RAM is not shared: refused with one line naming the
#   fixes (share=on, aux-ram-share=on).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LU_TIMEOUT=${LU_TIMEOUT:-180}
. "$top/tests/lib-e2e.sh"

MICROVM_QEMU=${MICROVM_QEMU:-/usr/bin/qemu-system-x86_64-microvm}

# Everything about the source's migration state a dry run must not change.
source_state() {
    { lu_qmp "$1" query-migrate-parameters; lu_qmp "$1" query-migrate-capabilities
      lu_qmp "$1" query-status; lu_qmp "$1" query-migrate; } | jq -S -c .
}

no_leftovers() {
    ! pgrep -f "$LU_DIR/cpr-update\." >/dev/null &&
        [ -z "$(find "$LU_DIR" -maxdepth 1 -name 'cpr-update.*')" ]
}

check_result() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .result' "$LU_DIR/update.json"; }
check_detail() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .detail' "$LU_DIR/update.json"; }
has_step() { [ "$(jq --arg n "$1" '[.steps[] | select(.name == $n)] | length' "$LU_DIR/update.json")" != 0 ]; }
has_steps() { local s; for s; do has_step "$s" || return 1; done; }
lacks_steps() { local s; for s; do ! has_step "$s" || return 1; done; }

# run_text QMP ARGS...: cpr-update with its text report (stdout in
# $LU_DIR/text.out, stderr in $LU_DIR/text.err, exit code in TEXT_RC).
run_text() {
    local qmp=$1
    shift
    TEXT_RC=0
    "$LU_BIN/cpr-update" --source "$qmp" --run-dir "$LU_DIR" "$@" \
        > "$LU_DIR/text.out" 2> "$LU_DIR/text.err" || TEXT_RC=$?
}

# text_failed_with PATTERN: exit 1, and one line on stderr, from the
# pre-flight (step compat), matching PATTERN.
text_failed_with() {
    [ "$TEXT_RC" = 1 ] && [ "$(wc -l < "$LU_DIR/text.err")" = 1 ] &&
        grep -q "^cpr-update: failed at step compat: .*$1" "$LU_DIR/text.err"
}

# start_bare NAME ARGS...: a stock QEMU without a guest OS (firmware only),
# monitor on $LU_DIR/NAME.qmp.
start_bare() {
    local name=$1
    shift
    "$STOCK_QEMU" -nodefaults -display none -accel tcg "$@" \
        -qmp "unix:$LU_DIR/$name.qmp,server=on,wait=off" 2> "$LU_DIR/$name.err" &
    LU_PIDS+=($!)
    lu_wait_for "$name monitor" test -S "$LU_DIR/$name.qmp"
}

shared_ram() { printf '%s\n' -object "memory-backend-memfd,id=ram0,size=128M,share=on" -m 128M; }

# --- 1. --check on the demo guest ---------------------------------------
lu_start_guest
# The dumps and checker output are cached per binary: this test's own cache.
export XDG_CACHE_HOME=$LU_DIR/cache
before=$(source_state "$LU_DIR/src.qmp")
lu_cpr_update --check --same-args -- "$OUR_QEMU"
echo "# note: --check: rc=$LU_UPDATE_RC $(jq -c '{result,outcome,error,steps: [.steps[] | "\(.name) \(.ms)"]}' "$LU_DIR/update.json")"
jq -r '.checks[] | "# note:   \(.name) \(.result): \(.detail)", (.notes[] | "# note:     \(.)")' "$LU_DIR/update.json"
tap_check "--check: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "--check: result 'checked'" [ "$(jq -r .result "$LU_DIR/update.json")" = checked ]
tap_check "--check: JSON parses (python3 json.tool)" \
    sh -c "python3 -m json.tool '$LU_DIR/update.json' >/dev/null"
for c in source-memory aux-ram-share migration-blockers cpr-transfer-mode machine-type \
         vmstate destination-start dry-run; do
    tap_check "--check: check $c ok" [ "$(check_result "$c")" = ok ]
done
tap_check "--check: no check other than ok" \
    [ "$(jq '[.checks[] | select(.result != "ok")] | length' "$LU_DIR/update.json")" = 0 ]
tap_check "--check: machine type is the versioned one" \
    grep -q '^pc-i440fx-10.0 on both (destination: -machine pc)' <<< "$(check_detail machine-type)"
tap_check "--check: findings, if any, are only about devices this VM lacks" \
    [ "$(jq '[.checks[] | select(.name == "vmstate") | .notes[] | select(test("ignored: this VM has no ") | not)] | length' "$LU_DIR/update.json")" = 0 ]
tap_check "--check: the destination was configured and listened" \
    has_steps launch configure listen dry-run-quit
tap_check "--check: no precreate-exit, source-mode or migrate step" \
    lacks_steps precreate-exit source-mode migrate transfer
after=$(source_state "$LU_DIR/src.qmp")
[ "$before" = "$after" ] || echo "# note: before: $before"$'\n'"# note: after:  $after"
tap_check "--check: source's parameters, capabilities, status, migration unchanged" \
    [ "$before" = "$after" ]
tap_check "--check: source mode still normal" \
    [ "$(lu_qmp "$LU_DIR/src.qmp" query-migrate-parameters | lu_jq .mode)" = normal ]
tap_check "--check: no destination process or run directory left" no_leftovers
n=$(lu_hb_count)
tap_check "--check: guest keeps running on the source" \
    lu_wait_for "heartbeats after --check" lu_hb_beyond $(( n + 20 ))

# The text report: one line a check.
run_text "$LU_DIR/src.qmp" --check --same-args -- "$OUR_QEMU"
sed 's/^/# note: text: /' "$LU_DIR/text.out"
tap_check "--check text: exit 0" [ "$TEXT_RC" = 0 ]
tap_check "--check text: says an update would be attempted" \
    grep -q 'check passed: an update would be attempted' "$LU_DIR/text.out"
tap_check "--check text: one ok line per check" \
    [ "$(grep -cE '^  (source-memory|aux-ram-share|migration-blockers|cpr-transfer-mode|machine-type|vmstate|destination-start|dry-run) +ok ' "$LU_DIR/text.out")" = 8 ]
tap_check "--check text: source still unchanged" [ "$(source_state "$LU_DIR/src.qmp")" = "$before" ]

# --- 2. a new binary without the source's machine type -------------------
if [ -x "$MICROVM_QEMU" ] && "$MICROVM_QEMU" -machine help | grep -q '^microvm' &&
   ! "$MICROVM_QEMU" -machine help | grep -q '^pc-i440fx-10.0 '; then
    lu_cpr_update --same-args -- "$MICROVM_QEMU"
    echo "# note: microvm binary: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error,outcome}' "$LU_DIR/update.json")"
    tap_check "no machine type: refused (exit 1)" [ "$LU_UPDATE_RC" = 1 ]
    tap_check "no machine type: refused by the pre-flight" \
        [ "$(jq -r .failed_step "$LU_DIR/update.json")" = compat ]
    tap_check "no machine type: the message names the binary and the type" \
        sh -c "jq -r .error '$LU_DIR/update.json' | grep -q '$MICROVM_QEMU has no machine type pc-i440fx-10.0 (the source.s); it has: microvm, none'"
    tap_check "no machine type: no destination was started" lacks_steps launch
    tap_check "no machine type: device state not compared (skipped)" [ "$(check_result vmstate)" = skipped ]
    tap_check "no machine type: source unchanged" [ "$(source_state "$LU_DIR/src.qmp")" = "$before" ]
    lu_cpr_update --check --same-args -- "$MICROVM_QEMU"
    tap_check "no machine type, --check: exit 1, machine-type failed" \
        [ "$LU_UPDATE_RC" = 1 -a "$(check_result machine-type)" = failed ]
    run_text "$LU_DIR/src.qmp" --same-args -- "$MICROVM_QEMU"
    echo "# note: text: $(cat "$LU_DIR/text.err")"
    tap_check "no machine type: the finding in one line on stderr" \
        text_failed_with 'has no machine type pc-i440fx-10.0' 
    tap_check "no machine type: guest still running on the source" \
        [ "$(lu_status "$LU_DIR/src.qmp")" = running ]
    n=$(lu_hb_count)
    tap_check "no machine type: heartbeat goes on" \
        lu_wait_for "heartbeats after the refusal" lu_hb_beyond $(( n + 20 ))
    tap_check "no machine type: nothing left behind" no_leftovers
else
    tap_skip "no machine type" "$MICROVM_QEMU (Debian's microvm-only QEMU) is not here"
fi

# After all that, the real update (the pre-flight is its first step) works.
lu_cpr_update --same-args -- "$OUR_QEMU"
echo "# note: update: rc=$LU_UPDATE_RC $(jq -c '[.steps[] | "\(.name) \(.ms)"]' "$LU_DIR/update.json")"
tap_check "update after the checks: exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "update: its pre-flight ran, every check ok" \
    [ "$(jq '[.checks[] | select(.result == "ok")] | length' "$LU_DIR/update.json")" = 7 ]
tap_check "update: destination running" [ "$(lu_status "$LU_DST_QMP")" = running ]
lu_cleanup

# --- 3. machine types: versioned source, aliased destination; q35 ----------
lu_init
export XDG_CACHE_HOME=$LU_DIR/cache
start_bare old -machine pc-i440fx-9.2,memory-backend=ram0,aux-ram-share=on $(shared_ram)
LU_SOURCE_QMP=$LU_DIR/old.qmp lu_cpr_update --check \
    -- "$OUR_QEMU" -nodefaults -machine pc,memory-backend=ram0,aux-ram-share=on $(shared_ram)
echo "# note: alias: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error}' "$LU_DIR/update.json")"
tap_check "pc alias vs pc-i440fx-9.2 source: refused" \
    [ "$LU_UPDATE_RC" = 1 -a "$(jq -r .failed_step "$LU_DIR/update.json")" = compat ]
tap_check "pc alias: the message says which type to give" \
    sh -c "jq -r .error '$LU_DIR/update.json' | grep -q 'would run machine type pc-i440fx-10.0 (-machine pc), the source runs pc-i440fx-9.2: give the destination -machine pc-i440fx-9.2'"
LU_SOURCE_QMP=$LU_DIR/old.qmp lu_cpr_update --check --same-args -- "$OUR_QEMU"
tap_check "pc-i440fx-9.2 with --same-args: passes" \
    [ "$LU_UPDATE_RC" = 0 -a "$(check_result machine-type)" = ok ]
tap_check "pc-i440fx-9.2: source unchanged" [ "$(lu_status "$LU_DIR/old.qmp")" = running ]

start_bare q35 -machine q35,memory-backend=ram0,aux-ram-share=on $(shared_ram)
LU_SOURCE_QMP=$LU_DIR/q35.qmp lu_cpr_update --check --same-args -- "$OUR_QEMU"
echo "# note: q35: rc=$LU_UPDATE_RC $(jq -c '[.checks[] | "\(.name) \(.result): \(.detail)"]' "$LU_DIR/update.json")"
tap_check "q35: --check exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "q35: machine type pc-q35-10.0 on both" \
    grep -q '^pc-q35-10.0 on both' <<< "$(check_detail machine-type)"
tap_check "q35: device state compatible" [ "$(check_result vmstate)" = ok ]
tap_check "q35: nothing left behind" no_leftovers

# Without python3 the device state is not compared: a warning, not a refusal.
LU_UPDATE_RC=0
env PATH=/nonexistent "$LU_BIN/cpr-update" --source "$LU_DIR/q35.qmp" --run-dir "$LU_DIR" \
    --json --check --same-args -- "$OUR_QEMU" > "$LU_DIR/update.json" 2> "$LU_DIR/update.err" ||
    LU_UPDATE_RC=$?
echo "# note: no python3: rc=$LU_UPDATE_RC $(jq -c '.warnings' "$LU_DIR/update.json")"
tap_check "no python3: --check still exit 0" [ "$LU_UPDATE_RC" = 0 ]
tap_check "no python3: vmstate is a warning, said in the report" \
    [ "$(check_result vmstate)" = warning -a \
      "$(jq -r '.warnings[]' "$LU_DIR/update.json")" = "vmstate: device state not compared: python3 not found" ]
# A checker named on the command line that is not there: refused.
LU_SOURCE_QMP=$LU_DIR/q35.qmp lu_cpr_update --check --same-args \
    --vmstate-checker "$LU_DIR/no-such-checker.py" -- "$OUR_QEMU"
tap_check "missing --vmstate-checker: refused" \
    [ "$LU_UPDATE_RC" = 1 -a "$(check_result vmstate)" = failed ]

# --- 4. a device the new binary does not have ----------------------------
if "$STOCK_QEMU" -device help | grep -q '"usb-redir"' &&
   ! "$OUR_QEMU" -device help | grep -q '"usb-redir"'; then
    start_bare redir -machine pc,memory-backend=ram0,aux-ram-share=on $(shared_ram) \
        -device piix3-usb-uhci -chardev null,id=ur -device usb-redir,chardev=ur,id=redir0
    redir_before=$(source_state "$LU_DIR/redir.qmp")
    LU_SOURCE_QMP=$LU_DIR/redir.qmp lu_cpr_update --check --same-args -- "$OUR_QEMU"
    echo "# note: usb-redir: rc=$LU_UPDATE_RC $(jq -c '{failed_step,error}' "$LU_DIR/update.json")"
    tap_check "usb-redir VM: refused by the pre-flight" \
        [ "$LU_UPDATE_RC" = 1 -a "$(jq -r .failed_step "$LU_DIR/update.json")" = compat ]
    redir_quoted() {
        [ "$(check_result vmstate)" = failed ] &&
            grep -q 'Section "usb-redir" does not exist in dest' <<< "$(check_detail vmstate)"
    }
    tap_check "usb-redir VM: vmstate failed, quoting the checker" redir_quoted
    tap_check "usb-redir VM: findings about devices it lacks still ignored" \
        sh -c "jq -r '.checks[] | select(.name == \"vmstate\") | .notes[]' '$LU_DIR/update.json' | grep -q 'ignored: this VM has no usb-host device'"
    tap_check "usb-redir VM: no destination started" lacks_steps launch
    tap_check "usb-redir VM: source unchanged" \
        [ "$(source_state "$LU_DIR/redir.qmp")" = "$redir_before" ]
else
    tap_skip "usb-redir VM" "the stock QEMU lacks usb-redir or our build has it: no real difference to check"
fi

# --- 5. a source whose RAM is not shared -----------------------------------
start_bare plain -machine pc -m 128M
plain_before=$(source_state "$LU_DIR/plain.qmp")
run_text "$LU_DIR/plain.qmp" --same-args -- "$OUR_QEMU"
echo "# note: not shared: rc=$TEXT_RC $(cat "$LU_DIR/text.err")"
tap_check "not shared: refused (exit 1) by the pre-flight, in one line on stderr" \
    text_failed_with "is not shared"
tap_check "not shared: names the backend and share=on" \
    grep -q "guest RAM backend 'pc.ram' is not shared: start the VM with share=on" "$LU_DIR/text.err"
tap_check "not shared: names -machine aux-ram-share=on" \
    grep -q -- "-machine aux-ram-share=on" "$LU_DIR/text.err"
tap_check "not shared: guest untouched" [ "$(source_state "$LU_DIR/plain.qmp")" = "$plain_before" ]
tap_check "not shared: nothing left behind" no_leftovers

# --- 6. a source an interrupted update left in cpr-transfer mode ---------
start_bare left -machine pc,memory-backend=ram0 $(shared_ram)
lu_qmp "$LU_DIR/left.qmp" migrate-set-parameters '{"mode":"cpr-transfer"}' >/dev/null
run_text "$LU_DIR/left.qmp" --check --same-args -- "$OUR_QEMU"
echo "# note: left in cpr-transfer: rc=$TEXT_RC $(cat "$LU_DIR/text.err")"
tap_check "left in cpr-transfer: warned, naming the mode" \
    grep -q "^cpr-update: warning: the source's migration mode is already cpr-transfer" "$LU_DIR/text.err"
tap_check "left in cpr-transfer: the mode is left as found" \
    [ "$(lu_qmp "$LU_DIR/left.qmp" query-migrate-parameters | jq -r .mode)" = cpr-transfer ]
