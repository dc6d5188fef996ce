#!/usr/bin/env bash
# Installs the npm packages the Kubernetes manifests' schema check uses (tests/kubernetes/
# package.json, pinned by its package-lock.json) into tests/kubernetes/node_modules, with
# `npm ci` from the npm registry. Idempotent: nothing is done while node_modules holds what the
# lock file names (a stamp with the lock file's checksum). Called by tools/install-deps.sh.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/kubernetes"
stamp="$dir/node_modules/.sonde-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-npm-deps: npm is missing (tools/install-deps.sh installs it)" >&2; exit 1; }
echo "install-npm-deps: npm ci in $dir" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" > "$stamp"
