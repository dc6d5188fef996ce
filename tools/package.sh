#!/usr/bin/env bash
# Builds the Debian package and checks it (docs/deploy.md):
#
#   tools/package.sh          # build/package/sonde_<version>_<arch>.deb: install layout, control
#                             # fields, lintian (no finding at any level, pedantic included)
#   tools/package.sh --test   # and then, as root: a fresh Debian 12 chroot (mmdebstrap) where it
#                             # is installed with apt (dependencies from its own Depends),
#                             # `sonde config check`, the installed sonde run as the `sonde` user
#                             # with /proc and /sys bound in until /ready answers and a scrape has
#                             # host series, then purged: no file of the package may be left;
#                             # then the same root booted with systemd (systemd-nspawn), where
#                             # sonde.service must start (READY=1), keep its watchdog, serve,
#                             # reload and stop cleanly; then purged again.
#
# The chroot's base (minbase bookworm, ~170 MB) is cached as a tarball in $SONDE_CACHE_DIR
# (default ~/.cache/sonde) and made again when missing or older than a week; everything else
# starts from nothing on every run. Needs the Debian mirror (deb.debian.org).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

test_chroot=0
if [[ "${1:-}" == "--test" ]]; then test_chroot=1; fi

step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS" >&2; }
fail() { echo "package: FAIL: $*" >&2; exit 1; }

step "build (preset package: prefix /usr, no tests)"
cmake --preset package >/dev/null
cmake --build --preset package -j "$(nproc)"

