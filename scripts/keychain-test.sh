#!/usr/bin/env bash
# Runs keel-vault's real OS-keychain tests against a Secret Service: a private D-Bus session with
# gnome-keyring unlocked by a throwaway password, as CI does on a fresh Debian machine (root).
# Installs dbus-x11 and gnome-keyring if they are missing. Fails if any keychain test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel-target}"

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "keychain-test: installing dbus-x11 gnome-keyring"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends \
    dbus-x11 gnome-keyring
fi

# A fresh keyring directory each run, so no state from a previous run or the user's own login
# keyring is involved.
KEYRING_HOME="$(mktemp -d)"
trap 'rm -rf "$KEYRING_HOME"' EXIT

if command -v cargo-nextest >/dev/null; then
  RUN_TESTS='cargo nextest run -p keel-vault --test keychain --run-ignored ignored-only --no-fail-fast'
else
  RUN_TESTS='cargo test -p keel-vault --test keychain -- --ignored'
fi

# Build outside the D-Bus session so a long compile does not hold the daemon.
cargo test -p keel-vault --test keychain --no-run --quiet

mkdir -p "$KEYRING_HOME/data" "$KEYRING_HOME/run"
chmod 700 "$KEYRING_HOME/run"
XDG_DATA_HOME="$KEYRING_HOME/data" XDG_RUNTIME_DIR="$KEYRING_HOME/run" \
  dbus-run-session -- bash -c '
    set -euo pipefail
    printf "keel-ci" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    '"$RUN_TESTS"'
  '
echo "keychain-test: the Secret Service tests passed"
