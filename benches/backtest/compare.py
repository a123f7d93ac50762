#!/usr/bin/env python3
"""Checks the backtest benchmark's trade lists against each other.

Usage:
  compare.py KEEL.json VECTORBT.json BACKTESTING.json [--vectorbt-rust VBT_RUST.json] [--csv CSV]

- Keel against vectorbt: the lists must be equal: same trades, entry/exit bars and prices equal,
  qty equal, pnl within 1e-6 relative (1e-6 absolute near zero), since vectorbt is f64 and Keel's
  ledger is Decimal. vectorbt's numba and Rust engines compute SMA with different f64 operation
  orders and so can disagree with each other at crosses where the averages are equal within
  rounding; when --vectorbt-rust is given, an exact match with either engine's list passes, and
  the output says which. Exit status 1 when Keel matches neither.
- Keel against backtesting.py: every difference is listed with fast - slow at the bar in question
  and the bar before it, computed three ways from the CSV: exactly (integer arithmetic on the
  decimal prices), with a naive left-to-right f64 sum and with math.fsum. A difference is
  "noise" when |fast - slow| < 1e-9 * close at one of those two bars (the cross test compares
  values that rounding can order either way), "last bar" when the signal is on the final bar
  (backtesting.py fills a trade_on_close order while processing the next bar, which does not
  exist), "state" when the cross itself is unambiguous but one tool was already in (or out of)
  the position because of an earlier noise difference, else "UNEXPLAINED".
  Differences with backtesting.py do not change the exit status.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from decimal import Decimal

FAST = 10
SLOW = 30
NOISE = 1e-9
PNL_REL = 1e-6


def default_csv() -> str:
    return os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "bench-data", "gbm_1m_8dp.csv")


class Series:
    """Closes of the CSV: as written (exact, scaled integers) and as parsed f64."""

    def __init__(self, csv: str):
        texts = []
        with open(csv) as f:
            header = f.readline().strip().split(",")
            col = header.index("close")
            for line in f:
                texts.append(line.split(",")[col].strip())
        scale = max((len(t.split(".")[1]) if "." in t else 0) for t in texts)
        self.scale = scale
        self.exact = [int(Decimal(t).scaleb(scale)) for t in texts]  # close * 10^scale
        self.f64 = [float(t) for t in texts]
        self.n = len(texts)

    def exact_signs(self) -> list[int]:
        """sign(fast - slow) per bar from SLOW - 1 on, in exact integer arithmetic."""
        assert SLOW % FAST == 0
        k = SLOW // FAST
        prefix = [0]
        for v in self.exact:
            prefix.append(prefix[-1] + v)
        out = []
        for i in range(SLOW - 1, self.n):
            num = k * (prefix[i + 1] - prefix[i + 1 - FAST]) - (prefix[i + 1] - prefix[i + 1 - SLOW])
            out.append((num > 0) - (num < 0))
        return out

    def exact_events(self) -> tuple[set[tuple[str, int]], int]:
        """Entry/exit events decided in exact arithmetic on the written prices, and the number
        of bars where fast == slow exactly."""
        signs = self.exact_signs()
        out: set[tuple[str, int]] = set()
        long = False
        for j in range(1, len(signs)):
            i = j + SLOW - 1
            prev, cur = signs[j - 1], signs[j]
            if not long and prev <= 0 and cur > 0:
                out.add(("entry", i))
                long = True
            elif long and prev >= 0 and cur < 0:
                out.add(("exit", i))
                long = False
        return out, signs.count(0)

    def diff(self, i: int) -> dict | None:
        """fast - slow at bar i three ways, or None before both are defined."""
        if i < SLOW - 1 or i >= self.n:
            return None
        s_fast = sum(self.exact[i - FAST + 1 : i + 1])
        s_slow = sum(self.exact[i - SLOW + 1 : i + 1])
        # fast - slow = S10/10 - S30/30 = (3*S10 - S30) / 30, in units of 10^-scale
        num = (SLOW // FAST) * s_fast - s_slow if SLOW % FAST == 0 else None
        if num is not None:
            exact = num / (SLOW * 10**self.scale)
            exact_sign = (num > 0) - (num < 0)
        else:
            exact = s_fast / (FAST * 10**self.scale) - s_slow / (SLOW * 10**self.scale)
            exact_sign = (exact > 0) - (exact < 0)
        naive_f = 0.0
        for v in self.f64[i - FAST + 1 : i + 1]:
            naive_f += v
        naive_s = 0.0
        for v in self.f64[i - SLOW + 1 : i + 1]:
            naive_s += v
        naive = naive_f / FAST - naive_s / SLOW
        fsum = math.fsum(self.f64[i - FAST + 1 : i + 1]) / FAST - math.fsum(self.f64[i - SLOW + 1 : i + 1]) / SLOW
        return {
            "exact": exact,
            "exact_sign": exact_sign,
            "naive": naive,
            "fsum": fsum,
            "noise": abs(exact) < NOISE * self.f64[i],
        }


def load(path: str) -> list[dict]:
    with open(path) as f:
        trades = json.load(f)
    if not isinstance(trades, list):
        raise SystemExit(f"{path}: expected a JSON array of trades")
    for k, t in enumerate(trades):
        for key in ("entry_bar", "exit_bar", "entry_price", "exit_price", "qty", "pnl"):
            if key not in t:
                raise SystemExit(f"{path}: trade {k} has no {key!r}")
        # Decimal amounts may come as JSON strings ("17587.21"): compare them as f64 like the rest.
        for key in ("entry_price", "exit_price", "qty", "pnl"):
            if isinstance(t[key], str):
                t[key] = float(t[key])
        for key in ("entry_bar", "exit_bar"):
            if t[key] is not None and not isinstance(t[key], int):
                raise SystemExit(f"{path}: trade {k}: {key} must be an integer or null, not {t[key]!r}")
    return trades


def close_enough(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=PNL_REL, abs_tol=PNL_REL)


def trade_mismatch(a: dict, b: dict) -> str | None:
    """Why two trades at the same position in their lists differ, or None when equal."""
    for key in ("entry_bar", "exit_bar", "entry_price", "exit_price"):
        if a[key] != b[key]:
            return f"{key} {a[key]} != {b[key]}"
    if float(a["qty"]) != float(b["qty"]):
        return f"qty {a['qty']} != {b['qty']}"
    if a["exit_bar"] is not None and not close_enough(float(a["pnl"]), float(b["pnl"])):
        return f"pnl {a['pnl']} != {b['pnl']}"
    return None  # the pnl of a trade still open at the end is not compared


def events(trades: list[dict]) -> set[tuple[str, int]]:
    out = set()
    for t in trades:
        out.add(("entry", int(t["entry_bar"])))
        if t["exit_bar"] is not None:
            out.add(("exit", int(t["exit_bar"])))
    return out


def explain(a_name: str, a: list[dict], b_name: str, b: list[dict], series: Series, verbose: bool) -> dict:
    """Lists the entry/exit events in one list but not the other, each classified."""
    ea, eb = events(a), events(b)
    diff = sorted(ea ^ eb, key=lambda e: (e[1], e[0]))
    counts = {"noise": 0, "last bar": 0, "state": 0, "UNEXPLAINED": 0}
    last_noise = None
    rows = []
    for kind, bar in diff:
        owner = a_name if (kind, bar) in ea else b_name
        here, prev = series.diff(bar), series.diff(bar - 1)
        if (here and here["noise"]) or (prev and prev["noise"]):
            cls = "noise"
            last_noise = bar
        elif bar == series.n - 1:
            cls = "last bar"
        elif last_noise is not None:
            cls = f"state (after noise at bar {last_noise})"
        else:
            cls = "UNEXPLAINED"
        counts[cls.split(" (")[0]] += 1
        rows.append((kind, bar, owner, prev, here, cls))
    if rows and verbose:
        print(f"  {'':41}fast - slow at bar-1 | bar")
        print(f"  {'event':5} {'bar':>8} {'only in':14} {'close':>10} "
              f"{'exact':>21} {'naive f64':>21} {'fsum':>21}  class")
        for kind, bar, owner, prev, here, cls in rows:
            def pair(key):
                a = f"{prev[key]:.2e}" if prev else "-"
                b = f"{here[key]:.2e}" if here else "-"
                return f"{a:>10}|{b:>10}"
            print(f"  {kind:5} {bar:>8} {owner:14} {series.f64[bar]:>10.2f} "
                  f"{pair('exact')} {pair('naive')} {pair('fsum')}  {cls}")
    return {"events": len(diff), **counts}


def same_bars_agree(a: list[dict], b: list[dict]) -> bool:
    """Trades with the same entry and exit bars in both lists agree in prices, qty and pnl."""
    by_key = {(t["entry_bar"], t["exit_bar"]): t for t in b}
    return all(trade_mismatch(t, by_key[k]) is None for t in a if (k := (t["entry_bar"], t["exit_bar"])) in by_key)


def equal_lists(a: list[dict], b: list[dict]) -> tuple[bool, str]:
    if len(a) != len(b):
        return False, f"{len(a)} trades vs {len(b)}"
    for k, (x, y) in enumerate(zip(a, b)):
        why = trade_mismatch(x, y)
        if why:
            return False, f"first difference at trade {k}: {why}"
    return True, "equal"


def main() -> int:
    ap = argparse.ArgumentParser(description="compare the backtest benchmark's trade lists")
    ap.add_argument("keel")
    ap.add_argument("vectorbt")
    ap.add_argument("backtesting")
    ap.add_argument("--vectorbt-rust", help="vectorbt's Rust-engine list (accepted as an equal reference)")
    ap.add_argument("--csv", default=default_csv())
    ap.add_argument("--label", default="keel", help="name of the first list in the output")
    ap.add_argument("--allow-noise", action="store_true",
                    help="pass when every difference with vectorbt is a noise cross (default: exact equality)")
    ap.add_argument("--quiet", action="store_true", help="counts only, no per-difference table")
    args = ap.parse_args()

    keel, vbt, btp = load(args.keel), load(args.vectorbt), load(args.backtesting)
    vbt_rs = load(args.vectorbt_rust) if args.vectorbt_rust else None
    series = Series(args.csv)
    verbose = not args.quiet
    me = args.label

    def summary(name: str, trades: list[dict]) -> None:
        closed = [t for t in trades if t["exit_bar"] is not None]
        pnl = math.fsum(float(t["pnl"]) for t in closed)
        print(f"{name:22} trades={len(trades):6d} closed={len(closed):6d} open_at_end={len(trades) - len(closed)}"
              f" pnl_closed={pnl:.6f}")

    summary(me, keel)
    summary("vectorbt (numba)", vbt)
    if vbt_rs is not None:
        summary("vectorbt (rust)", vbt_rs)
    summary("backtesting.py", btp)

    ok_numba, why_numba = equal_lists(keel, vbt)
    print(f"{me} vs vectorbt (numba): {'EQUAL' if ok_numba else 'DIFFERENT: ' + why_numba}")
    ok = ok_numba
    noise_only = False
    if not ok_numba:
        c = explain(me, keel, "vectorbt", vbt, series, verbose)
        noise_only = c["events"] == c["noise"] and same_bars_agree(keel, vbt)
    if vbt_rs is not None:
        ok_rust, why_rust = equal_lists(keel, vbt_rs)
        print(f"{me} vs vectorbt (rust):  {'EQUAL' if ok_rust else 'DIFFERENT: ' + why_rust}")
        if not ok_rust:
            explain(me, keel, "vectorbt-rust", vbt_rs, series, verbose)
        ok = ok_numba or ok_rust
        same, _ = equal_lists(vbt, vbt_rs)
        if not same:
            c = explain("vectorbt-numba", vbt, "vectorbt-rust", vbt_rs, series, False)
            print(f"(vectorbt's own engines differ at {c['events']} entry/exit events: "
                  f"{c['noise']} noise, {c['state']} state, {c['UNEXPLAINED']} unexplained)")

    exact, ties = series.exact_events()
    print(f"exact arithmetic on the CSV's decimal prices: {len([e for e in exact if e[0] == 'entry'])} entries;"
          f" bars with fast == slow exactly: {ties}")
    named = [(me, keel), ("vectorbt (numba)", vbt)] + ([("vectorbt (rust)", vbt_rs)] if vbt_rs else [])
    for name, trades in named + [("backtesting.py", btp)]:
        print(f"  {name:22} entry/exit events that differ from exact arithmetic: {len(events(trades) ^ exact)}")

    same_bt, why_bt = equal_lists(keel, btp)
    print(f"{me} vs backtesting.py:   {'EQUAL' if same_bt else 'DIFFERENT: ' + why_bt}")
    if not same_bt:
        c = explain(me, keel, "backtesting.py", btp, series, verbose)
        print(f"  differing entry/exit events: {c['events']} = noise {c['noise']} + last bar {c['last bar']}"
              f" + state {c['state']} + UNEXPLAINED {c['UNEXPLAINED']}")
        keys_k = {(t["entry_bar"], t["exit_bar"]) for t in keel}
        keys_b = {(t["entry_bar"], t["exit_bar"]) for t in btp}
        print(f"  trades only in {me}: {len(keys_k - keys_b)}, only in backtesting.py: {len(keys_b - keys_k)}")
        # Trades present in both (same entry and exit bar) must agree in price and pnl.
        by_key = {(t["entry_bar"], t["exit_bar"]): t for t in btp}
        bad = [(t, by_key[k]) for t in keel if (k := (t["entry_bar"], t["exit_bar"])) in by_key
               and trade_mismatch(t, by_key[k])]
        print(f"  trades with the same bars but other prices/qty/pnl: {len(bad)}")
        for t, u in bad[:5]:
            print(f"    {t} vs {u}: {trade_mismatch(t, u)}")
        if c["UNEXPLAINED"] or bad:
            print("  WARNING: some differences with backtesting.py are not explained by noise")

    if not ok and args.allow_noise and noise_only:
        print(f"OK (--allow-noise): {me}'s trade list differs from vectorbt's only at noise crosses")
        return 0
    if not ok:
        print(f"FAIL: {me}'s trade list does not equal vectorbt's")
        return 1
    print(f"OK: {me}'s trade list equals vectorbt's" +
          ("" if ok_numba else " (Rust engine's list)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
