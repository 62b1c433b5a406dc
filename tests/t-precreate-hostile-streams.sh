#!/usr/bin/env bash
# Mutation test of a waiting -precreate destination: over a thousand broken
# migration stream headers on its main listener in precreate (held
# connections), then over a thousand mutated, truncated and oversized CPR
# states on its cpr socket after precreate-exit (tools/stream-mutate.h).
# After each stream its monitor must answer; each CPR state must be
# refused with the cpr socket still listening.  Then a genuine stock
# source must still get through, and QEMU's stderr must show no sanitizer
# report or assertion.  The CPR state to mutate is captured from the stock
# source itself.  Uses the sanitizer build (build/qemu/build-asan) when it
# exists; FUZZ_QEMU overrides.  Networking in a namespace of its own.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-e2e.sh"
. "$top/tests/lib-hostile.sh"
hostile_netns "$0"

asan_qemu=$top/build/qemu/build-asan/qemu-system-x86_64
if [ -z "${FUZZ_QEMU:-}" ]; then
    FUZZ_QEMU=$OUR_QEMU
    [ -x "$asan_qemu" ] && FUZZ_QEMU=$asan_qemu
fi
echo "# note: destination binary $FUZZ_QEMU"
COUNT=${FUZZ_COUNT:-1100}
SEED=${FUZZ_SEED:-$(date +%s)}
echo "# note: seed $SEED (FUZZ_SEED=$SEED replays this run), $COUNT streams per kind"
# Sanitizers report and go on, so one report does not hide the next.
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0

lu_init
# A small machine, paused: no guest needed to carry RAM and fds.
machine=(-nodefaults -display none -accel tcg
         -machine pc,memory-backend=ram0,aux-ram-share=on
         -object memory-backend-memfd,id=ram0,size=64M,share=on -m 64M)

"$STOCK_QEMU" "${machine[@]}" -S -qmp "unix:$LU_DIR/src.qmp,server=on,wait=off" \
    2> "$LU_DIR/src.err" &
LU_PIDS+=("$!")
lu_wait_for "source QMP socket" test -S "$LU_DIR/src.qmp"
lu_qmp "$LU_DIR/src.qmp" migrate-set-parameters '{"mode":"cpr-transfer"}' >/dev/null

# The genuine CPR state: the source sends it to cpr-capture, then fails to
# reach a main channel that is not there, and stays as it was.
"$LU_BIN/cpr-capture" "$LU_DIR/capture.sock" "$LU_DIR/cpr-state" \
    > "$LU_DIR/capture.out" 2>&1 &
