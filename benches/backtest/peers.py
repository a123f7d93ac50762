#!/usr/bin/env python3
"""The peers' side of the backtest benchmark: the SMA(10)/SMA(30) cross in vectorbt and backtesting.py.

Rules (the same as Keel's `sma_cross` bench example): long only, 1 unit per trade, fee 0.1 % of
the notional on entry and on exit, starting cash 1e9, fills at the close of the bar where the
signal appears. With fast = SMA(10) and slow = SMA(30) of the closes:
- entry at bar i while flat:  fast[i-1] <= slow[i-1] and fast[i] > slow[i]
- exit at bar i while long:   fast[i-1] >= slow[i-1] and fast[i] < slow[i]
(no signal where either average is undefined, i.e. the first 30 bars cannot signal.)

Neither peer's built-in cross helper implements exactly that, so both compute it explicitly:
- vectorbt's `crossed_above` needs fast strictly below slow at some earlier bar (an
  above -> equal -> above path is not a cross there), so the signals are built with numpy from
  the vbt.MA outputs with the rule above;
- backtesting.py's `crossover` is `a[-2] < b[-2] and a[-1] > b[-1]` (strict on the previous bar),
  so the strategy tests `<=` / `>=` itself.

Averages are each peer's own: vectorbt's vbt.MA (numba engine: prefix sum from bar 0 minus the
prefix sum n bars back; Rust engine: one running sum, add the new value then subtract the leaving
one; the two differ in the last bits, so they can disagree where fast == slow), backtesting.py's
usual `pd.Series.rolling(n).mean()` (pandas' add/remove rolling sum with Kahan compensation).

Trade list JSON, one object per trade, bars are 0-based CSV row indices, pnl after both fees:
  [{"entry_bar", "exit_bar", "entry_price", "exit_price", "qty", "pnl"}]
A trade still open after the last bar has exit_bar = exit_price = null and pnl = -(entry fee)
(fees paid so far; unrealised profit is not included).

Usage: peers.py CSV OUT_DIR [--repeat N] [--only vectorbt|backtesting]
Writes OUT_DIR/vectorbt.json (numba engine), OUT_DIR/vectorbt_rust.json (Rust engine, when
vectorbt-rust is installed), OUT_DIR/backtesting.json and prints one line per measured peer:
  <tool> bars_per_sec=<float> bars=<n> trades=<n> seconds=<float>
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

FAST = 10
SLOW = 30
FEE = 0.001
CASH = 1e9
QTY = 1.0


def load(csv: str) -> pd.DataFrame:
    df = pd.read_csv(csv, dtype={"open_time_ms": np.int64})
    expected = ["open_time_ms", "open", "high", "low", "close", "volume"]
    if list(df.columns) != expected:
        raise SystemExit(f"{csv}: columns {list(df.columns)}, expected {expected}")
    return df


def cross_signals(fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entry/exit masks with the benchmark's cross definition (NaN compares false)."""
    entries = np.zeros(fast.shape, dtype=bool)
    exits = np.zeros(fast.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        entries[1:] = (fast[:-1] <= slow[:-1]) & (fast[1:] > slow[1:])
        exits[1:] = (fast[:-1] >= slow[:-1]) & (fast[1:] < slow[1:])
    return entries, exits


def trade(entry_bar, exit_bar, entry_price, exit_price, qty, pnl) -> dict:
    return {
        "entry_bar": int(entry_bar),
        "exit_bar": None if exit_bar is None else int(exit_bar),
        "entry_price": float(entry_price),
        "exit_price": None if exit_price is None else float(exit_price),
        "qty": float(qty),
        "pnl": float(pnl),
    }


def timed(fn, repeat: int) -> tuple[list[float], object]:
    """Runs fn() once to warm up (JIT, caches), then `repeat` timed times; returns (seconds, last)."""
    result = fn()
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return seconds, result


def report(tool: str, bars: int, trades: int, seconds: list[float], what: str) -> None:
    best = min(seconds)
    med = statistics.median(seconds)
    print(
        f"{tool} bars_per_sec={bars / best:.1f} bars={bars} trades={trades} seconds={best:.6f}"
        f" median_seconds={med:.6f} runs={len(seconds)}  # {what}",
        flush=True,
    )


# --------------------------------------------------------------------------------- vectorbt


def run_vectorbt(close: np.ndarray, engine: str):
    import vectorbt as vbt

    vbt.settings["engine"] = engine  # MA, signals' helpers and records follow the setting
    fast = vbt.MA.run(close, FAST, short_name="fast").ma.to_numpy()
    slow = vbt.MA.run(close, SLOW, short_name="slow").ma.to_numpy()
    entries, exits = cross_signals(fast, slow)
    pf = vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        price=close,
        size=QTY,
        size_type="amount",
        fees=FEE,
        init_cash=CASH,
        direction="longonly",
        accumulate=False,
        engine=engine,
    )
    return pf


def vectorbt_trades(pf) -> list[dict]:
    rec = pf.trades.values  # structured array: entry_idx, exit_idx, prices, fees, pnl, status
    out = []
    for r in rec:
        if int(r["status"]) == 0:  # Open: vectorbt marks it at the last close; report it open
            out.append(trade(r["entry_idx"], None, r["entry_price"], None, r["size"], -r["entry_fees"]))
        else:
            out.append(
                trade(r["entry_idx"], r["exit_idx"], r["entry_price"], r["exit_price"], r["size"], r["pnl"])
            )
    return out


