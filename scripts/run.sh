#!/usr/bin/env bash
# Sets up what Keel needs, builds it, and opens the desktop app on the Demo exchange.
# Data lives in the OS app-data directory (~/.local/share/keel on Linux) unless KEEL_DATA_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
exec cargo run --release -p keel-desktop --features custom-protocol
