#!/usr/bin/env bash
# Make build/qemu: Debian's QEMU 10.0.13 tree as git ref 'base', with the
# series in patches/ applied on top as commits.  Safe to re-run: it does
# nothing when the work tree already holds exactly patches/, and it refuses
# to throw away commits or edits that are not exported yet.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/qemu-source.conf"
dl=$top/build/download
wt=$top/build/qemu

die() { echo "prepare-qemu: $*" >&2; exit 1; }

fetch_and_verify() {
    mkdir -p "$dl"
    local missing=0 sum file
    while read -r sum file; do
        [ -n "$sum" ] || continue
        [ -f "$dl/$file" ] || missing=1
    done <<< "$QEMU_FILES"
    if [ "$missing" = 1 ]; then
        (cd "$dl" && apt-get source --download-only -q \
            "$QEMU_PKG=$QEMU_VERSION" >/dev/null 2>&1) ||
            die "cannot download source package $QEMU_PKG=$QEMU_VERSION" \
                "(is the trixie deb-src entry there? run scripts/install-deps.sh)"
    fi
    while read -r sum file; do
        [ -n "$sum" ] || continue
        [ -f "$dl/$file" ] || die "download did not produce $file"
        echo "$sum  $dl/$file" | sha256sum --quiet -c - 2>/dev/null ||
            die "sha256 mismatch for $file (expected $sum); remove $dl and retry"
    done <<< "$QEMU_FILES"
}

series_ids() {  # patch-ids of a stream of patches, sorted
    git patch-id --stable | awk '{print $1}' | sort
}

make_base() {
    local tmp=$top/build/unpack.$$
    rm -rf "$tmp"
    dpkg-source --no-check -x "$dl/$QEMU_DSC" "$tmp" >/dev/null ||
        die "dpkg-source failed to unpack $QEMU_DSC"
    rm -rf "$tmp/.pc"
    git -C "$tmp" init -q -b work
    git -C "$tmp" add -A -f .
    git -C "$tmp" -c user.name=base -c user.email=base@localhost \
        commit -q -m "Debian qemu $QEMU_VERSION (dpkg-source -x)"
    git -C "$tmp" update-ref refs/heads/base HEAD
    mv "$tmp" "$wt"
}

apply_series() {
    git -C "$wt" checkout -q -f -B work base
    local p
    for p in "$top"/patches/*.patch; do
        [ -e "$p" ] || break
        git -C "$wt" -c user.name=prepare -c user.email=prepare@localhost \
            am -q --committer-date-is-author-date "$p" ||
            { git -C "$wt" am --abort || true; die "patch does not apply: $(basename "$p")"; }
    done
}

fetch_and_verify
[ -d "$wt/.git" ] || make_base

want=$(cat "$top"/patches/*.patch 2>/dev/null | series_ids)
have=$(git -C "$wt" log -p --reverse base..HEAD | series_ids)
if [ "$want" = "$have" ]; then
    exit 0
fi
if [ -n "$(git -C "$wt" status --porcelain --untracked-files=no)" ]; then
    die "build/qemu has uncommitted edits; commit and export them first"
fi
unexported=$(comm -13 <(echo "$want") <(echo "$have") | sed '/^$/d')
if [ -n "$unexported" ] && [ "${PREPARE_FORCE:-0}" != 1 ]; then
    die "build/qemu has commits not in patches/; run scripts/export-patches.sh" \
        "(or PREPARE_FORCE=1 to drop them)"
fi
apply_series
echo "prepare-qemu: applied $(ls "$top"/patches/*.patch 2>/dev/null | wc -l) patch(es) on base"
