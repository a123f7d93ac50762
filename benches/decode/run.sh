#!/usr/bin/env bash
# aggTrade decode throughput, Keel against its peers on the same 1,000,000 messages, in one run:
# the Rust bench (Keel's decoder, serde_json baselines) writes the messages and measures, then
# orjson and msgspec (installed into a venv from PyPI) decode the same file.
#   bash benches/decode/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo bench -q -p keel-binance --bench decode
bash crates/binance/bench-peers/run.sh
