#!/usr/bin/env bash
# Dry run of scenario steps a-e against the UI's mock build (VITE_MOCK_IPC=1, no Rust) in WebKit's
# MiniBrowser: checks the selectors and flows of the suite while the app itself is not built.
# Expected differences from the real app: the mock's export does not write a file (step d).
#   bash tests/e2e/selftest/mock-ui.sh
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E=$(dirname "$DIR")
REPO=$(cd "$E2E/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
if [ "${1:-}" = "--inside" ]; then
  tauri-driver --port 4444 --native-port 4445 --native-driver /usr/bin/WebKitWebDriver >"$KEEL_E2E_ARTIFACTS/tauri-driver.log" 2>&1 &
  driver=$!
  node -e '
    const http = require("http"), fs = require("fs"), path = require("path");
    const root = process.argv[1];
    const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };
    http.createServer((q, r) => {
      let p = path.join(root, decodeURIComponent(q.url.split("?")[0]));
      if (!p.startsWith(root) || !fs.existsSync(p) || fs.statSync(p).isDirectory()) p = path.join(root, "index.html");
      r.writeHead(200, { "content-type": types[path.extname(p)] ?? "application/octet-stream" });
      fs.createReadStream(p).pipe(r);
    }).listen(4599, "127.0.0.1");' "$MOCK_DIST" &
  server=$!
  trap 'kill -TERM $driver $server 2>/dev/null; wait $driver 2>/dev/null' EXIT
  cd "$E2E" && node --test --test-name-pattern='^(a|b|c|d|e)\.' --test-reporter=spec scenario.test.js
  exit $?
fi
tmp=$(mktemp -d -t keel-e2e-mock.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/state" "$tmp/data"
export MOCK_DIST="$tmp/dist"
(cd "$REPO/ui" && VITE_MOCK_IPC=1 npx vite build --outDir "$MOCK_DIST" --emptyOutDir --logLevel error)
export NO_AT_BRIDGE=1
export KEEL_REAL_APP=${SELFTEST_BROWSER:-/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser}
export KEEL_E2E_SELFTEST_ARGS="--automation" KEEL_E2E_SELFTEST_URL="http://127.0.0.1:4599/"
export KEEL_E2E_STATE_DIR="$tmp/state" KEEL_DATA_DIR="$tmp/data"
export KEEL_E2E_ARTIFACTS="$REPO/artifacts/e2e-mock" KEEL_E2E_APP_LOG="$REPO/artifacts/e2e-mock/app.log"
rm -rf "$KEEL_E2E_ARTIFACTS"; mkdir -p "$KEEL_E2E_ARTIFACTS"
xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- bash "$DIR/mock-ui.sh" --inside
