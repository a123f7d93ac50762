#!/usr/bin/env bash
# Streaming indicators, Keel against TA-Lib on the same 10,000,000 points, in one run: the Rust
# bench generates the seeded random walk, writes it under the target dir and times every Keel
# indicator one value at a time; then TA-Lib's batch functions (the PyPI ta-lib wheel, installed
# into a venv on first use) are timed on the same file and the table is printed.
#   bash benches/indicators/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
VENV=crates/indicators/reference/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q ta-lib==0.8.2 numpy
fi
cargo bench -q -p keel-indicators --bench indicators
"$VENV/bin/python" crates/indicators/reference/bench_talib.py "$CARGO_TARGET_DIR/indicators-bench"
