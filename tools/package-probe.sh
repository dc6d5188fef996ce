#!/bin/bash
# Runs inside the container tools/package.sh --test boots with systemd-nspawn, from a oneshot
# unit ordered after sonde.service (so sonde has sent READY=1 or failed). Checks the service as
# systemd runs it and writes what it found to $1, ending with PASS or FAIL.
set -uo pipefail
exec > "$1" 2>&1
failed=0
check() { # check WHAT EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok: $1 = $3"; else echo "FAIL: $1: want '$2', got '$3'"; failed=1; fi
}
prop() { systemctl show -p "$1" --value sonde.service; }
# An HTTP/1.0 GET over bash's /dev/tcp (no curl in the image): the whole response.
get() {
    exec 3<>/dev/tcp/127.0.0.1/9477 || return 1
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
    cat <&3
    exec 3<&-
}

check ActiveState active "$(prop ActiveState)"
check SubState running "$(prop SubState)"
check User sonde "$(prop User)"
check WatchdogUSec 30s "$(prop WatchdogUSec)"
check "/ready status" 200 "$(get /ready | head -1 | cut -d" " -f2)"
metrics=$(get /metrics)
check "collectors that failed" "" "$(echo "$metrics" | grep '^node_scrape_collector_success{' | grep -v ' 1$')"
check "node_filesystem_size_bytes for /" 1 "$(echo "$metrics" | grep -c '^node_filesystem_size_bytes{.*mountpoint="/"}')"
check "node_cpu_seconds_total series > 0" yes "$([ "$(echo "$metrics" | grep -c '^node_cpu_seconds_total{')" -gt 0 ] && echo yes)"
# The packaged config loads the shipped rule files (host, gpu, app: docs/alerts.md).
check "shipped rule files loaded" 3 "$(get /api/v1/rules | grep -o '"file":"/usr/share/sonde/rules/[a-z]*\.yml"' | sort -u | wc -l)"
check "socket" "srw-rw---- sonde sonde" "$(stat -c '%A %U %G' /run/sonde/dsd.sock)"
check "runtime directory" "drwxr-x--- sonde sonde" "$(stat -c '%A %U %G' /run/sonde)"
check "state directory" "drwxr-x--- sonde sonde" "$(stat -c '%A %U %G' /var/lib/sonde)"
# Sandboxing in force: sonde's root is read-only, it holds no capability.
pid=$(prop MainPID)
check "root mount of sonde" ro "$(awk '$5 == "/" { split($6, o, ","); print o[1] }' "/proc/$pid/mountinfo" | tail -1)"
check "CapEff" 0000000000000000 "$(awk '/^CapEff/ { print $2 }' "/proc/$pid/status")"
check "Seccomp (2: filter)" 2 "$(awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status")"

systemctl reload sonde.service
check "reload exit" 0 "$?"
sleep 1
check "after reload: ActiveState" active "$(prop ActiveState)"
check "after reload: MainPID" "$pid" "$(prop MainPID)"
check "reload logged" 1 "$(journalctl -u sonde.service --no-pager -o cat | grep -c 'configuration reloaded$')"

systemctl stop sonde.service
check "stop: Result" success "$(prop Result)"
check "stop: ExecMainStatus" 0 "$(prop ExecMainStatus)"
check "NRestarts" 0 "$(prop NRestarts)"

# A wedged sonde is killed and restarted: a short watchdog for the test, then SIGSTOP (no pings).
mkdir -p /run/systemd/system/sonde.service.d
printf '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=2s\nRestartSec=1s\n' \
    > /run/systemd/system/sonde.service.d/probe-watchdog.conf
systemctl daemon-reload
systemctl start sonde.service
wedged=$(prop MainPID)
kill -STOP "$wedged"
for _ in $(seq 60); do
    now=$(prop MainPID)
    if [ "$now" != "$wedged" ] && [ "$now" != 0 ] && [ "$(prop ActiveState)" = active ]; then break; fi
    sleep 0.5
done
check "wedged: restarted with a new process" yes "$([ "$now" != "$wedged" ] && [ "$now" != 0 ] && echo yes)"
check "wedged: ActiveState" active "$(prop ActiveState)"
check "wedged: watchdog timeout logged" yes "$(journalctl -u sonde.service --no-pager -o cat | grep -q 'Watchdog timeout' && echo yes)"
rm /run/systemd/system/sonde.service.d/probe-watchdog.conf
systemctl daemon-reload
systemctl stop sonde.service

journalctl -u sonde.service --no-pager -o cat | tail -12
if [ "$failed" = 0 ]; then echo PASS; else echo FAIL; fi
