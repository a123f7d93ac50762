//! The benchmark run: SMA(10)/SMA(30) cross on 1-minute closes, long only, 1 unit, fee 0.1 %,
//! cash 1e9, filled at the signal bar's close. See benches/backtest/README.md.
//!
//!   cargo run --release -p keel-backtest --example sma_cross -- --csv <file> \
//!       [--trades-out keel_trades.json] [--runs 5] [--sweep 1000] [--threads 2]
//!
//! Prints `keel bars_per_sec=<f> bars=<n> trades=<n> seconds=<f>` (the best of `--runs` runs of
//! the whole backtest: strategy, risk check, simulated venue, Decimal ledger, equity curve,
//! report), and with `--sweep N`, `keel sweep sets=<n> seconds=<f> threads=<t>`.

use std::time::Instant;

use keel_backtest::{
    BacktestConfig, BarSeries, Objective, Progress, Search, SweepSpec, run_bars, sweep,
};
use keel_sim::venue::{Fees, SimConfig};
use keel_strategy::builtin::SmaCross;
use keel_strategy::{ParamSet, ParamSpec, Strategy};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Nanoseconds this thread has spent on a CPU (Linux), to see through a busy machine.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let csv = arg(&args, "--csv").ok_or("--csv <file> is required")?;
    let runs: usize = arg(&args, "--runs").map_or(Ok(5), |s| s.parse())?;
    let text = std::fs::read_to_string(&csv)?;
    let t0 = Instant::now();
    let parsed = keel_store::csv_import::parse_candles(&csv, &text, Some(60_000))?;
    let series = BarSeries::from_candles(&parsed.candles, 60_000)?;
    eprintln!(
        "loaded {} candles in {:.2} s ({} gaps)",
        series.len(),
        t0.elapsed().as_secs_f64(),
        series.gaps.len()
    );
    let fee = Decimal::new(1, 3);
    let cfg = BacktestConfig {
        initial_cash: Decimal::from(1_000_000_000),
        venue: SimConfig {
            fees: Fees {
                maker: fee,
                taker: fee,
            },
            step_size: Decimal::new(1, 8),
            tick_size: Decimal::new(1, series.price_dp),
            ..SimConfig::default()
        },
        risk: Default::default(),
    };
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut report = None;
    for _ in 0..runs.max(1) {
        let strategy = Box::new(SmaCross::new(10, 30, Decimal::ONE)?);
        let cpu0 = thread_cpu_ns();
        let t = Instant::now();
        let r = run_bars(&series, strategy, &cfg);
        best = best.min(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu0, thread_cpu_ns()) {
            best_cpu = best_cpu.min((b - a) as f64 / 1e9);
        }
        report = Some(r);
    }
    if best_cpu < f64::MAX {
        eprintln!(
            "on-CPU time of the best run: {best_cpu:.4} s ({:.0} bars/s of CPU time)",
            series.len() as f64 / best_cpu
        );
    }
    let report = report.ok_or("no run")?;
    println!(
        "keel bars_per_sec={:.0} bars={} trades={} seconds={:.4}",
        series.len() as f64 / best,
        series.len(),
        report.trades.len() + usize::from(report.open_trade.is_some()),
        best
    );
    if let Some(out) = arg(&args, "--trades-out") {
        let f = |d: Decimal| d.to_f64().unwrap_or(f64::NAN);
        let mut rows: Vec<serde_json::Value> = report
            .trades
            .iter()
            .map(|t| {
                serde_json::json!({
                    "entry_bar": t.entry_bar, "exit_bar": t.exit_bar,
                    "entry_price": f(t.entry_price), "exit_price": t.exit_price.map(f),
                    "qty": f(t.qty), "pnl": f(t.pnl),
                })
            })
            .collect();
        if let Some(t) = &report.open_trade {
            rows.push(serde_json::json!({
                "entry_bar": t.entry_bar, "exit_bar": null,
                "entry_price": f(t.entry_price), "exit_price": null,
                "qty": f(t.qty), "pnl": f(t.pnl),
            }));
        }
        std::fs::write(&out, serde_json::to_string(&rows)?)?;
        eprintln!("wrote {} trades to {out}", rows.len());
    }
    if let Some(n) = arg(&args, "--sweep") {
        let n: usize = n.parse()?;
        let threads: usize = arg(&args, "--threads").map_or(Ok(0), |s| s.parse())?;
        // fast 2..=51 (50 values) x slow 60..=(60 + 5 * (n/50 - 1)): n sets.
        let slow_values = (n / 50).max(1) as f64;
        let spec = SweepSpec {
            params: vec![
                ParamSpec::new("fast", 2.0, 51.0, 1.0),
                ParamSpec::new("slow", 60.0, 60.0 + 5.0 * (slow_values - 1.0), 5.0),
            ],
            fixed: ParamSet::of(&[("qty", 1.0)]),
            search: Search::Grid,
            objective: Objective::TotalReturn,
        };
        let factory =
            |p: &ParamSet| SmaCross::from_params(p).map(|s| Box::new(s) as Box<dyn Strategy>);
        let progress = Progress::default();
        let t = Instant::now();
        let result = sweep(&series, &factory, &cfg, &spec, threads, &progress)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "keel sweep sets={} seconds={secs:.2} threads={} bars_per_sec={:.0}",
            result.rows.len(),
            if threads == 0 {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            } else {
                threads
            },
            result.rows.len() as f64 * series.len() as f64 / secs
        );
        if let Some(b) = result.best {
            eprintln!(
                "best: {} score {:?}",
                result.rows[b].params.label(),
                result.rows[b].score
            );
        }
    }
    Ok(())
}
