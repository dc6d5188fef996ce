#!/usr/bin/env bash
# Checks the container image's runtime stage (Dockerfile) without a container engine
# (docs/install-kubernetes.md, "How it is checked"; `make test-image`, root and the Debian mirror):
#
# 1. the build stage's binary: the `package` preset built and installed (DESTDIR), as the
#    build stage does it (or $SONDE_IMAGE_BUILD_STAGE, a DESTDIR tree installed already);
# 2. a fresh Debian 12 minbase root (the tarball tools/package.sh caches, tools/debian-base.sh)
#    where the runtime stage's RUN lines run as written (its apt-get install: only the stage's
#    packages) and its COPY --from=build lines copy from the build's install;
# 3. `ldd` in that root finds every library the binary needs;
# 4. the pod as the DaemonSet makes it, in a mount and network namespace of its own: the root
#    read-only (readOnlyRootFilesystem), the ConfigMap's files (deploy/kubernetes/base) at
#    /etc/sonde, empty host directories at /run/sonde and /var/lib/sonde given to sonde's user by
#    the init container's own command (run as root with only CHOWN and FOWNER), this machine's
#    /proc, /sys and / read-only at /host/proc, /host/sys, /host/root; then the container's
#    args and env from the DaemonSet, as the image's USER with no capability and no_new_privs,
#    until /ready answers; a scrape has host series and no failed collector, a DogStatsD line
#    over the socket and one over UDP arrive; SIGTERM ends it with 0.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS" >&2; }
fail() { echo "image-test: FAIL: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (a chroot, mounts, namespaces)"

work=$(mktemp -d /tmp/sonde-image.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
if [[ -n "${SONDE_IMAGE_BUILD_STAGE:-}" ]]; then
    # A build stage installed already (a DESTDIR tree holding what the COPY lines take).
    step "build stage: $SONDE_IMAGE_BUILD_STAGE, as given"
    cp -a "$SONDE_IMAGE_BUILD_STAGE" "$work/build-stage"
else
    step "build stage: the package preset, installed"
    cmake --preset package >/dev/null
    cmake --build --preset package -j "$(nproc)"
    DESTDIR="$work/build-stage" cmake --install build/package >/dev/null
fi

step "the runtime stage and the pod, read from the Dockerfile and the manifests"
# Writes $work/stage.sh (the runtime stage's RUN and COPY lines as shell), $work/pod.env (USER,
# the container's args and env, the init container's command) from the files themselves.
python3 - "$src" "$work" <<'PY'
import json, os, re, shlex, sys
import yaml

src, work = sys.argv[1:]
lines, cont = [], ""
for raw in open(os.path.join(src, "Dockerfile")):
    line = raw.rstrip("\n")
    if not cont and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if line.endswith("\\"):
        cont += line[:-1] + " "
        continue
    lines.append(cont + line)
    cont = ""
stages, current = {}, None
for line in lines:
    word, _, rest = line.strip().partition(" ")
    if word.upper() == "FROM":
        m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
        current = m.group(2)
        stages[current] = {"from": m.group(1), "steps": []}
    else:
        stages[current]["steps"].append((word.upper(), rest.strip()))
runtime = stages.get("runtime")
if runtime is None or runtime["from"] != "debian:12-slim":
    sys.exit("the Dockerfile has no `FROM debian:12-slim AS runtime` stage")
script, user, entrypoint, cmd = ["set -eu"], None, None, None
for word, rest in runtime["steps"]:
    if word == "RUN":
        script.append(f"chroot \"$root\" /bin/sh -c {shlex.quote(rest)}")
    elif word == "COPY":
        args = shlex.split(rest)
        if not args[0].startswith("--from=build") or len(args) != 3:
            sys.exit(f"COPY {rest}: only `COPY --from=build SRC DEST` is emulated")
        s, d = args[1:]
        if s.endswith("/"):
            # A directory: COPY copies its contents into DEST (made, with its parents).
            script.append(f"mkdir -p \"$root\"{shlex.quote(d)} && "
                          f"cp -R --preserve=mode \"$build_stage\"{shlex.quote(s)}. \"$root\"{shlex.quote(d)}")
            continue
        # As COPY does: parent directories made, the file's mode kept.
        script.append(f"mkdir -p \"$root\"{shlex.quote(os.path.dirname(d))} && "
                      f"cp --preserve=mode \"$build_stage\"{shlex.quote(s)} \"$root\"{shlex.quote(d)}")
    elif word == "USER":
        user = rest
    elif word == "ENTRYPOINT":
        entrypoint = json.loads(rest)
    elif word == "CMD":
        cmd = json.loads(rest)
    elif word not in ("EXPOSE", "LABEL", "WORKDIR"):
        sys.exit(f"{word} in the runtime stage is not emulated by tools/image-test.sh")
if not user or not re.fullmatch(r"\d+:\d+", user):
    sys.exit("the runtime stage has no numeric USER uid:gid")
open(os.path.join(work, "stage.sh"), "w").write("\n".join(script) + "\n")

ds = yaml.safe_load(open(os.path.join(src, "deploy", "kubernetes", "base", "daemonset.yaml")))
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
init = pod["initContainers"][0]
ctx = pod["securityContext"]
if f"{ctx['runAsUser']}:{ctx['runAsGroup']}" != user:
    sys.exit(f"the DaemonSet runs as {ctx['runAsUser']}:{ctx['runAsGroup']}, the image as {user}")
uid, gid = user.split(":")
argv = (c.get("command") or entrypoint) + c.get("args", cmd or [])
env = [f"{e['name']}={e['value']}" for e in c.get("env", [])]
with open(os.path.join(work, "pod.env"), "w") as f:
    f.write(f"uid={uid}\ngid={gid}\n")
    f.write("argv=(" + " ".join(shlex.quote(a) for a in argv) + ")\n")
    f.write("env=(" + " ".join(shlex.quote(e) for e in env) + ")\n")
    f.write("init=(" + " ".join(shlex.quote(a) for a in init["command"]) + ")\n")
    caps = init["securityContext"]["capabilities"]["add"]
    f.write("init_caps=" + ",".join("+" + x.lower() for x in caps) + "\n")
PY
cat "$work/stage.sh" "$work/pod.env" >&2

# shellcheck source=tools/debian-base.sh
source tools/debian-base.sh
base=$(debian_base_tarball)
root=$work/root
mkdir "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"

step "runtime stage: RUN and COPY in the Debian 12 root"
unshare -m --propagation private bash -euo pipefail -c '
root=$1 build_stage=$2 stage=$3
mount --rbind /proc "$root/proc"; mount --rbind /sys "$root/sys"; mount --rbind /dev "$root/dev"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
. "$stage"
' runtime-stage "$root" "$work/build-stage" "$work/stage.sh"
rm -f "$root/etc/resolv.conf"
echo "runtime root: $(du -sh --exclude=proc --exclude=sys --exclude=dev "$root" | cut -f1)" >&2

step "ldd in the runtime root"
ldd_out=$(chroot "$root" ldd /usr/bin/sonde)
echo "$ldd_out" >&2
if grep -q "not found" <<<"$ldd_out"; then fail "libraries missing from the runtime stage (above)"; fi
chroot "$root" /usr/bin/sonde --version

step "the pod: read-only root, host /proc /sys / at /host, init container, then sonde as USER"
mkdir -p "$work/cm" "$work/host-run-sonde" "$work/host-var-lib-sonde"
cp deploy/kubernetes/base/sonde.yaml "$work/cm/"
# One mount and network namespace: the mounts go with it, and sonde's ports (9477, 8125 on every
# address, as the ConfigMap says) are its own.
unshare -m -n --propagation private bash -euo pipefail -c '
root=$1 work=$2
. "$work/pod.env"
ip link set lo up 2>/dev/null || python3 -c "
import fcntl, socket, struct
s = socket.socket(); ifr = struct.pack(\"16sH\", b\"lo\", 0)
flags = struct.unpack(\"16sH\", fcntl.ioctl(s, 0x8913, ifr))[1]
fcntl.ioctl(s, 0x8914, struct.pack(\"16sH\", b\"lo\", flags | 1))"
mkdir -p "$root/host/proc" "$root/host/sys" "$root/host/root" "$root/etc/sonde" \
    "$root/run/sonde" "$root/var/lib/sonde"
mount --bind "$root" "$root"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
for m in "/proc:$root/host/proc" "/sys:$root/host/sys" "/:$root/host/root"; do
    mount --rbind "${m%%:*}" "${m#*:}"
    mount -o remount,bind,ro "${m#*:}"
done
mount --bind "$work/cm" "$root/etc/sonde"; mount -o remount,bind,ro "$root/etc/sonde"
mount --bind "$work/host-run-sonde" "$root/run/sonde"
mount --bind "$work/host-var-lib-sonde" "$root/var/lib/sonde"
mount -o remount,bind,ro "$root"
touch "$root/usr/probe" 2>/dev/null && { echo "the root is writable"; exit 1; }
# hostPath DirectoryOrCreate: root:root 0755, as the kubelet makes them; then the init container.
chown 0:0 "$root/run/sonde" "$root/var/lib/sonde"; chmod 0755 "$root/run/sonde" "$root/var/lib/sonde"
chroot "$root" setpriv --bounding-set=-all,$init_caps --inh-caps=-all "${init[@]}"
stat -c "%U:%G %a %n" "$root/run/sonde" "$root/var/lib/sonde"
[ "$(stat -c %u:%g:%a "$root/run/sonde")" = "$uid:$gid:750" ] || { echo "init container: /run/sonde not given to $uid:$gid 0750"; exit 1; }

chroot "$root" setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs \
    --bounding-set=-all --inh-caps=-all env -i "${env[@]}" "${argv[@]}" > "$work/sonde.log" 2>&1 &
pid=$!
# --rule-groups: the shipped rules of the image (/usr/share/sonde/rules), loaded by the ConfigMap
# config, evaluate without error.
python3 tools/probe-ready.py http://127.0.0.1:9477 120 "sonde in the runtime root" \
    --rule-groups host,gpu,app node_cpu_seconds_total node_memory_MemAvailable_bytes node_network_receive_bytes_total \
    node_filesystem_size_bytes node_os_info sonde_build_info || { cat "$work/sonde.log"; kill $pid; exit 1; }
python3 - "$root" "$uid" "$gid" <<PY || { cat "$work/sonde.log"; kill $pid; exit 1; }
import os, socket, stat, sys, time, urllib.request
root, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = "http://127.0.0.1:9477"
st = os.stat(root + "/run/sonde/dsd.sock")
if not stat.S_ISSOCK(st.st_mode) or stat.S_IMODE(st.st_mode) != 0o660 or (st.st_uid, st.st_gid) != (uid, gid):
    sys.exit(f"the socket is {oct(st.st_mode)} {st.st_uid}:{st.st_gid}")
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
u.sendto(b"image_test.socket:1|c", root + "/run/sonde/dsd.sock")
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"image_test.udp:2|c", ("127.0.0.1", 8125))
deadline = time.monotonic() + 60
while True:
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    if "image_test_socket" in text and "image_test_udp" in text:
        break
    if time.monotonic() > deadline:
        sys.exit("the DogStatsD lines (socket, UDP) never appeared at /metrics")
    time.sleep(0.2)
print(f"scraped {len(text.splitlines())} lines; socket and UDP lines arrived")
PY
kill -TERM $pid
status=0
wait $pid || status=$?
[ $status -eq 0 ] || { echo "sonde exited $status after SIGTERM"; cat "$work/sonde.log"; exit 1; }
echo "stopped with 0"
' pod "$root" "$work"

step "done: the runtime stage runs sonde as the DaemonSet does"
