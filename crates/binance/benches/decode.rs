//! aggTrade decode throughput on one core (figures for the docs).
//!
//! Generates 1,000,000 realistic Binance aggTrade stream messages (seeded), writes them once to
//! `$CARGO_TARGET_TMPDIR/binance_aggtrade_1m.jsonl` (one per line, so `bench-peers/` decode the
//! same bytes), then measures messages/s of:
//!   (a) Keel's production decoder (fast scanner, serde fallback) into a domain `Trade`
//!       (exact `Decimal` price and quantity);
//!   (b) serde_json into a typed struct with `f64` price and quantity;
//!   (c) serde_json into a borrowed struct + `Decimal::from_str` (Keel's reference path).
//!
//! Run: `cargo bench -p keel-binance --bench decode`

use keel_binance::spot::fast::{decode_agg_trade, decode_agg_trade_serde};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

const N: usize = 1_000_000;
const RUNS: usize = 5;

fn generate() -> String {
    let mut rng = StdRng::seed_from_u64(0x6b65656c);
    let mut out = String::with_capacity(N * 170);
    let mut price_cents: i64 = 6_432_157; // 64321.57
    let mut agg_id: u64 = 3_001_234_567;
    let mut first_id: u64 = 4_100_000_000;
    let mut ts: i64 = 1_718_000_000_000;
    let symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"];
    for _ in 0..N {
        price_cents = (price_cents + rng.random_range(-300..=300)).max(100);
        let qty_units: u64 = match rng.random_range(0..10) {
            0..=6 => rng.random_range(1..100_000), // up to 0.001 BTC
            7..=8 => rng.random_range(100_000..10_000_000),
            _ => rng.random_range(10_000_000..500_000_000),
        };
        let trades = rng.random_range(0..4u64);
        ts += rng.random_range(0..40);
        let t = ts - rng.random_range(0..5);
        agg_id += 1;
        let symbol = symbols[rng.random_range(0..symbols.len())];
        let maker = rng.random_bool(0.5);
        out.push_str(&format!(
            r#"{{"e":"aggTrade","E":{ts},"s":"{symbol}","a":{agg_id},"p":"{}.{:02}000000","q":"{}.{:08}","f":{first_id},"l":{},"T":{t},"m":{maker},"M":true}}"#,
            price_cents / 100,
            price_cents % 100,
            qty_units / 100_000_000,
            qty_units % 100_000_000,
            first_id + trades,
        ));
        out.push('\n');
        first_id += trades + 1;
    }
    out
}

#[derive(Deserialize)]
struct AggF64<'a> {
    #[allow(dead_code)]
    e: &'a str,
    s: &'a str,
    a: u64,
    #[serde(deserialize_with = "f64_from_str")]
    p: f64,
    #[serde(deserialize_with = "f64_from_str")]
    q: f64,
    #[serde(rename = "T")]
    t: i64,
    m: bool,
}

fn f64_from_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let s: &str = Deserialize::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

fn measure(name: &str, lines: &[&str], mut f: impl FnMut(&str) -> bool) {
    let mut best = f64::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut ok = 0usize;
        for l in lines {
            if f(black_box(l)) {
                ok += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(ok, lines.len(), "{name}: every message decodes");
        best = best.min(secs);
    }
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    println!(
        "{name:<58} {:>6.2} M msgs/s  {:>7.1} MB/s  ({:.1} ns/msg, best of {RUNS})",
        lines.len() as f64 / best / 1e6,
        bytes as f64 / best / 1e6,
        best * 1e9 / lines.len() as f64
    );
}

fn main() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("binance_aggtrade_1m.jsonl");
    let text = generate();
    let mut file = std::fs::File::create(&path).expect("create bench file");
    file.write_all(text.as_bytes()).expect("write bench file");
    println!("messages: {N} ({} bytes) -> {}", text.len(), path.display());
    let lines: Vec<&str> = text.lines().collect();

    // The fast path must agree with the reference on the whole file.
    for l in &lines {
        assert_eq!(decode_agg_trade(l), decode_agg_trade_serde(l));
    }

    measure("(a) keel fast decoder -> Trade (Decimal)", &lines, |l| {
        decode_agg_trade(l).map(|m| black_box(m.trade)).is_ok()
    });
    measure("(b) serde_json typed struct, f64 price/qty", &lines, |l| {
        serde_json::from_str::<AggF64<'_>>(l)
            .map(|m| black_box((m.s, m.a, m.p, m.q, m.t, m.m)))
            .is_ok()
    });
    measure(
        "(c) serde_json borrowed struct + Decimal::from_str",
        &lines,
        |l| {
            decode_agg_trade_serde(l)
                .map(|m| black_box(m.trade))
                .is_ok()
        },
    );
}
