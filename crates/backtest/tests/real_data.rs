//! Backtests on real market data (the files under crates/store/tests/data, from freqtrade's test
//! data; see the README there), checked against what a trader relies on: fills at the signal
//! bar's close, exact Decimal accounting, byte-identical reports, and committed snapshots.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p keel-backtest --test real_data` rewrites the snapshots after
//! an intended change; review the diff.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use keel_backtest::sweep::{Factory, parameter_sets};
use keel_backtest::{
    BacktestConfig, BarSeries, Objective, Progress, Report, Search, SweepSpec, run_bars,
    run_trades, sweep, walk_forward,
};
use keel_domain::Side;
use keel_sim::venue::{Fees, SimConfig};
use keel_strategy::builtin::SmaCross;
use keel_strategy::{ParamSet, ParamSpec, Strategy};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/data")
        .join(file)
}

fn series(file: &str, interval_ms: i64) -> BarSeries {
    let path = data(file);
    let text = std::fs::read_to_string(&path).expect("test data");
    let parsed =
        keel_store::csv_import::parse_candles(file, &text, Some(interval_ms)).expect("valid csv");
    BarSeries::from_candles(&parsed.candles, interval_ms).expect("valid series")
}

fn cfg(cash: Decimal, price_dp: u32) -> BacktestConfig {
    BacktestConfig {
        initial_cash: cash,
        venue: SimConfig {
            fees: Fees {
                maker: dec!(0.001),
                taker: dec!(0.001),
            },
            tick_size: Decimal::new(1, price_dp),
            step_size: dec!(0.00000001),
            ..SimConfig::default()
        },
        risk: Default::default(),
    }
}

fn sma(fast: u32, slow: u32, qty: Decimal) -> Box<dyn Strategy> {
    Box::new(SmaCross::new(fast, slow, qty).expect("valid parameters"))
}

fn snapshot(name: &str, report: &Report) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.json"));
    // Printed straight from the report: parsing floats back would depend on serde_json's
    // `float_roundtrip` feature, which differs between a package build and a workspace build.
    let json = serde_json::to_string_pretty(report).unwrap();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, json + "\n").unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {path:?}: run with UPDATE_SNAPSHOTS=1"));
    if want.trim_end() != json.trim_end() {
        let first = want
            .lines()
            .zip(json.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(json.lines().count()));
        panic!(
            "the report of {name} differs from its snapshot {path:?} at line {}: want {:?}, got {:?}; rerun with UPDATE_SNAPSHOTS=1 if intended",
            first + 1,
            want.lines().nth(first),
            json.lines().nth(first)
        );
    }
}

#[test]
fn sma_cross_on_eth_btc_fills_every_signal_at_its_close_with_exact_accounting() {
    let s = series("binance_ETHBTC_5m_2018-01.csv", 300_000);
    assert_eq!(s.len(), 5_760);
    let r = run_bars(&s, sma(10, 30, dec!(1)), &cfg(dec!(10), s.price_dp));
    assert!(r.metrics.trades > 20, "{} trades", r.metrics.trades);
    assert_eq!(r.metrics.rejected_orders, 0, "{:?}", r.rejections);
    // Each fill is at its bar's close, with a 0.1 % fee on the notional.
    for f in &r.fills {
        assert_eq!(f.price, s.candle(f.bar).close, "fill at bar {}", f.bar);
        assert_eq!(f.fee, (f.price * f.qty * dec!(0.001)));
        assert!(!f.maker);
    }
    // Round trips alternate buy then sell, and each PnL is exactly (exit - entry) * qty - fees.
    let mut cash = dec!(10);
    for t in &r.trades {
        assert_eq!(t.side, Side::Buy);
        let exit = t.exit_price.expect("closed");
        assert_eq!(t.pnl, (exit - t.entry_price) * t.qty - t.fees);
        cash += t.pnl;
    }
    let open_pnl = r.open_trade.as_ref().map_or(Decimal::ZERO, |t| t.pnl);
    assert_eq!(r.final_equity, cash + open_pnl);
    // The curve starts and ends where the account does.
    let last = r.equity.last().unwrap();
    assert_eq!(last.t_ms, r.end_ms);
    assert!(
        (last.value - rust_decimal::prelude::ToPrimitive::to_f64(&r.final_equity).unwrap()).abs()
            < 1e-9
    );
    assert!(r.metrics.max_drawdown >= 0.0 && r.metrics.max_drawdown < 1.0);
    assert!(r.drawdown.iter().all(|p| p.value <= 0.0));
    snapshot("sma_cross_ethbtc_5m", &r);
}