work=$(mktemp -d /tmp/sonde-package.XXXXXX)
cleanup() {
    # The chroot's mounts live in their own namespace (unshare -m): nothing to unmount here.
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

step "cmake --install layout"
DESTDIR="$work/stage" cmake --install build/package >/dev/null
arch_dir=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in /usr/bin/sonde /usr/bin/sonde-loadgen /usr/share/man/man1/sonde-loadgen.1.gz \
    /etc/sonde/sonde.yaml /usr/lib/systemd/system/sonde.service \
    /usr/share/sonde/systemd/gpu.conf /usr/lib/sysctl.d/60-sonde.conf \
    /usr/lib/sysusers.d/sonde.conf /usr/share/man/man1/sonde.1.gz /usr/include/sonde/client.hpp \
    "/usr/lib/$arch_dir/cmake/sonde_client/sonde_client-config.cmake" \
    /usr/share/pkgconfig/sonde-client.pc /usr/share/sonde/python/sonde_client.py \
    /usr/share/sonde/grafana/README.md /usr/share/doc/sonde/copyright \
    /usr/share/doc/sonde/changelog.gz /usr/share/doc/sonde/alerts.md \
    /usr/share/sonde/rules/host.yml /usr/share/sonde/rules/gpu.yml /usr/share/sonde/rules/app.yml; do
    [[ -f "$work/stage$f" ]] || fail "cmake --install did not install $f"
done
for d in config/rules grafana; do
    [[ -d "$src/$d" ]] || continue
    want=$(cd "$src/$d" && find . -type f | sort)
    got=$(cd "$work/stage/usr/share/sonde/$(basename "$d")" && find . -type f | sort)
    [[ "$want" == "$got" ]] || fail "/usr/share/sonde/$(basename "$d") does not hold what $d holds"
done
outside=$(cd "$work/stage" && find . -type f | grep -v -E '^\./(usr|etc/sonde)/' || true)
[[ -z "$outside" ]] || fail "installed outside /usr and /etc/sonde: $outside"

step "cpack -G DEB"
rm -f build/package/sonde_*.deb
(cd build/package && cpack -G DEB >/dev/null)
debs=(build/package/sonde_*.deb)
deb=${debs[0]}
depends=$(dpkg-deb -f "$deb" Depends)
for want in "libc6 (>=" "libstdc++6" "libyaml-cpp0.7" "libre2-9" "libisal2" "systemd-standalone-sysusers | systemd"; do
    [[ "$depends" == *"$want"* ]] || fail "Depends lacks $want: $depends"
done
[[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" == "/etc/sonde/sonde.yaml" ]] ||
    fail "conffiles is not /etc/sonde/sonde.yaml"
echo "$deb: Depends: $depends" >&2

step "lintian"
if ! findings=$(lintian --pedantic --fail-on error,warning,info,pedantic "$deb" 2>&1); then
    echo "$findings" >&2
    fail "lintian has findings (above)"
fi

if ((test_chroot == 0)); then
    step "done: $deb"
    exit 0
fi

[[ $(id -u) -eq 0 ]] || fail "--test needs root (a chroot, mounts): run it with sudo"
# shellcheck source=tools/debian-base.sh
source tools/debian-base.sh
base=$(debian_base_tarball)

root=$work/root
mkdir "$root"
tar -C "$root" -xf "$base"
cp "$deb" "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

step "install, run, purge in the chroot"
# One mount namespace for the whole test: its mounts go away with it, however it ends.
unshare -m --propagation private bash -euo pipefail -c '
root=$1 deb=$(basename "$2") port=$3
in_root() { chroot "$root" "$@"; }
mount --rbind /proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"

export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
echo "apt-get update, install ./$deb (${SECONDS}s)" >&2
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$deb" >/dev/null
echo "installed (${SECONDS}s)" >&2
in_root dpkg-query -W -f="\${Status}\n" sonde | grep -q "install ok installed"
in_root getent passwd sonde | grep -q ":/usr/sbin/nologin$" || { echo "no sonde user"; exit 1; }
in_root getent group sonde >/dev/null
in_root sonde config check /etc/sonde/sonde.yaml
in_root sonde --version
# systemd does not run here: deb-systemd-helper enabled the unit offline.
[ -L "$root/etc/systemd/system/multi-user.target.wants/sonde.service" ] ||
    { echo "the unit was not enabled"; exit 1; }
in_root dpkg -L sonde > "$root/../files"

# The installed sonde as systemd would run it: user sonde, RUNTIME_DIRECTORY=/run/sonde.
mkdir -p "$root/run/sonde"
in_root chown sonde:sonde /run/sonde
# chroot, setpriv and env each exec the next: $! is sonde itself.
chroot "$root" setpriv --reuid=sonde --regid=sonde --init-groups env RUNTIME_DIRECTORY=/run/sonde \
    STATE_DIRECTORY=/var/lib/sonde sonde --config /etc/sonde/sonde.yaml \
    --web.listen-address "127.0.0.1:$port" > "$root/../sonde.log" 2>&1 &
pid=$!
# --rule-groups: the packaged config loads the shipped rules (/usr/share/sonde/rules) and each
# of them evaluates without error on this host.
python3 tools/probe-ready.py "http://127.0.0.1:$port" 60 "the installed sonde" \
    --rule-groups host,gpu,app node_cpu_seconds_total node_memory_MemAvailable_bytes node_network_receive_bytes_total \
    node_filesystem_size_bytes sonde_build_info || { cat "$root/../sonde.log"; kill $pid; exit 1; }
kill -TERM $pid
status=0
wait $pid || status=$?
[ $status -eq 0 ] || { echo "sonde exited $status after SIGTERM"; cat "$root/../sonde.log"; exit 1; }
[ ! -e "$root/run/sonde/dsd.sock" ] || { echo "the socket was left behind"; exit 1; }
rmdir "$root/run/sonde"

echo "ran and stopped; apt-get purge (${SECONDS}s)" >&2
in_root apt-get purge -y -qq sonde >/dev/null
if in_root dpkg-query -W -f="\${Status}\n" sonde 2>/dev/null | grep -q installed; then
    echo "sonde is still installed"; exit 1
fi
left=""
while read -r f; do
    [ -f "$root$f" ] || [ -L "$root$f" ] && left="$left $f"
    case "$f" in */sonde | */sonde_client | */sonde/*) [ -d "$root$f" ] && left="$left $f/" ;; esac
done < "$root/../files"
left="$left $(cd "$root" && find . -xdev \( -path ./tmp -o -path ./proc -o -path ./sys -o -path ./dev \) -prune -o -name "*sonde*" -print | tr "\n" " ")"
if [ -n "$(echo "$left" | tr -d " ")" ]; then echo "left after purge:$left"; exit 1; fi
echo "purged: no file of the package is left"
' chroot-test "$root" "$deb" "$port"

step "boot the chroot with systemd (systemd-nspawn): the unit under real systemd"
# The same root, now with systemd: the package installed again (postinst enables the unit), a
# probe unit ordered after sonde.service checks it from inside and powers the container off.
unshare -m --propagation private bash -euo pipefail -c '
root=$1 deb=$(basename "$2")
mount --rbind /proc "$root/proc"; mount --rbind /sys "$root/sys"; mount --rbind /dev "$root/dev"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
chroot "$root" apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus \
    "/tmp/$deb" >/dev/null
' chroot-boot "$root" "$deb"
cp tools/package-probe.sh "$root/usr/local/sbin/sonde-probe"
cat > "$root/etc/systemd/system/sonde-probe.service" <<'UNIT'
[Unit]
Description=checks sonde.service from inside, then powers off
After=sonde.service
Wants=sonde.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/sonde-probe /probe.out
ExecStopPost=/usr/bin/systemctl --no-block poweroff
[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/sonde-probe.service \
    "$root/etc/systemd/system/multi-user.target.wants/sonde-probe.service"
# No machined or D-Bus on the host: --register=no --keep-unit. A private network: port 9477
# inside is free whatever the host runs.
timeout 300 systemd-nspawn --quiet --boot --register=no --keep-unit --private-network \
    -D "$root" > "$work/boot.log" 2>&1 || true
if [[ "$(tail -1 "$root/probe.out" 2>/dev/null)" != "PASS" ]]; then
    tail -40 "$work/boot.log" >&2
    cat "$root/probe.out" >&2 || true
    fail "sonde.service under systemd (above)"
fi
cat "$root/probe.out" >&2
rm -f "$root/etc/systemd/system/multi-user.target.wants/sonde-probe.service" \
    "$root/etc/systemd/system/sonde-probe.service" "$root/usr/local/sbin/sonde-probe" \
    "$root/probe.out"

step "purge where systemd is installed"
unshare -m --propagation private bash -euo pipefail -c '
root=$1
mount --rbind /proc "$root/proc"; mount --rbind /sys "$root/sys"; mount --rbind /dev "$root/dev"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
chroot "$root" apt-get purge -y -qq sonde >/dev/null
left=$(cd "$root" && find . -xdev \( -path ./tmp -o -path ./proc -o -path ./sys -o -path ./dev \
    -o -path ./var/log/journal \) -prune -o -name "*sonde*" -print)
if [ -n "$left" ]; then echo "left after purge: $left"; exit 1; fi
echo "purged: nothing named *sonde* is left"
' chroot-purge "$root"

step "done: $deb installed, ran and purged cleanly in Debian 12, with and without systemd"