capture_pid=$!
LU_PIDS+=("$capture_pid")
lu_wait_for "capture socket" test -S "$LU_DIR/capture.sock"
lu_qmp "$LU_DIR/src.qmp" migrate "{\"channels\":[
    {\"channel-type\":\"main\",\"addr\":{\"transport\":\"socket\",\"type\":\"unix\",\"path\":\"$LU_DIR/nowhere.sock\"}},
    {\"channel-type\":\"cpr\",\"addr\":{\"transport\":\"socket\",\"type\":\"unix\",\"path\":\"$LU_DIR/capture.sock\"}}]}" \
    >/dev/null
wait "$capture_pid"
tap_check "CPR state captured from the stock source" [ $? = 0 ]
echo "# note: $(cat "$LU_DIR/capture.out")"
src_failed() { [ "$(lu_migration_status "$LU_DIR/src.qmp")" = failed ]; }
lu_wait_for "the capture migration to end" src_failed

"$FUZZ_QEMU" "${machine[@]}" -precreate -incoming defer \
    -qmp "unix:$LU_DIR/dst.qmp,server=on,wait=off" \
    -qmp "unix:$LU_DIR/fuzz.qmp,server=on,wait=off" 2> "$LU_DIR/dst.err" &
dst_pid=$!
LU_PIDS+=("$dst_pid")
lu_wait_for "destination QMP socket" test -S "$LU_DIR/dst.qmp"
lu_wait_for "destination second QMP socket" test -S "$LU_DIR/fuzz.qmp"
lu_qmp "$LU_DIR/dst.qmp" migrate-set-capabilities \
    '{"capabilities":[{"capability":"events","state":true}]}' >/dev/null
lu_qmp "$LU_DIR/dst.qmp" migrate-incoming "{\"channels\":[
    {\"channel-type\":\"main\",\"addr\":{\"transport\":\"socket\",\"type\":\"inet\",\"host\":\"127.0.0.1\",\"port\":\"0\"}},
    $(lu_cpr_channel)]}" >/dev/null
port=$(lu_qmp "$LU_DIR/dst.qmp" query-migrate | lu_jq '."socket-address"[0].port')
main="tcp:127.0.0.1:$port"

alive() { kill -0 "$dst_pid" 2>/dev/null; }
answers() { monitor_answers "$LU_DIR/dst.qmp"; }

start=$(lu_now_ms)
"$LU_BIN/hostile-peer" --mutate vm-header --seed "$SEED" --count "$COUNT" \
    --qmp "$LU_DIR/fuzz.qmp" "$main" > "$LU_DIR/vm-header.out" 2>&1
rc=$?
echo "# note: main channel: $(tail -1 "$LU_DIR/vm-header.out") ($(( $(lu_now_ms) - start )) ms)"
tap_check "$COUNT migration headers in precreate: monitor answered after each" [ "$rc" = 0 ]
tap_check "headers in precreate: QEMU alive" alive
tap_check "headers in precreate: monitor answers" answers
echo "# note: destination holds $(ls "/proc/$dst_pid/fd" 2>/dev/null | wc -l) fds"

lu_qmp "$LU_DIR/dst.qmp" precreate-exit >/dev/null
wait_until 30 test -S "$LU_DIR/cpr.sock"
start=$(lu_now_ms)
"$LU_BIN/hostile-peer" --mutate cpr --stream "$LU_DIR/cpr-state" --seed "$SEED" \
    --count "$COUNT" --qmp "$LU_DIR/fuzz.qmp" "unix:$LU_DIR/cpr.sock" \
    > "$LU_DIR/cpr.out" 2>&1
rc=$?
echo "# note: cpr channel: $(tail -1 "$LU_DIR/cpr.out") ($(( $(lu_now_ms) - start )) ms)"
tap_check "$COUNT CPR states: each refused, cpr socket kept, monitor answered" [ "$rc" = 0 ]
tap_check "CPR states: QEMU alive" alive
tap_check "CPR states: monitor answers" answers
# Each refused state carried an fd of hostile-peer's memfd: none may stay.
passed_fds_left() {
    find "/proc/$dst_pid/fd" -lname '/memfd:hostile-peer*' 2>/dev/null | wc -l
}
echo "# note: destination holds $(ls "/proc/$dst_pid/fd" 2>/dev/null | wc -l) fds, $(passed_fds_left) of them passed by hostile-peer"
# A connection's fds are QEMU's until it drops that connection, which for
# the last streams may be a moment after hostile-peer is done (and at
# most the 10 s time limit for a client that stays connected).
no_passed_fds() { alive && [ "$(passed_fds_left)" = 0 ]; }
if wait_until 15 no_passed_fds; then
    tap_ok "CPR states: no fd passed with a refused state is kept (within 15 s)"
else
    tap_fail "CPR states: no fd passed with a refused state is kept ($(passed_fds_left) left; QEMU $(alive && echo alive || echo dead))"
fi

# The genuine source still gets through.
if alive && [ -S "$LU_DIR/cpr.sock" ]; then
    lu_qmp "$LU_DIR/src.qmp" migrate "{\"channels\":[
        {\"channel-type\":\"main\",\"addr\":{\"transport\":\"socket\",\"type\":\"inet\",\"host\":\"127.0.0.1\",\"port\":\"$port\"}},
        $(lu_cpr_channel)]}" >/dev/null
    src_done() { case "$(lu_migration_status "$LU_DIR/src.qmp")" in completed|failed) ;; *) false ;; esac; }
    wait_until 60 src_done
fi
tap_check "genuine source completes after the hostile streams" \
    [ "$(lu_migration_status "$LU_DIR/src.qmp")" = completed ]
dst_done() { [ "$(lu_migration_status "$LU_DIR/dst.qmp")" = completed ]; }
tap_check "destination completed the migration" dst_done
tap_check "destination alive" alive
# The hostile main-channel connections must be dropped: at once, or once
# a held connection's time limit has passed (a closed client that sent
# part of a header looks like one still sending it).
strays() { ss -Htn state established state close-wait "( sport = :$port )" | wc -l; }
no_strays() { alive && [ "$(strays)" = 0 ]; }
echo "# note: $(strays) main-channel connections open when the migration completed"
strays_gone() { alive && wait_until 60 no_strays; }
tap_check "no hostile main-channel connection left open (within 60 s)" strays_gone
ss -Htn state established state close-wait "( sport = :$port )" | head -3 | sed 's/^/# left open: /'
tap_check "no sanitizer report or assertion in QEMU's stderr" \
    no_crash_report "$LU_DIR/dst.err"
show_crash_report "$LU_DIR/dst.err"
echo "# note: destination stderr: $(wc -l < "$LU_DIR/dst.err") lines; first: $(head -1 "$LU_DIR/dst.err")"
