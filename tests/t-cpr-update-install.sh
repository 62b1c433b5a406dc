#!/usr/bin/env bash
# make install's cpr-update part: the tool and its manual page (generated
# from docs/cpr-update.md) land in PREFIX, the page renders without a
# warning, and the example systemd unit parses.  install-tools is the part
# of `make install` that needs no QEMU build (install-qemu is the rest).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib-tap.sh"

tmp=$(mktemp -d /tmp/cpr-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

make -C "$top" --no-print-directory install-tools PREFIX="$prefix" > "$tmp/make.log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/make.log" | tail -5
tap_check "make install-tools PREFIX=...: exit 0" [ "$rc" = 0 ]
tap_check "make install runs install-tools" \
    sh -c "make -C '$top' --no-print-directory -n install PREFIX='$prefix' | grep -q 'install -D -m 0755 build/bin/cpr-update $prefix/bin/cpr-update'"
tap_check "cpr-update installed in PREFIX/bin, executable" [ -x "$prefix/bin/cpr-update" ]
tap_check "installed cpr-update runs (--help names --pidfile)" \
    sh -c "'$prefix/bin/cpr-update' --help | grep -q -- '--pidfile'"
# Where an installed cpr-update's pre-flight looks for QEMU's checker.
if [ -f "$top/build/qemu/scripts/vmstate-static-checker.py" ]; then
    tap_check "vmstate checker installed beside the tool" \
        [ -x "$prefix/share/cpr-update/vmstate-static-checker.py" ]
else
    tap_skip "vmstate checker installed beside the tool" "no prepared QEMU tree"
fi
page=$prefix/share/man/man1/cpr-update.1
tap_check "man page installed in PREFIX/share/man/man1" [ -f "$page" ]

# man -l renders it; groff's warnings (all of them) and man's go to stderr.
MANWIDTH=80 man --warnings=all -l -Tutf8 "$page" 2> "$tmp/man.err" | col -bx > "$tmp/page.txt"
rc=${PIPESTATUS[0]}
sed 's/^/# man: /' "$tmp/man.err" | head -5
tap_check "man -l renders the page" [ "$rc" = 0 -a -s "$tmp/page.txt" ]
tap_check "no warning while rendering" [ ! -s "$tmp/man.err" ]
tap_check "the page is the manual: sections and options" \
    sh -c "grep -q '^ *Synopsis' '$tmp/page.txt' && grep -q -- '--greeting-timeout' '$tmp/page.txt' &&
           grep -q 'Under systemd' '$tmp/page.txt' && grep -q 'Exit status' '$tmp/page.txt'"
tap_check "man finds it by name under PREFIX" \
    sh -c "MANPATH='$prefix/share/man' man -w cpr-update | grep -qx '$page'"

# The example unit, with its paths pointed at what exists here.
if command -v systemd-analyze > /dev/null; then
    mkdir -p "$tmp/units"
    cp "$top/docs/examples/qemu-vm-reload" "$prefix/bin/"
    ln -s /bin/true "$prefix/bin/qemu-system-x86_64"
    sed -e "s|/usr/local/bin/|$prefix/bin/|" -e "s|/usr/local/libexec/|$prefix/bin/|" \
        "$top/docs/examples/qemu-vm@.service" > "$tmp/units/qemu-vm@.service"
    ln -s 'qemu-vm@.service' "$tmp/units/qemu-vm@t1.service"
    (cd "$tmp/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
        ./qemu-vm@t1.service) > "$tmp/verify.log" 2>&1
    rc=$?
    sed 's/^/# verify: /' "$tmp/verify.log" | head -5
    tap_check "example unit: systemd-analyze verify clean" [ "$rc" = 0 -a ! -s "$tmp/verify.log" ]
else
    tap_skip "example unit: systemd-analyze verify" "systemd-analyze not installed"
fi
