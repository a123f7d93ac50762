#!/usr/bin/env bash
# The backtest benchmark: SMA(10)/SMA(30) cross over 1,000,000 one-minute candles, in Keel and in
# its peers (vectorbt, backtesting.py) on the same data in the same run, then the trade lists are
# compared and a table of bars/s is printed.
#   bash benches/backtest/run.sh            # REPEAT=3 timed runs per peer after a warm-up run
# Needs python3 (3.11) with venv; installs the peers from PyPI into benches/backtest/.venv once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
data_dir="$CARGO_TARGET_DIR/bench-data"
decimals="${DECIMALS:-8}"
csv="${CSV:-$data_dir/gbm_1m_${decimals}dp.csv}"
out="$data_dir/backtest-out"
repeat="${REPEAT:-3}"
mkdir -p "$out"

# 1. The peers' venv, reinstalled when requirements.txt changes.
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing the peers into $venv (once; takes a few minutes)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
py="$venv/bin/python"
"$py" -c 'import sys, backtesting, vectorbt, numba, numpy, pandas
print("python", sys.version.split()[0], "| backtesting", backtesting.__version__, "| vectorbt", vectorbt.__version__,
      "| numba", numba.__version__, "| numpy", numpy.__version__, "| pandas", pandas.__version__)'

# 2. The data, written once.
"$py" "$here/gen_candles.py" "$csv" --decimals "$decimals"

# 3. Keel, when its bench example exists.
results="$out/results.txt"
: > "$results"
keel_json="$out/keel.json"
rm -f "$keel_json"
if [ -f "$root/crates/backtest/examples/sma_cross.rs" ]; then
  echo "== keel (cargo run --release -p keel-backtest --example sma_cross)"
  if cargo build --release -q -p keel-backtest --example sma_cross; then
    cargo run --release -q -p keel-backtest --example sma_cross -- --csv "$csv" --trades-out "$keel_json" \
      | tee -a "$results"
  else
    echo "!! Keel's sma_cross example does not build: Keel is skipped in this run" >&2
  fi
else
  echo "!! crates/backtest/examples/sma_cross.rs does not exist yet: Keel is skipped in this run" >&2
fi

# 4. The peers.
echo "== peers (vectorbt, backtesting.py): $repeat timed runs each after a warm-up run"
"$py" "$here/peers.py" "$csv" "$out" --repeat "$repeat" | tee -a "$results"

# 5. The trade lists.
echo "== trade lists"
rust_args=()
[ -f "$out/vectorbt_rust.json" ] && rust_args=(--vectorbt-rust "$out/vectorbt_rust.json")
status=0
if [ -f "$keel_json" ]; then
  "$py" "$here/compare.py" "$keel_json" "$out/vectorbt.json" "$out/backtesting.json" "${rust_args[@]}" --csv "$csv" \
    || status=$?
else
  echo "(no Keel trade list: vectorbt's numba list stands in for Keel's, to check the peers against each other)"
  "$py" "$here/compare.py" "$out/vectorbt.json" "$out/vectorbt.json" "$out/backtesting.json" "${rust_args[@]}" --label "vectorbt-as-keel" \
    --csv "$csv" || status=$?
fi

# 6. The table.
echo "== bars per second (best of the timed runs; 1,000,000 bars)"
"$py" - "$results" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    parts = line.split("#")[0].split()
    if len(parts) < 2 or not parts[1].startswith("bars_per_sec="):
        continue
    rows.append((parts[0], float(parts[1].split("=", 1)[1])))
keel = dict(rows).get("keel")
print(f"{'tool':36} {'bars/s':>16} {'keel / tool':>12}")
for tool, bps in rows:
    ratio = f"{keel / bps:.2f}x" if keel else "n/a"
    print(f"{tool:36} {bps:16,.0f} {ratio:>12}")
if keel is None:
    print("(no Keel figure in this run)")
PY
echo "outputs: $out"
exit "$status"
