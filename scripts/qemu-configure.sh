# Sourced by the build scripts: QEMU's configure flags, and configuring a
# build directory once (again only when the flags change).

QEMU_CONFIGURE_FLAGS=(
    --python=/usr/bin/python3 --target-list=x86_64-softmmu
    --disable-docs --disable-werror --disable-rust --disable-install-blobs
    --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
)

# qemu_configure BUILD_DIR [EXTRA FLAGS...]: BUILD_DIR is a subdirectory
# of a QEMU source tree.
qemu_configure() {
    local bld=$1
    shift
    local flags=("${QEMU_CONFIGURE_FLAGS[@]}" "$@")
    if [ -f "$bld/build.ninja" ] && [ "$(cat "$bld/.cpr-flags" 2>/dev/null)" = "${flags[*]}" ]; then
        return 0
    fi
    rm -rf "$bld"
    mkdir -p "$bld"
    if ! (cd "$bld" && ../configure "${flags[@]}" > configure.log 2>&1); then
        tail -30 "$bld/configure.log" >&2
        echo "configure failed in $bld" >&2
        return 1
    fi
    echo "${flags[*]}" > "$bld/.cpr-flags"
}

# An uninstalled binary looks for firmware under qemu-bundle/<firmwarepath>:
# point those at the system's seabios/ipxe/qemu firmware directories.
qemu_link_firmware() {
    local bld=$1 d link
    for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
        link=$bld/qemu-bundle$d
        if [ ! -e "$link" ]; then
            mkdir -p "$(dirname "$link")"
            ln -sfn "$d" "$link"
        fi
    done
}
