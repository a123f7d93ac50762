#!/usr/bin/env bash
# Keel's end-to-end suite: drives the real desktop app under Xvfb.
#
#   bash tests/e2e/run.sh            (or: cd tests/e2e && npm test)
#
# Needs the built app: KEEL_APP (default ${CARGO_TARGET_DIR:-target}/debug/keel-desktop, with the UI
# embedded: `cd ui && npm ci && npm run build` before `cargo build -p keel-desktop`). Builds only
# the test kit's mock-binance itself; installs tauri-driver (cargo install, into ~/.cargo/bin) and the apt packages listed
# in tests/e2e/README.md when they are missing.
#
# Everything runs in ONE dbus-run-session under ONE xvfb-run: one tauri-driver (port 4444, native
# WebKitWebDriver on 4445), the app (launched by WebKitWebDriver through lib/app-wrapper.sh, which
# records its pid, exit code and log), the tray's dbusmenu and the test. The app gets a fresh
# temporary KEEL_DATA_DIR and KEEL_ALLOW_EXPORT_PATH=1, and the mock Binance of the test kit
# (`cargo build -p keel-testkit --bin mock-binance`, started first, killed at the end) through
# KEEL_TEST_BINANCE_ENDPOINTS + KEEL_ALLOW_TEST_ENDPOINTS=1.
#
# Artifacts in artifacts/e2e/ at the repo root (git-ignored): screenshots (*.png), app.log,
# tauri-driver.log, mock-binance.log, junit.xml, fills-export.csv, FAILED-* files for a failing step.
# Exit code: 0 when every step passed, non-zero otherwise.
#
# Environment: KEEL_APP (the binary), KEEL_E2E_KEEP_DATA=1 (keep the temporary data directory),
# KEEL_E2E_ONLY=<regex> (run only the steps whose name matches, e.g. "^(a|b)\."),
# KEEL_E2E_FILES (test files to run instead of scenario.test.js, space-separated),
# KEEL_MOCK_BINANCE (a prebuilt mock-binance binary; skips its cargo build),
# KEEL_E2E_BINANCE_KEY / KEEL_E2E_BINANCE_SECRET (the mock's key pair; made-up defaults).
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = "--inside" ]; then
  # ---- inside xvfb-run + dbus-run-session --------------------------------------------------
  ART=$KEEL_E2E_ARTIFACTS
  # A secret service, as on a desktop (the app does not need one for the Demo exchange).
  if command -v gnome-keyring-daemon >/dev/null; then
    echo | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  fi
  tauri-driver --port 4444 --native-port 4445 --native-driver /usr/bin/WebKitWebDriver \
    >"$ART/tauri-driver.log" 2>&1 &
  driver=$!
  cleanup() {
    kill -TERM "$driver" 2>/dev/null || true
    wait "$driver" 2>/dev/null || true
    # Apps this run launched and that are still running (their pids were recorded by the wrapper).
    for f in "$KEEL_E2E_STATE_DIR"/app-*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      if [ -d "/proc/$pid" ] && [ ! -e "${f%.pid}.exit" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
  }
  trap cleanup EXIT
  only=()
  if [ -n "${KEEL_E2E_ONLY:-}" ]; then only=(--test-name-pattern="$KEEL_E2E_ONLY"); fi
  set +e
  (cd "$E2E_DIR" && node --test --test-concurrency=1 "${only[@]}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$ART/junit.xml" \
    ${KEEL_E2E_FILES:-scenario.test.js})
  rc=$?
  set -e
  exit "$rc"
fi

# ---- outside: preflight, then one X server and one session bus --------------------------------
APT_PACKAGES=(xvfb xauth webkit2gtk-driver dbus-x11 libglib2.0-bin imagemagick python3-xlib util-linux)

KEEL_APP=${KEEL_APP:-${CARGO_TARGET_DIR:-$REPO/target}/debug/keel-desktop}
case "$KEEL_APP" in /*) ;; *) KEEL_APP="$REPO/$KEEL_APP" ;; esac
if [ ! -x "$KEEL_APP" ]; then
  echo "e2e: no app binary at $KEEL_APP" >&2
  echo "e2e: build it first: (cd ui && npm ci && npm run build) && cargo build -p keel-desktop, or set KEEL_APP" >&2
  exit 1
fi

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have xvfb-run || need_apt+=(xvfb xauth)
[ -x /usr/bin/WebKitWebDriver ] || need_apt+=(webkit2gtk-driver)
have dbus-run-session || need_apt+=(dbus-x11)
have gdbus || need_apt+=(libglib2.0-bin)
have import || need_apt+=(imagemagick)
have setpriv || need_apt+=(util-linux)
/usr/bin/python3 -c 'import Xlib' 2>/dev/null || need_apt+=(python3-xlib)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e: installing missing packages: ${need_apt[*]} (the full list: ${APT_PACKAGES[*]})"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if ! have tauri-driver; then
  echo "e2e: installing tauri-driver (cargo install tauri-driver --locked)"
  cargo install tauri-driver --locked
fi

node -e 'const [M,m]=process.versions.node.split(".").map(Number); process.exit(M>20||(M===20&&m>=11)?0:1)' || {
  echo "e2e: Node.js 20.11 or newer is required (found $(node --version))" >&2
  exit 1
}
# No runtime dependencies today; keep the lockfile honoured if some are added.
if [ ! -e "$E2E_DIR/node_modules/.package-lock.json" ] || [ "$E2E_DIR/package-lock.json" -nt "$E2E_DIR/node_modules/.package-lock.json" ]; then
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

ART="$REPO/artifacts/e2e"
rm -rf "$ART"
mkdir -p "$ART"

RUN_TMP=$(mktemp -d -t keel-e2e.XXXXXX)
mkdir -p "$RUN_TMP/data" "$RUN_TMP/state" "$RUN_TMP/xdg-data" "$RUN_TMP/xdg-config" "$RUN_TMP/xdg-cache"
keep() { [ "${KEEL_E2E_KEEP_DATA:-0}" = 1 ]; }
MOCK_PID=
finish() {
  if [ -n "$MOCK_PID" ]; then kill -TERM "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  if keep; then echo "e2e: kept $RUN_TMP"; else rm -rf "$RUN_TMP"; fi
}
trap finish EXIT

# ---- the mock Binance (keel-testkit's mock-binance) on loopback, before the app ----------------
# A fixed seed and a made-up key pair: the scenario types them into the Accounts form.
export KEEL_E2E_BINANCE_KEY=${KEEL_E2E_BINANCE_KEY:-e2eKeyQ7vN2mXc4LpR8sT1wY6zB3dF5gH9jK}
export KEEL_E2E_BINANCE_SECRET=${KEEL_E2E_BINANCE_SECRET:-e2eSecretW4kP9xM2nB7vC5zQ8rT3yL6hJ1dG}
if [ -z "${KEEL_MOCK_BINANCE:-}" ]; then
  echo "e2e: building mock-binance (cargo build -p keel-testkit --bin mock-binance)"
  (cd "$REPO" && cargo build -q -p keel-testkit --bin mock-binance)
  KEEL_MOCK_BINANCE=${CARGO_TARGET_DIR:-$REPO/target}/debug/mock-binance
fi
case "$KEEL_MOCK_BINANCE" in /*) ;; *) KEEL_MOCK_BINANCE="$REPO/$KEEL_MOCK_BINANCE" ;; esac
MOCK_BINANCE_SEED=${MOCK_BINANCE_SEED:-20260101} MOCK_BINANCE_API_KEY="$KEEL_E2E_BINANCE_KEY" \
  MOCK_BINANCE_SECRET="$KEEL_E2E_BINANCE_SECRET" "$KEEL_MOCK_BINANCE" \
  >"$RUN_TMP/mock-binance.json" 2>"$ART/mock-binance.log" &
MOCK_PID=$!
for _ in $(seq 1 100); do
  [ -s "$RUN_TMP/mock-binance.json" ] && break
  kill -0 "$MOCK_PID" 2>/dev/null || break
  sleep 0.1
done
KEEL_TEST_BINANCE_ENDPOINTS=$(head -n 1 "$RUN_TMP/mock-binance.json" 2>/dev/null || true)
if [ -z "$KEEL_TEST_BINANCE_ENDPOINTS" ]; then
  echo "e2e: mock-binance did not print its URLs; see $ART/mock-binance.log" >&2
  exit 1
fi
echo "e2e: mock Binance $KEEL_TEST_BINANCE_ENDPOINTS"
# The app's test hook (src-tauri/src/test_hooks.rs) honours the endpoints only with the opt-in.
export KEEL_TEST_BINANCE_ENDPOINTS KEEL_ALLOW_TEST_ENDPOINTS=1

export KEEL_DATA_DIR="$RUN_TMP/data"
export KEEL_ALLOW_EXPORT_PATH=1
export KEEL_REAL_APP="$KEEL_APP"
export KEEL_E2E_STATE_DIR="$RUN_TMP/state"
export KEEL_E2E_APP_LOG="$ART/app.log"
export KEEL_E2E_ARTIFACTS="$ART"
# WebKit's storage, caches and the keyring: fresh for each run, shared by both launches.
export XDG_DATA_HOME="$RUN_TMP/xdg-data" XDG_CONFIG_HOME="$RUN_TMP/xdg-config" XDG_CACHE_HOME="$RUN_TMP/xdg-cache"
export RUST_LOG=${RUST_LOG:-info,tao=warn,wry=warn}
export NO_AT_BRIDGE=1

echo "e2e: app $KEEL_APP"
echo "e2e: data $KEEL_DATA_DIR; artifacts $ART"
set +e
xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- bash "$E2E_DIR/run.sh" --inside
rc=$?
set -e
echo "e2e: exit code $rc; artifacts in $ART"
exit "$rc"
