#!/usr/bin/env python3
"""Generate the TA-Lib reference fixtures for keel-indicators' tests.

Reads tests/data/binance_ETHBTC_5m_2018-01.csv, runs TA-Lib's batch functions (the `ta-lib`
package from PyPI, which bundles the TA-Lib C library) with a few parameter sets each, and writes
tests/fixtures/<function>.json. NaN (warm-up) is written as null. Floats are written with
Python's repr, which round-trips exactly.

    python crates/indicators/reference/make_reference.py   (see README.md for the venv)
"""
import csv
import json
import math
import pathlib

import numpy as np
import talib

CRATE = pathlib.Path(__file__).resolve().parent.parent
DATA = CRATE / "tests" / "data" / "binance_ETHBTC_5m_2018-01.csv"
OUT = CRATE / "tests" / "fixtures"


def load():
    cols = {"high": [], "low": [], "close": [], "volume": []}
    with open(DATA, newline="") as f:
        for row in csv.DictReader(f):
            for k in cols:
                cols[k].append(float(row[k]))
    return {k: np.array(v, dtype=np.float64) for k, v in cols.items()}


def series(a):
    return [None if math.isnan(x) else float(x) for x in a.tolist()]


def write(name, cases):
    doc = {
        "source": "TA-Lib %s via the PyPI package ta-lib %s, on tests/data/%s"
        % (talib.__ta_version__.decode().split(" ")[0], talib.__version__, DATA.name),
        "command": "python crates/indicators/reference/make_reference.py",
        "function": name,
        "cases": cases,
    }
    path = OUT / (name.lower() + ".json")
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print("wrote", path.relative_to(CRATE), len(cases), "cases")


def main():
    d = load()
    c, h, l, v = d["close"], d["high"], d["low"], d["volume"]
    OUT.mkdir(parents=True, exist_ok=True)
    for name, fn in (("SMA", talib.SMA), ("EMA", talib.EMA), ("WMA", talib.WMA)):
        write(name, [{"params": {"period": p}, "out": {"real": series(fn(c, timeperiod=p))}}
                     for p in (2, 30, 200)])
    write("RSI", [{"params": {"period": p}, "out": {"real": series(talib.RSI(c, timeperiod=p))}}
                  for p in (2, 14, 50)])
    cases = []
    for fast, slow, sig in ((12, 26, 9), (5, 35, 5), (3, 10, 1)):
        m, s, hist = talib.MACD(c, fastperiod=fast, slowperiod=slow, signalperiod=sig)
        cases.append({"params": {"fast": fast, "slow": slow, "signal": sig},
                      "out": {"macd": series(m), "signal": series(s), "hist": series(hist)}})
    write("MACD", cases)
    cases = []
    for p, up, dn in ((20, 2.0, 2.0), (5, 1.5, 2.5), (50, 1.0, 1.0)):
        u, m, lo = talib.BBANDS(c, timeperiod=p, nbdevup=up, nbdevdn=dn, matype=0)
        cases.append({"params": {"period": p, "k_up": up, "k_down": dn},
                      "out": {"upper": series(u), "middle": series(m), "lower": series(lo)}})
    write("BBANDS", cases)
    write("ATR", [{"params": {"period": p}, "out": {"real": series(talib.ATR(h, l, c, timeperiod=p))}}
                  for p in (1, 14, 30)])
    cases = []
    for fk, sk, sd in ((5, 3, 3), (14, 3, 5), (14, 1, 1)):
        k, dd = talib.STOCH(h, l, c, fastk_period=fk, slowk_period=sk, slowk_matype=0,
                            slowd_period=sd, slowd_matype=0)
        cases.append({"params": {"fastk": fk, "slowk": sk, "slowd": sd},
                      "out": {"k": series(k), "d": series(dd)}})
    write("STOCH", cases)
    write("OBV", [{"params": {}, "out": {"real": series(talib.OBV(c, v))}}])


if __name__ == "__main__":
    main()
