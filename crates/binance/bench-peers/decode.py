"""Decode the same Binance aggTrade file as crates/binance/benches/decode.rs with orjson and
msgspec (one core) and print messages/s.

Usage: python decode.py <path to binance_aggtrade_1m.jsonl>
"""

import sys
import time
from decimal import Decimal

import msgspec
import orjson


class AggTrade(msgspec.Struct):
    e: str
    s: str
    a: int
    p: str
    q: str
    T: int
    m: bool


class AggTradeDec(msgspec.Struct):
    e: str
    s: str
    a: int
    p: Decimal
    q: Decimal
    T: int
    m: bool


def measure(name, lines, fn, runs=3):
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for line in lines:
            fn(line)
        best = min(best, time.perf_counter() - t0)
    n = len(lines)
    print(f"{name:<58} {n / best / 1e6:6.2f} M msgs/s  ({best * 1e9 / n:.0f} ns/msg, best of {runs})")


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    print(f"messages: {len(lines)} from {path}")
    measure("orjson.loads -> dict", lines, orjson.loads)
    measure(
        "orjson.loads -> dict + Decimal(p), Decimal(q)",
        lines,
        lambda l: (lambda d: (Decimal(d["p"]), Decimal(d["q"])))(orjson.loads(l)),
    )
    dec = msgspec.json.Decoder(AggTrade)
    measure("msgspec Struct (p, q as str)", lines, dec.decode)
    dec2 = msgspec.json.Decoder(AggTradeDec)
    measure("msgspec Struct (p, q as decimal.Decimal)", lines, dec2.decode)


if __name__ == "__main__":
    main()
