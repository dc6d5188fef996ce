#!/usr/bin/env bash
# Installs every build and test dependency of sonde from Debian's packages. Idempotent: packages
# already present are left alone, and apt-get update runs only when something is missing.
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  prometheus-cpp-dev libboost-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  catch2 zlib1g-dev libssl-dev nlohmann-json3-dev libre2-dev ccache
  libcrypt-dev          # crypt_rn: bcrypt checks of the web config's basic_auth_users
  libsnappy-dev         # remote write's snappy block compression
  libisal-dev           # gzip of /metrics bodies (ISA-L's igzip: 3x libdeflate's speed at level 1)
  libprotobuf-dev protobuf-compiler  # libprotobuf, the remote write encoder's reference (tests, bench)
)
test_pkgs=(
  prometheus            # promtool, and a real Prometheus for end-to-end tests
  prometheus-node-exporter
  prometheus-alertmanager  # a real Alertmanager 0.25 receiving sonde's alerts (test_notify.py)
  curl python3 clang libclang-rt-14-dev libbenchmark-dev wrk
  python3-statsd        # a real StatsD client for the ingest integration tests
  collectd-core netdata-core  # the statsd peers of bench/ingest_peers.py (run by hand, own config)
  python3-yaml          # reads the rule corpus for the template fixture (tests/tools)
  python3-protobuf python3-snappy protobuf-compiler  # the recording remote-write receiver
  systemd procps        # systemd-analyze, systemd-sysusers and kill for the unit tests (offline)
  groff-base            # renders the man page (test_manpage.py)
  lintian mmdebstrap systemd-container  # the Debian package's checks (tools/package.sh)
  kubernetes-client     # kubectl 1.20 (kustomize v2.0.3): the Kubernetes manifests' checks
  iproute2 util-linux   # ip and setpriv for the image's runtime-stage check (tools/image-test.sh)
)

want=("${build_pkgs[@]}")
if [[ "${1:-}" != "--build-only" ]]; then want+=("${test_pkgs[@]}"); fi

# Node.js and npm for the manifests' schema check (tests/kubernetes): Debian's, unless the
# machine already has a node and npm (another distribution's nodejs package ships npm in it and
# conflicts with Debian's npm).
if [[ "${1:-}" != "--build-only" ]] && ! { command -v node && command -v npm; } >/dev/null; then
  want+=(nodejs npm)
fi

# Debian's kubectl is kubernetes-client; where another package owns /usr/bin/kubectl (a cloud
# SDK's kubectl), installing it would fail on that file, so its .deb is unpacked into
# build/deps/kubernetes-client instead, where tests/integration/test_kubernetes.py looks.
kubectl_owner=$(dpkg-query -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
unpack_kubectl=0
if [[ -n "$kubectl_owner" && "$kubectl_owner" != "kubernetes-client" ]]; then
  want=("${want[@]/kubernetes-client}")
  [[ "${1:-}" != "--build-only" ]] && unpack_kubectl=1
fi

missing=()
for p in "${want[@]}"; do
  [[ -n "$p" ]] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
kubectl_dir="$(cd "$(dirname "$0")/.." && pwd)/build/deps/kubernetes-client"
if ((unpack_kubectl)) && [[ -x "$kubectl_dir/usr/bin/kubectl" ]]; then unpack_kubectl=0; fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]} > 0 || unpack_kubectl)); then
  $SUDO apt-get update -qq
fi
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  # collectd and netdata start a system service on install; the benchmark starts its own with a
  # config in a temporary directory. Where nothing forbids services yet, forbid them for this
  # install only (invoke-rc.d asks policy-rc.d; 101: action forbidden).
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    own_policy=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n $own_policy ]]; then $SUDO rm -f "$policy"; fi
  # The node-exporter package starts a system service where systemd runs; tests start their own.
fi
if ((unpack_kubectl)); then
  echo "install-deps: /usr/bin/kubectl belongs to $kubectl_owner: unpacking kubernetes-client into $kubectl_dir" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q kubernetes-client >/dev/null 2>&1 || apt-get download kubernetes-client)
  mkdir -p "$kubectl_dir"
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$kubectl_dir"
  rm -rf "$tmp"
fi
if [[ "${1:-}" != "--build-only" ]]; then
  "$(dirname "$0")/install-npm-deps.sh"
fi
