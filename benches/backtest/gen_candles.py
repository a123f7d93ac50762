#!/usr/bin/env python3
"""Writes the backtest benchmark's 1,000,000 one-minute candles to CSV, once.

The series is a seeded geometric random walk: close[i] = close[i-1] * exp(r[i]) starting from
20,000, with log returns r ~ N(0, 0.0008) (0.08 % per-minute volatility) drawn from
numpy.random.default_rng(42). Columns are those of the candle files in shared/data:
``open_time_ms,open,high,low,close,volume``; the first candle opens at 2020-01-01T00:00Z and
candles are 60,000 ms apart.

All prices are kept as integers of the price grid (`--decimals`, default 8: a tick of 1e-8) so
the written text is exact:
- close = round(exact walk value, decimals); open = previous close (20,000 for the first bar);
- high = max(open, close) + upper wick, low = min(open, close) - lower wick, with each wick a
  non-negative whole number of ticks (|N(0, 0.0003 * price)|, seeded), so high >= max(open, close)
  and low <= min(open, close) hold exactly;
- volume is log-normal, seeded, in thousandths, and at least 0.001.

Why 8 decimals by default: on a 0.01 grid, 3 x SMA(10) equals SMA(30) exactly at 7 of the
1,000,000 bars, where the sign of fast - slow is rounding noise that each tool's summation order
decides differently (see docs/BENCHMARKS.md); on a 1e-8 grid exact ties do not occur, so the trade
lists compare the tools' logic, not their rounding. `--decimals 2` writes the cent-grid file.

Usage: gen_candles.py [path] [--rows N] [--decimals D]. The default path is
``${CARGO_TARGET_DIR:-target}/bench-data/gbm_1m_<D>dp.csv``. An existing file with the right row count
is kept as it is (nothing is rewritten).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

START_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
STEP_MS = 60_000
START_PRICE = 20_000.0
SIGMA = 0.0008
SEED = 42
HEADER = "open_time_ms,open,high,low,close,volume"


def default_path(decimals: int = 8) -> str:
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    return os.path.join(target, "bench-data", f"gbm_1m_{decimals}dp.csv")


def count_rows(path: str) -> int:
    """Data rows in an existing CSV (lines after the header), or -1 if its header is wrong."""
    with open(path, "rb") as f:
        if f.readline().decode().strip() != HEADER:
            return -1
        return sum(1 for _ in f)


def generate(rows: int, decimals: int) -> tuple[np.ndarray, ...]:
    """Returns (open_time_ms, open, high, low, close in ticks of 10^-decimals, volume in
    thousandths)."""
    scale = 10**decimals
    rng = np.random.default_rng(SEED)
    log_returns = rng.normal(0.0, SIGMA, rows)
    closes = START_PRICE * np.exp(np.cumsum(log_returns))
    close_c = np.rint(closes * scale).astype(np.int64)
    open_c = np.empty_like(close_c)
    open_c[0] = int(round(START_PRICE * scale))
    open_c[1:] = close_c[:-1]
    body_hi = np.maximum(open_c, close_c)
    body_lo = np.minimum(open_c, close_c)
    # Wicks: non-negative, whole ticks, scaled to the price.
    wick_up = np.rint(np.abs(rng.normal(0.0, 0.0003, rows)) * body_hi).astype(np.int64)
    wick_dn = np.rint(np.abs(rng.normal(0.0, 0.0003, rows)) * body_lo).astype(np.int64)
    high_c = body_hi + wick_up
    low_c = body_lo - wick_dn
    volume_m = np.maximum(1, np.rint(rng.lognormal(1.0, 0.75, rows) * 1000.0).astype(np.int64))
    times = START_MS + STEP_MS * np.arange(rows, dtype=np.int64)
    assert (low_c > 0).all(), "a price went non-positive"
    assert (high_c >= np.maximum(open_c, close_c)).all()
    assert (low_c <= np.minimum(open_c, close_c)).all()
    return times, open_c, high_c, low_c, close_c, volume_m


def price_text(v: int, decimals: int) -> str:
    scale = 10**decimals
    return f"{v // scale}.{v % scale:0{decimals}d}"


def write(path: str, rows: int, decimals: int) -> None:
    times, o, h, lo, c, vol = generate(rows, decimals)

    def cents(v: int) -> str:
        return price_text(v, decimals)

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="\n") as f:
        f.write(HEADER + "\n")
        chunk = 100_000
        for start in range(0, rows, chunk):
            end = min(rows, start + chunk)
            lines = [
                f"{t},{cents(a)},{cents(b)},{cents(d)},{cents(e)},{v // 1000}.{v % 1000:03d}\n"
                for t, a, b, d, e, v in zip(
                    times[start:end].tolist(),
                    o[start:end].tolist(),
                    h[start:end].tolist(),
                    lo[start:end].tolist(),
                    c[start:end].tolist(),
                    vol[start:end].tolist(),
                )
            ]
            f.writelines(lines)
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=None)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--decimals", type=int, default=8)
    args = ap.parse_args()
    if args.path is None:
        args.path = default_path(args.decimals)
    if os.path.exists(args.path):
        n = count_rows(args.path)
        if n == args.rows:
            print(f"candles: {args.path} already has {n} rows, kept")
            return 0
        print(f"candles: {args.path} has {n} rows, not {args.rows}: rewriting")
    write(args.path, args.rows, args.decimals)
    print(f"candles: wrote {args.rows} rows to {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
