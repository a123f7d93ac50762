#!/usr/bin/env bash
# Self-test of the e2e harness without Keel: WebKit's MiniBrowser stands in for the app, launched
# through tauri-driver -> WebKitWebDriver -> lib/app-wrapper.sh exactly as the app is. Checks the
# WebDriver client (keep-alive, sessions, elements, typing, scripts, screenshots), the wrapper's
# pid/exit-code records and the X11 window helper.   bash tests/e2e/selftest/run.sh
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
if [ "${1:-}" = "--inside" ]; then
  tauri-driver --port 4444 --native-port 4445 --native-driver /usr/bin/WebKitWebDriver >"$KEEL_E2E_ARTIFACTS/tauri-driver.log" 2>&1 &
  driver=$!
  trap 'kill -TERM $driver 2>/dev/null; wait $driver 2>/dev/null' EXIT
  node --test "$DIR/harness.selftest.js"
  exit $?
fi
tmp=$(mktemp -d -t keel-e2e-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/state" "$tmp/art"
export NO_AT_BRIDGE=1
export KEEL_REAL_APP=${SELFTEST_BROWSER:-/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser}
export KEEL_E2E_STATE_DIR="$tmp/state" KEEL_E2E_ARTIFACTS="$tmp/art" KEEL_E2E_APP_LOG="$tmp/art/app.log" KEEL_DATA_DIR="$tmp"
xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- bash "$DIR/run.sh" --inside
