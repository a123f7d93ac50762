#!/usr/bin/env bash
# Runs Keel's whole test suite: formatting and lints, the Rust tests (engine, store, Demo
# exchange, scenarios, binding freshness), the UI checks and unit tests, and the end-to-end
# suite that drives the real desktop app under Xvfb through WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy (warnings denied, desktop shell included)"
(cd ui && npm run build) # the desktop crate embeds ui/dist at compile time
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (default members: no webkit needed)"
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --locked --no-fail-fast
  cargo test --locked --doc
else
  cargo test --locked
fi

step "The OS keychain for real (Secret Service under dbus-run-session with gnome-keyring)"
bash scripts/keychain-test.sh

step "UI: type check and unit tests"
(cd ui && npm run check && npm test)

step "End to end: the real app under Xvfb"
cargo build --locked -p keel-desktop
bash tests/e2e/run.sh