#[test]
fn the_same_backtest_twice_gives_byte_identical_reports() {
    let s = series("binance_usdm_XRPUSDT_5m_2021-11.csv", 300_000);
    let a = run_bars(&s, sma(5, 20, dec!(100)), &cfg(dec!(10000), s.price_dp)).to_json();
    let b = run_bars(&s, sma(5, 20, dec!(100)), &cfg(dec!(10000), s.price_dp)).to_json();
    assert!(a.len() > 1_000);
    assert_eq!(a, b);
}

#[test]
fn snapshots_of_every_candle_file() {
    for (file, interval, name, cash, qty) in [
        (
            "binance_XRPETH_1m_2019-10.csv",
            60_000,
            "sma_cross_xrpeth_1m",
            dec!(10),
            dec!(100),
        ),
        (
            "binance_usdm_XRPUSDT_5m_2021-11.csv",
            300_000,
            "sma_cross_xrpusdt_5m",
            dec!(10000),
            dec!(100),
        ),
    ] {
        let s = series(file, interval);
        let r = run_bars(&s, sma(10, 30, qty), &cfg(cash, s.price_dp));
        assert!(r.metrics.fills > 0, "{file}");
        snapshot(name, &r);
    }
}

#[test]
fn a_gap_in_the_candles_is_reported_not_invented() {
    // The XRP/ETH minutes have 676 holes, 1,091 candles missing in all.
    let s = series("binance_XRPETH_1m_2019-10.csv", 60_000);
    assert_eq!(s.gaps.len(), 676);
    assert_eq!(s.gaps.iter().map(|g| g.missing).sum::<i64>(), 1_091);
    let r = run_bars(&s, sma(10, 30, dec!(100)), &cfg(dec!(10), s.price_dp));
    assert_eq!(r.bars, s.len());
    assert_eq!(r.gaps, s.gaps);
}

#[test]
fn orders_the_account_cannot_pay_for_are_refused_with_a_reason() {
    let s = series("binance_ETHBTC_5m_2018-01.csv", 300_000);
    // 0.05 BTC cannot buy 1 ETH at ~0.1 BTC.
    let r = run_bars(&s, sma(10, 30, dec!(1)), &cfg(dec!(0.05), s.price_dp));
    assert_eq!(r.metrics.fills, 0);
    assert!(r.metrics.rejected_orders > 0);
    assert!(
        r.rejections[0].contains("insufficient cash"),
        "{}",
        r.rejections[0]
    );
}

#[test]
fn a_tick_backtest_fills_against_the_recorded_trades() {
    let path = data("binance_XRPETH_trades_2019-10.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let trades = keel_store::csv_import::parse_trades("trades", &text)
        .unwrap()
        .trades;
    assert_eq!(trades.len(), 12_477);
    let price_dp = trades.iter().map(|t| t.price.scale()).max().unwrap();
    let r = run_trades(
        &trades,
        60_000,
        price_dp,
        sma(3, 8, dec!(50)),
        &cfg(dec!(10), price_dp),
    );
    assert!(r.metrics.fills > 0);
    for f in &r.fills {
        // A market order decided on a bar fills at the last traded price before it (no book).
        let last = trades[..f.bar.max(1)].last().unwrap();
        assert_eq!(f.price, last.price, "fill {f:?}");
    }
    let again = run_trades(
        &trades,
        60_000,
        price_dp,
        sma(3, 8, dec!(50)),
        &cfg(dec!(10), price_dp),
    );
    assert_eq!(r.to_json(), again.to_json());
}

fn sma_factory() -> Box<Factory<'static>> {
    Box::new(|p: &ParamSet| SmaCross::from_params(p).map(|s| Box::new(s) as Box<dyn Strategy>))
}

