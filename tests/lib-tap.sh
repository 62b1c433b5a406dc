# Minimal TAP helpers for test scripts.
TAP_N=0
tap_ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N $*"; }
tap_fail() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N $*"; }
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N $1 # SKIP $2"; }
# tap_check NAME COMMAND...: ok if COMMAND succeeds.
tap_check() {
    local name=$1
    shift
    if "$@"; then tap_ok "$name"; else tap_fail "$name"; fi
}
have_kvm() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
