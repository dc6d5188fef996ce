#!/bin/sh
# Runs a command in the file-system view deploy/systemd/sonde.service gives sonde, without
# systemd: run it inside a new mount namespace (`unshare -m`, or `unshare -rm` as a user).
#
#   confine.sh PRIVATE_DIR COMMAND [ARG...]
#
# PRIVATE_DIR (empty subdirectories dev/, tmp/ and var-tmp/, made by the caller) backs the private
# /dev, /tmp and /var/tmp. What the unit's settings do, as systemd does it:
#   ProtectSystem=strict, ProtectHome=read-only, ProtectControlGroups=yes: every mount except
#     /dev and /proc is remounted read-only (keeping its other per-mount flags);
#   ProtectKernelTunables=yes: /proc/sys, /proc/sysrq-trigger, ... read-only as well;
#   PrivateTmp=yes: /tmp and /var/tmp are directories of the host's /tmp, bound in read-write;
#   PrivateDevices=yes: /dev is a tmpfs holding null, zero, full, random, urandom and tty, with
#     the host's /dev/pts, /dev/shm, /dev/mqueue and /dev/hugepages bound in.
# CONFINE_PROC_SUBSET_PID=1 adds what the unit must not do (ProcSubset=pid: a /proc without its
# non-process files), so a test can show that its comparison notices a blinded collector.
set -eu
private=$1
shift

chmod 1777 "$private/tmp" "$private/var-tmp"  # while the host's /tmp is writable

# Per-mount options (field 6 of mountinfo) with rw replaced by ro: a remount that drops a
# locked flag (nosuid, nodev, ... in a user namespace) is refused.
ro_options() {
    printf '%s' "$1" | sed -e 's/^rw\(,\|$\)/ro\1/' -e 's/,rw\(,\|$\)/,ro\1/'
}

awk '{ print $5, $6 }' /proc/self/mountinfo | while read -r point options; do
    case "$point" in
        /proc | /proc/* | /dev | /dev/*) continue ;;
        *\\*) continue ;; # an escaped name (a space in a path): none that sonde measures here
    esac
    mount -n -o "remount,bind,$(ro_options "$options")" "$point"
done

for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /proc/fs /proc/acpi /proc/scsi; do
    [ -e "$p" ] || continue
    mount -n --bind "$p" "$p"
    mount -n -o remount,bind,ro,nosuid,nodev,noexec "$p"
done

mount -n -t tmpfs -o mode=0755,nosuid,noexec tmpfs "$private/dev"
for d in null zero full random urandom tty; do
    : > "$private/dev/$d"
    mount -n --bind "/dev/$d" "$private/dev/$d"
done
for d in pts shm mqueue hugepages; do
    if mountpoint -q "/dev/$d"; then
        mkdir "$private/dev/$d"
        mount -n --bind "/dev/$d" "$private/dev/$d"
    fi
done
ln -s /proc/self/fd "$private/dev/fd"
ln -s /proc/self/fd/0 "$private/dev/stdin"
ln -s /proc/self/fd/1 "$private/dev/stdout"
ln -s /proc/self/fd/2 "$private/dev/stderr"
mount -n --move "$private/dev" /dev

# Last: PRIVATE_DIR itself is below the host's /tmp, which this hides.
# A bind mount takes the source mount's flags (read-only by now): made writable again.
mount -n --bind "$private/var-tmp" /var/tmp
mount -n -o remount,bind,rw /var/tmp
mount -n --bind "$private/tmp" /tmp
mount -n -o remount,bind,rw /tmp

if [ "${CONFINE_PROC_SUBSET_PID:-}" = 1 ]; then
    mount -n -t proc -o subset=pid proc /proc
fi

exec "$@"
