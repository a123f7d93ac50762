//! Streaming throughput: every indicator fed one value at a time over 10,000,000 points of a
//! seeded random walk, best of 11 runs (on a shared machine the minimum is the least disturbed
//! run), in ns per point. The points are also written once to
//! `<target>/indicators-bench/points.f64` (little-endian f64, 4 columns per point: close, high,
//! low, volume) so `reference/bench_talib.py` times TA-Lib on exactly the same data; the
//! figures go to `<target>/indicators-bench/keel.tsv`.
//!
//!   cargo bench -p keel-indicators --bench indicators      (or benches/indicators/run.sh)

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use keel_indicators::{
    Atr, Bollinger, CloseVolume, Ema, Hlc, Indicator, Macd, Obv, PriceVolume, Rsi, Sma, Stoch,
    Tick, TimeWeightedPrice, Velocity, VolumeSurge, Vwap, Wma,
};

const N: usize = 10_000_000;
const RUNS: usize = 11;

struct Points {
    close: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    volume: Vec<f64>,
}

/// SplitMix64: a small, well-mixed seeded generator (no dependency).
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn generate() -> Points {
    let mut rng = SplitMix(0x4b45_454c_2024);
    let mut p = Points {
        close: Vec::with_capacity(N),
        high: Vec::with_capacity(N),
        low: Vec::with_capacity(N),
        volume: Vec::with_capacity(N),
    };
    let mut price = 100.0;
    for _ in 0..N {
        price *= 1.0 + 0.001 * rng.unit();
        let up = price * 0.0005 * rng.unit().abs();
        let down = price * 0.0005 * rng.unit().abs();
        p.close.push(price);
        p.high.push(price + up);
        p.low.push(price - down);
        p.volume.push(1.0 + 10.0 * rng.unit().abs());
    }
    p
}

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("indicators-bench")
}

fn write_points(p: &Points, dir: &PathBuf) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("points.f64");
    let mut bytes = Vec::with_capacity(N * 32);
    for i in 0..N {
        for v in [p.close[i], p.high[i], p.low[i], p.volume[i]] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let unchanged = std::fs::read(&path)
        .map(|old| old == bytes)
        .unwrap_or(false);
    if !unchanged {
        std::fs::File::create(&path)?.write_all(&bytes)?;
    }
    Ok(path)
}

/// Best-of-`RUNS` ns per point of feeding every input through a fresh indicator.
fn time<I: Indicator, F: Fn() -> I>(make: F, inputs: &[I::Input]) -> f64
where
    I::Input: Copy,
{
    let mut best = f64::INFINITY;
    for _ in 0..RUNS {
        let mut ind = make();
        // The compiler may assume nothing about the data, and must produce every output.
        let data = black_box(inputs);
        let start = Instant::now();
        for &x in data {
            black_box(ind.update(x));
        }
        let ns = start.elapsed().as_nanos() as f64 / data.len() as f64;
        best = best.min(ns);
    }
    best
}

fn main() -> std::io::Result<()> {
    let p = generate();
    let dir = out_dir();
    let path = write_points(&p, &dir)?;
    let hlc: Vec<Hlc> = (0..N)
        .map(|i| Hlc {
            high: p.high[i],
            low: p.low[i],
            close: p.close[i],
        })
        .collect();
    let cv: Vec<CloseVolume> = (0..N)
        .map(|i| CloseVolume {
            close: p.close[i],
            volume: p.volume[i],
        })
        .collect();
    let pv: Vec<PriceVolume> = (0..N)
        .map(|i| PriceVolume {
            price: p.close[i],
            volume: p.volume[i],
        })
        .collect();
    // Ten ticks a second with jitter (0..200 ms gaps).
    let mut rng = SplitMix(7);
    let mut t = 1_700_000_000_000i64;
    let ticks: Vec<Tick> = (0..N)
        .map(|i| {
            t += (rng.next_u64() % 200) as i64;
            Tick {
                t_ms: t,
                price: p.close[i],
                volume: p.volume[i],
            }
        })
        .collect();

    let c = &p.close[..];
    let results: Vec<(&str, f64)> = vec![
        ("SMA(30)", time(|| Sma::new(30).expect("valid"), c)),
        ("EMA(30)", time(|| Ema::new(30).expect("valid"), c)),
        ("WMA(30)", time(|| Wma::new(30).expect("valid"), c)),
        ("RSI(14)", time(|| Rsi::new(14).expect("valid"), c)),
        (
            "MACD(12,26,9)",
            time(|| Macd::new(12, 26, 9).expect("valid"), c),
        ),
        (
            "BBANDS(20,2,2)",
            time(|| Bollinger::new(20, 2.0, 2.0).expect("valid"), c),
        ),
        ("ATR(14)", time(|| Atr::new(14).expect("valid"), &hlc)),
        (
            "STOCH(14,3,3)",
            time(|| Stoch::new(14, 3, 3).expect("valid"), &hlc),
        ),
        ("OBV", time(Obv::new, &cv)),
        ("VWAP", time(Vwap::new, &pv)),
        (
            "TWP(300,0)",
            time(|| TimeWeightedPrice::new(300, 0).expect("valid"), &ticks),
        ),
        (
            "VELOCITY((300,0),(600,300))",
            time(
                || Velocity::new((300, 0), (600, 300)).expect("valid"),
                &ticks,
            ),
        ),
        (
            "VOLSURGE((60,0),(3600,60))",
            time(
                || VolumeSurge::new((60, 0), (3600, 60)).expect("valid"),
                &ticks,
            ),
        ),
    ];

    println!("keel-indicators, streaming one value at a time, {N} points, best of {RUNS}");
    println!("points: {}", path.display());
    let mut tsv = String::new();
    for (name, ns) in &results {
        println!("{name:<30} {ns:>7.2} ns/point");
        tsv.push_str(&format!("{name}\t{ns:.3}\n"));
    }
    std::fs::write(dir.join("keel.tsv"), tsv)?;
    Ok(())
}
