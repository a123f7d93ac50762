#!/usr/bin/env bash
# Decodes the aggTrade file written by `cargo bench -p keel-binance --bench decode` with orjson
# and msgspec. Usage: bench-peers/run.sh [path]   (default: the bench's file under the target dir)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${CARGO_TARGET_DIR:-$here/../../../target}"
file="${1:-$target/tmp/binance_aggtrade_1m.jsonl}"
if [ ! -f "$file" ]; then
  echo "no $file: run 'cargo bench -p keel-binance --bench decode' first" >&2
  exit 1
fi
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet orjson msgspec
fi
"$venv/bin/python" --version
"$venv/bin/python" -c 'import orjson, msgspec; print("orjson", orjson.__version__, "msgspec", msgspec.__version__)'
exec "$venv/bin/python" "$here/decode.py" "$file"
