//! Depth-diff-to-visible latency of `BookSync`: `on_diff` + `top(20)` per diff, for a realistic
//! stream (100k diffs of ~10 levels around a drifting mid, about 1000 levels per side), printed
//! as per-diff percentiles.
//!
//! Run: `cargo bench -p keel-transport --bench book`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use keel_transport::{BookStatus, BookSync, DepthDiff, DepthSnapshot, SequenceRule};
use rust_decimal::Decimal;

const DIFFS: usize = 100_000;
const LEVELS_PER_SIDE: i64 = 1_000;
const UPDATES_PER_DIFF: usize = 10;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn price(ticks: i64) -> Decimal {
    Decimal::new(ticks, 2)
}

fn qty(rng: &mut Rng) -> Decimal {
    Decimal::new(i64::try_from(1 + rng.below(50_000)).unwrap_or(1), 3)
}

/// A snapshot and a continuous stream that never crosses (the generator keeps its own book).
fn market() -> (DepthSnapshot, Vec<DepthDiff>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut mid: i64 = 3_000_000; // 30000.00 in ticks of 0.01
    let mut bids: BTreeMap<i64, Decimal> = BTreeMap::new();
    let mut asks: BTreeMap<i64, Decimal> = BTreeMap::new();
    for k in 1..=LEVELS_PER_SIDE {
        bids.insert(mid - k, qty(&mut rng));
        asks.insert(mid + k, qty(&mut rng));
    }
    let snapshot = DepthSnapshot {
        last_update_id: 1_000,
        bids: bids.iter().map(|(p, q)| (price(*p), *q)).collect(),
        asks: asks.iter().map(|(p, q)| (price(*p), *q)).collect(),
        ts_ms: 0,
    };
    let mut diffs = Vec::with_capacity(DIFFS);
    let mut next_id = 1_001u64;
    for i in 0..DIFFS {
        // The mid drifts by a tick now and then.
        match rng.below(10) {
            0 => mid += 1,
            1 => mid -= 1,
            _ => {}
        }
        let mut d_bids = Vec::new();
        let mut d_asks = Vec::new();
        // Levels the move crossed are removed.
        let crossed_bids: Vec<i64> = bids.range(mid..).map(|(p, _)| *p).collect();
        for p in crossed_bids {
            bids.remove(&p);
            d_bids.push((price(p), Decimal::ZERO));
        }
        let crossed_asks: Vec<i64> = asks.range(..=mid).map(|(p, _)| *p).collect();
        for p in crossed_asks {
            asks.remove(&p);
            d_asks.push((price(p), Decimal::ZERO));
        }
        for _ in 0..UPDATES_PER_DIFF {
            // Most activity near the top: distance 1..=50 ticks, skewed towards 1.
            let k = 1 + i64::try_from(rng.below(50) * rng.below(50) / 50).unwrap_or(0);
            let remove = rng.below(5) == 0;
            let q = if remove { Decimal::ZERO } else { qty(&mut rng) };
            if rng.below(2) == 0 {
                let p = mid - k;
                if remove {
                    bids.remove(&p)
                } else {
                    bids.insert(p, q)
                };
                d_bids.push((price(p), q));
            } else {
                let p = mid + k;
                if remove {
                    asks.remove(&p)
                } else {
                    asks.insert(p, q)
                };
                d_asks.push((price(p), q));
            }
        }
        let len = 1 + rng.below(3);
        diffs.push(DepthDiff {
            first_update_id: next_id,
            final_update_id: next_id + len - 1,
            prev_final_update_id: None,
            bids: d_bids,
            asks: d_asks,
            ts_ms: i64::try_from(i).unwrap_or(0),
        });
        next_id += len;
    }
    (snapshot, diffs)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() {
    let (snapshot, diffs) = market();
    let levels: usize = diffs.iter().map(|d| d.bids.len() + d.asks.len()).sum();
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    assert_eq!(book.on_snapshot(snapshot), BookStatus::Synced);

    let mut per_diff = Vec::with_capacity(DIFFS);
    let started = Instant::now();
    for diff in diffs {
        let t = Instant::now();
        let status = book.on_diff(diff);
        let top = book.top(20);
        black_box(&top);
        per_diff.push(u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX));
        assert_eq!(status, BookStatus::Synced);
        assert_eq!(top.bids.len(), 20);
    }
    let total = started.elapsed();
    assert_eq!(book.gaps_detected(), 0);
    per_diff.sort_unstable();
    let mean = per_diff.iter().sum::<u64>() / per_diff.len() as u64;
    println!(
        "book: on_diff + top(20), {DIFFS} diffs, {:.1} levels/diff, ~{LEVELS_PER_SIDE} levels/side",
        levels as f64 / DIFFS as f64
    );
    println!(
        "  per diff ns: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}",
        percentile(&per_diff, 0.50),
        percentile(&per_diff, 0.90),
        percentile(&per_diff, 0.99),
        percentile(&per_diff, 0.999),
        per_diff.last().copied().unwrap_or(0),
        mean
    );
    println!(
        "  throughput: {:.0} diffs/s (wall {:.1} ms incl. timing)",
        DIFFS as f64 / total.as_secs_f64(),
        total.as_secs_f64() * 1000.0
    );
}