#[test]
fn a_grid_sweep_runs_every_set_reports_progress_and_fills_the_heatmap() {
    let s = series("binance_ETHBTC_5m_2018-01.csv", 300_000);
    let spec = SweepSpec {
        params: vec![
            ParamSpec::new("fast", 5.0, 20.0, 5.0),
            ParamSpec::new("slow", 20.0, 60.0, 10.0),
        ],
        fixed: ParamSet::of(&[("qty", 1.0)]),
        search: Search::Grid,
        objective: Objective::TotalReturn,
    };
    let progress = Progress::default();
    let factory = sma_factory();
    let result = sweep(
        &s,
        &*factory,
        &cfg(dec!(10), s.price_dp),
        &spec,
        2,
        &progress,
    )
    .unwrap();
    assert_eq!(result.rows.len(), 20);
    assert_eq!(progress.done.load(Ordering::Relaxed), 20);
    // fast 20 / slow 20 is not a valid cross: that row says why, the others ran.
    let bad: Vec<_> = result.rows.iter().filter(|r| r.error.is_some()).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].error.as_ref().unwrap().contains("fast"));
    // The best row is the highest total return, and each row equals a single run.
    let best = &result.rows[result.best.unwrap()];
    let max = result
        .rows
        .iter()
        .filter_map(|r| r.score)
        .fold(f64::MIN, f64::max);
    assert_eq!(best.score, Some(max));
    let single = run_bars(
        &s,
        factory(&best.params).unwrap(),
        &cfg(dec!(10), s.price_dp),
    );
    assert_eq!(best.metrics.as_ref().unwrap(), &single.metrics);
    let hm = result.heatmap.unwrap();
    assert_eq!((hm.xs.len(), hm.ys.len()), (4, 5));
    assert_eq!(
        hm.cells.iter().flatten().filter(|c| c.is_some()).count(),
        19
    );
}

#[test]
fn random_search_is_seeded_and_distinct() {
    let spec = SweepSpec {
        params: vec![
            ParamSpec::new("fast", 2.0, 30.0, 1.0),
            ParamSpec::new("slow", 31.0, 120.0, 1.0),
        ],
        fixed: ParamSet::default(),
        search: Search::Random {
            samples: 50,
            seed: 7,
        },
        objective: Objective::Sharpe,
    };
    let a = parameter_sets(&spec).unwrap();
    assert_eq!(a, parameter_sets(&spec).unwrap());
    assert_eq!(a.len(), 50);
    let mut labels: Vec<String> = a.iter().map(ParamSet::label).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), 50);
}

#[test]
fn a_canceled_sweep_stops_and_says_so() {
    let s = series("binance_ETHBTC_5m_2018-01.csv", 300_000);
    let spec = SweepSpec {
        params: vec![
            ParamSpec::new("fast", 2.0, 9.0, 1.0),
            ParamSpec::new("slow", 10.0, 200.0, 1.0),
        ],
        fixed: ParamSet::of(&[("qty", 1.0)]),
        search: Search::Grid,
        objective: Objective::TotalReturn,
    };
    let progress = Progress::default();
    progress.cancel.store(true, Ordering::Relaxed);
    let factory = sma_factory();
    let e = sweep(
        &s,
        &*factory,
        &cfg(dec!(10), s.price_dp),
        &spec,
        2,
        &progress,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "canceled");
    assert_eq!(progress.done.load(Ordering::Relaxed), 0);
}

#[test]
fn walk_forward_sweeps_in_sample_and_tests_out_of_sample() {
    let s = series("binance_ETHBTC_5m_2018-01.csv", 300_000);
    let spec = SweepSpec {
        params: vec![
            ParamSpec::new("fast", 5.0, 15.0, 5.0),
            ParamSpec::new("slow", 30.0, 50.0, 10.0),
        ],
        fixed: ParamSet::of(&[("qty", 1.0)]),
        search: Search::Grid,
        objective: Objective::TotalReturn,
    };
    let factory = sma_factory();
    let wf = walk_forward(
        &s,
        &*factory,
        &cfg(dec!(10), s.price_dp),
        &spec,
        3,
        0.7,
        2,
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(wf.folds.len(), 3);
    let mut compounded = 1.0;
    for (k, f) in wf.folds.iter().enumerate() {
        assert_eq!(f.in_sample.1, f.out_of_sample_range.0);
        assert_eq!(f.in_sample.0, k * (s.len() / 3));
        let best = f.best.as_ref().expect("a best set");
        // The out-of-sample figures are a plain run of the best set on that range.
        let oos = run_bars(
            &s.slice(f.out_of_sample_range.0..f.out_of_sample_range.1),
            factory(best).unwrap(),
            &cfg(dec!(10), s.price_dp),
        );
        assert_eq!(f.out_of_sample.as_ref().unwrap(), &oos.metrics);
        compounded *= 1.0 + oos.metrics.total_return;
    }
    assert!((wf.out_of_sample_return - (compounded - 1.0)).abs() < 1e-15);
    let e = walk_forward(
        &s.slice(0..100),
        &*factory,
        &cfg(dec!(10), s.price_dp),
        &spec,
        3,
        0.7,
        2,
        &Progress::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("too short"), "{e}");
}
