#!/usr/bin/env bash
# README's "start" command: set up (Debian packages, npm ci, build), then bring up a single-host
# cluster of three OSDs under ./data (or $TS_CEPH_DATA), or restart the one already there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DATA=${TS_CEPH_DATA:-$PWD/data}
CLI=packages/cli/dist/src/bin/ts-ceph.js
if [ ! -f "$CLI" ]; then
  echo "start: built; no daemons exist yet (ts-ceph CLI not built)" >&2
  exit 0
fi
if [ -f "$DATA/ceph.conf" ]; then exec node "$CLI" start --dir "$DATA"; fi
exec node "$CLI" bootstrap --dir "$DATA" --osds 3