def bench_vectorbt(df: pd.DataFrame, out_dir: str, repeat: int) -> None:
    import vectorbt as vbt

    from vectorbt._engine import is_rust_available

    close = df["close"].to_numpy(dtype=np.float64)
    n = len(close)
    engines = ["numba"] + (["rust"] if is_rust_available() else [])
    lists = {}
    for engine in engines:
        seconds, pf = timed(lambda: run_vectorbt(close, engine), repeat)
        lists[engine] = vectorbt_trades(pf)
        report(
            f"vectorbt-{engine}",
            n,
            len(lists[engine]),
            seconds,
            f"vectorbt {vbt.__version__}: 2 x vbt.MA + cross signals + Portfolio.from_signals, warm",
        )
        # The simulation alone, signals precomputed, for reference.
        fast = vbt.MA.run(close, FAST).ma.to_numpy()
        slow = vbt.MA.run(close, SLOW).ma.to_numpy()
        entries, exits = cross_signals(fast, slow)

        def sim():
            return vbt.Portfolio.from_signals(
                close, entries, exits, price=close, size=QTY, size_type="amount", fees=FEE,
                init_cash=CASH, direction="longonly", accumulate=False, engine=engine,
            )

        sim_seconds, _ = timed(sim, repeat)
        report(f"vectorbt-{engine}-simulation-only", n, len(lists[engine]), sim_seconds,
               "Portfolio.from_signals alone, signals precomputed")
    write_json(os.path.join(out_dir, "vectorbt.json"), lists["numba"])
    if "rust" in lists:
        write_json(os.path.join(out_dir, "vectorbt_rust.json"), lists["rust"])


# ---------------------------------------------------------------------------- backtesting.py


def bench_backtesting(df: pd.DataFrame, out_dir: str, repeat: int) -> None:
    import backtesting
    import backtesting.backtesting as bt_module
    from backtesting import Backtest, Strategy

    # backtesting.py draws a tqdm progress bar when tqdm is importable (vectorbt pulls it in);
    # a plain backtesting.py install has none, so the loop runs without it here too.
    bt_module._tqdm = lambda seq, **_: seq

    def sma(values, n):
        return pd.Series(values).rolling(n).mean()

    class SmaCross(Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, FAST)
            self.slow = self.I(sma, self.data.Close, SLOW)

        def next(self):
            f, s = self.fast, self.slow
            if not self.position:
                if f[-2] <= s[-2] and f[-1] > s[-1]:
                    self.buy(size=QTY)  # size >= 1 means units in backtesting.py
            elif f[-2] >= s[-2] and f[-1] < s[-1]:
                self.position.close()

    data = pd.DataFrame(
        {
            "Open": df["open"].to_numpy(),
            "High": df["high"].to_numpy(),
            "Low": df["low"].to_numpy(),
            "Close": df["close"].to_numpy(),
            "Volume": df["volume"].to_numpy(),
        },
        index=pd.to_datetime(df["open_time_ms"].to_numpy(), unit="ms"),
    )
    n = len(data)

    def run():
        bt = Backtest(
            data,
            SmaCross,
            cash=CASH,
            commission=FEE,
            trade_on_close=True,  # market orders fill at the close of the bar that placed them
            exclusive_orders=False,  # the strategy itself only buys while flat
            finalize_trades=False,  # a trade open after the last bar stays open (see below)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bt.run()

    # backtesting.py has no JIT; one untimed run still warms imports and pandas paths.
    seconds, stats = timed(run, repeat)
    out = []
    for r in stats["_trades"].itertuples():
        out.append(trade(r.EntryBar, r.ExitBar, r.EntryPrice, r.ExitPrice, r.Size, r.PnL))
    # Trades still open at the end are not in stats["_trades"] with finalize_trades=False.
    for t in stats["_strategy"].trades:
        out.append(trade(t.entry_bar, None, t.entry_price, None, t.size, -FEE * t.entry_price * abs(t.size)))
    out.sort(key=lambda t: t["entry_bar"])
    report("backtesting.py", n, len(out), seconds,
           f"backtesting.py {backtesting.__version__}: Backtest(...).run() incl. SMAs and stats")
    write_json(os.path.join(out_dir, "backtesting.json"), out)


def write_json(path: str, trades: list[dict]) -> None:
    for t in trades:
        for k in ("entry_price", "exit_price", "pnl"):
            if t[k] is not None and not math.isfinite(t[k]):
                raise SystemExit(f"{path}: non-finite {k} in {t}")
    with open(path, "w") as f:
        json.dump(trades, f, indent=0)
        f.write("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description="peers of the backtest benchmark")
    ap.add_argument("csv")
    ap.add_argument("out_dir")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up run")
    ap.add_argument("--only", choices=["vectorbt", "backtesting"])
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    df = load(args.csv)
    if args.only in (None, "vectorbt"):
        bench_vectorbt(df, args.out_dir, args.repeat)
    if args.only in (None, "backtesting"):
        bench_backtesting(df, args.out_dir, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
