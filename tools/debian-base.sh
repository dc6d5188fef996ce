# Sourced by tools/package.sh and tools/image-test.sh: the Debian 12 minbase root both start
# from, a tarball made by mmdebstrap and cached in $SONDE_CACHE_DIR (default ~/.cache/sonde),
# made again when missing or older than a week. Needs the Debian mirror when it is made.
#
#   base=$(debian_base_tarball)   # progress on stderr, the tarball's path on stdout

debian_base_tarball() {
    local cache=${SONDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sonde}
    local base=$cache/debian-bookworm-minbase.tar
    mkdir -p "$cache"
    if [[ ! -s "$base" ]] || [[ -n "$(find "$base" -mtime +7)" ]]; then
        printf '\n== mmdebstrap bookworm minbase -> %s (%ds)\n' "$base" "$SECONDS" >&2
        local partial=$cache/partial-$(basename "$base")  # mmdebstrap picks the format from the name
        mmdebstrap --quiet --variant=minbase bookworm "$partial" \
            "deb http://deb.debian.org/debian bookworm main" \
            "deb http://deb.debian.org/debian bookworm-updates main" \
            "deb http://deb.debian.org/debian-security bookworm-security main" >&2
        mv "$partial" "$base"
    else
        printf '\n== base chroot from the cache: %s (%ds)\n' "$base" "$SECONDS" >&2
    fi
    echo "$base"
}
