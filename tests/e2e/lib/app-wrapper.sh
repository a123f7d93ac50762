#!/usr/bin/env bash
# Launched by WebKitWebDriver in place of the app (tauri:options.application points here).
# It runs the real binary ($KEEL_REAL_APP) with the same arguments and environment, and records
# what WebKitWebDriver cannot tell us: the app's pid, its exit code and its stdout/stderr.
#   $KEEL_E2E_STATE_DIR/launches      number of launches so far
#   $KEEL_E2E_STATE_DIR/app-<n>.pid   pid of the n-th app process (app.pid: the latest)
#   $KEEL_E2E_STATE_DIR/app-<n>.exit  its exit code, once it exited on its own
#   $KEEL_E2E_APP_LOG                 stdout+stderr of every launch, appended
# The app gets SIGTERM if this wrapper dies (WebKitWebDriver SIGKILLs it when a session ends), so
# no app outlives its session and holds the single-instance name on the bus.
set -u
state=${KEEL_E2E_STATE_DIR:?KEEL_E2E_STATE_DIR must be set}
log=${KEEL_E2E_APP_LOG:-/dev/null}
n=$(( $(cat "$state/launches" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$state/launches"
printf '===== launch %s at %s: %s %s\n' "$n" "$(date -u +%FT%T.%3NZ)" "$KEEL_REAL_APP" "$*" >> "$log"

setpriv --pdeathsig TERM -- "$KEEL_REAL_APP" "$@" >> "$log" 2>&1 &
child=$!
echo "$child" > "$state/app-$n.pid.tmp" && mv "$state/app-$n.pid.tmp" "$state/app-$n.pid"
cp "$state/app-$n.pid" "$state/app.pid"

trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
while :; do
  wait "$child"
  rc=$?
  # `wait` also returns when a trapped signal arrives; loop until the child is really gone.
  kill -0 "$child" 2>/dev/null || break
done
echo "$rc" > "$state/app-$n.exit"
printf '===== launch %s exited with %s at %s\n' "$n" "$rc" "$(date -u +%FT%T.%3NZ)" >> "$log"
exit "$rc"
