#!/usr/bin/env bash
# Everything ts-ceph needs on a fresh Debian bookworm machine (root or passwordless sudo):
# the Debian packages (the real Ceph 16.2.15 clients and daemons the tests drive, liburing and
# libargon2 for the native addon, cryptsetup to check our LUKS2 headers, Prometheus with Ceph's
# alert rules and Grafana dashboards for the monitoring acceptance test), the npm dependencies,
# and the build (native addon + TypeScript). Idempotent: steps already done are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(ceph-common ceph-mon ceph-osd ceph-mgr python3-rados python3-rbd fio rbd-fuse cryptsetup-bin
      prometheus ceph-prometheus-alerts ceph-grafana-dashboards
      liburing-dev libargon2-dev uuid-runtime iproute2 xxd awscli python3-boto3 s3cmd radosgw)

missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

echo "setup: build" >&2
npm run --silent build >&2
