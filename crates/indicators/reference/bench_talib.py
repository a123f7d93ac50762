#!/usr/bin/env python3
"""Time TA-Lib's batch functions on the points the Rust bench wrote, then print the comparison.

The Rust bench (benches/indicators.rs) writes <dir>/points.f64 (little-endian f64, 4 columns
per point: close, high, low, volume) and <dir>/keel.tsv (name, ns/point). This script times the
matching TA-Lib functions on the same points (best of 11 calls over all 10,000,000 points), writes
<dir>/talib.tsv and prints the table with the ratio TA-Lib / Keel (above 1 = Keel faster).

    python crates/indicators/reference/bench_talib.py <dir>     (benches/indicators/run.sh)
"""
import sys
import time
import pathlib

import numpy as np
import talib

RUNS = 11


def best(fn):
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return min(times)


def main():
    d = pathlib.Path(sys.argv[1])
    pts = np.fromfile(d / "points.f64", dtype="<f8").reshape(-1, 4)
    c, h, l, v = (np.ascontiguousarray(pts[:, i]) for i in range(4))
    n = len(c)
    cases = {
        "SMA(30)": lambda: talib.SMA(c, 30),
        "EMA(30)": lambda: talib.EMA(c, 30),
        "WMA(30)": lambda: talib.WMA(c, 30),
        "RSI(14)": lambda: talib.RSI(c, 14),
        "MACD(12,26,9)": lambda: talib.MACD(c, 12, 26, 9),
        "BBANDS(20,2,2)": lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0),
        "ATR(14)": lambda: talib.ATR(h, l, c, 14),
        "STOCH(14,3,3)": lambda: talib.STOCH(h, l, c, 14, 3, 0, 3, 0),
        "OBV": lambda: talib.OBV(c, v),
    }
    talib_ns = {name: best(fn) / n for name, fn in cases.items()}
    (d / "talib.tsv").write_text("".join(f"{k}\t{x:.3f}\n" for k, x in talib_ns.items()))
    keel = {}
    for line in (d / "keel.tsv").read_text().splitlines():
        name, ns = line.split("\t")
        keel[name] = float(ns)
    ver = talib.__ta_version__.decode().split(" ")[0]
    print(f"\n{n:,} points; Keel streams one value at a time, TA-Lib {ver} (PyPI ta-lib "
          f"{talib.__version__}) runs its batch functions; best of {RUNS}")
    print(f"| indicator | Keel ns/point | TA-Lib ns/point | TA-Lib / Keel |")
    print(f"| --- | ---: | ---: | ---: |")
    for name, k in keel.items():
        t = talib_ns.get(name)
        if t is None:
            print(f"| {name} | {k:.2f} | n/a | n/a |")
        else:
            print(f"| {name} | {k:.2f} | {t:.2f} | {t / k:.2f}x |")


if __name__ == "__main__":
    main()
