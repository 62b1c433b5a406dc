#!/usr/bin/env bash
# Install everything the build, the demo and the tests need on Debian 12.
# Adds the two apt entries the project relies on: trixie deb-src (the QEMU
# 10.0.13 source package) and bookworm-backports (meson >= 1.5, pycotap and
# a stock QEMU 10.0 binary used as the live-update source and baseline).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: must run as root (apt-get install)" >&2
    exit 1
fi

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
list=/etc/apt/sources.list.d/cpr-live-update.sources

# Use the Debian mirror this machine is already configured with.
mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
             /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' \
                 /etc/apt/sources.list 2>/dev/null)
fi
if [ -z "$mirror" ]; then
    echo "install-deps: no Debian mirror found in the apt sources" >&2
    exit 1
fi

want=$(cat <<SRC
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: $keyring

Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: $keyring
SRC
)

stamp=/var/lib/cpr-live-update.deps
pkgs=(
    build-essential git ca-certificates dpkg-dev xz-utils
    ninja-build pkg-config flex bison python3-venv ccache
    libglib2.0-dev libpixman-1-dev zlib1g-dev libfdt-dev libslirp-dev
    libjson-glib-dev libsystemd-dev lowdown jq socat procps iproute2
    busybox-static cpio gzip
    seabios ipxe-qemu
)
bpo_pkgs=(meson python3-pycotap qemu-system-x86 qemu-utils)

if [ "$(cat "$list" 2>/dev/null)" != "$want" ]; then
    printf '%s\n' "$want" > "$list"
    rm -f "$stamp"
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${pkgs[*]} ${bpo_pkgs[*]}" ]; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${pkgs[@]}"
apt-get install -y -q --no-install-recommends -t bookworm-backports "${bpo_pkgs[@]}"
echo "${pkgs[*]} ${bpo_pkgs[*]}" > "$stamp"
