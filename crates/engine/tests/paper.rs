//! Paper runs: a strategy on a simulated account, fed by a replayed session or a live market.
//! The replay of a recorded session must give exactly the backtest's fills and report, and a
//! live paper run must never send an order to the venue.

#![allow(clippy::unwrap_used)]

use keel_engine::backtests::{BacktestRequest, BacktestSettings, DataRef, StrategyRef};
use keel_engine::paper::{PaperRequest, PaperSource};
use keel_engine::{Engine, EngineConfig, SecretsMode};
use keel_strategy::ParamSet;
use std::time::Duration;

async fn engine(dir: &tempfile::TempDir) -> Engine {
    let mut config = EngineConfig::new(dir.path().to_path_buf());
    config.secrets = SecretsMode::VaultFile;
    config.demo_tick_ms = 10;
    Engine::start(config).await.expect("engine")
}

fn settings() -> BacktestSettings {
    BacktestSettings {
        initial_cash: "10".into(),
        ..BacktestSettings::default()
    }
}

fn sma(fast: f64, slow: f64, qty: f64) -> (StrategyRef, ParamSet) {
    (
        StrategyRef::Builtin {
            name: "sma_cross".into(),
        },
        ParamSet::of(&[("fast", fast), ("slow", slow), ("qty", qty)]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_replay_of_a_recorded_session_gives_the_backtests_fills() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/data/binance_XRPETH_trades_2019-10.csv");
    let imported = engine
        .import_csv(&csv, "binance", "XRP/ETH", None)
        .await
        .expect("import");
    let session_id = imported.session_id.expect("trades become a session");

    let (strategy, params) = sma(3.0, 8.0, 50.0);
    let backtest = engine
        .run_backtest(BacktestRequest {
            name: None,
            strategy: strategy.clone(),
            params: params.clone(),
            data: DataRef::Session {
                session_id,
                symbol: "XRP/ETH".into(),
                interval_ms: 60_000,
            },
            settings: settings(),
        })
        .await
        .expect("backtest");
    assert!(backtest.trades > 5, "{backtest:?}");

    for speed in [0, 1_000_000] {
        let started = engine
            .start_paper(PaperRequest {
                name: None,
                source: PaperSource::Replay { session_id, speed },
                symbol: "XRP/ETH".into(),
                interval_ms: 60_000,
                strategy: strategy.clone(),
                params: params.clone(),
                settings: settings(),
            })
            .await
            .expect("paper run");
        let done = tokio::time::timeout(Duration::from_secs(60), engine.wait_paper(started.id))
            .await
            .expect("the replay ends")
            .expect("paper run");
        assert_eq!(done.trades_seen, 12_477);
        assert_eq!(done.events_missed, 0);
        let paper = engine
            .backtest_report(done.report_id.expect("saved"))
            .await
            .unwrap();
        let bt = engine.backtest_report(backtest.id).await.unwrap();
        let fills =
            |json: &str| serde_json::from_str::<serde_json::Value>(json).unwrap()["fills"].clone();
        assert!(fills(&bt).as_array().unwrap().len() > 10);
        assert_eq!(fills(&paper), fills(&bt), "speed {speed}");
        // Not only the fills: the whole report is the same bytes.
        if paper != bt {
            let (p, b): (serde_json::Value, serde_json::Value) = (
                serde_json::from_str(&paper).unwrap(),
                serde_json::from_str(&bt).unwrap(),
            );
            let differ: Vec<String> = b
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, v)| p.get(k.as_str()) != Some(*v))
                .map(|(k, v)| {
                    let short =
                        |x: &serde_json::Value| x.to_string().chars().take(300).collect::<String>();
                    format!(
                        "{k}: backtest {} / paper {}",
                        short(v),
                        short(&p[k.as_str()])
                    )
                })
                .collect();
            panic!("speed {speed}: the reports differ in {differ:#?}");
        }
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_paper_run_trades_the_demo_market_without_sending_an_order() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let (strategy, params) = sma(2.0, 3.0, 0.001);
    let started = engine
        .start_paper(PaperRequest {
            name: Some("live paper".into()),
            source: PaperSource::Live {
                account_id: "demo".into(),
            },
            symbol: "BTC/USDT".into(),
            interval_ms: 1_000,
            strategy,
            params,
            settings: BacktestSettings {
                initial_cash: "100000".into(),
                ..BacktestSettings::default()
            },
        })
        .await
        .expect("paper run");
    assert!(started.running);
    // Let it see a few seconds of the Demo market.
    let mut seen = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        seen = engine.paper_runs()[0].trades_seen;
        if seen > 20 {
            break;
        }
    }
    assert!(seen > 20, "the paper run saw {seen} trades");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let stopped = engine.stop_paper(started.id).await.unwrap();
    assert!(!stopped.running);
    let report: serde_json::Value = serde_json::from_str(
        &engine
            .backtest_report(stopped.report_id.unwrap())
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(report["bars"].as_u64().unwrap() >= 3, "{}", report["bars"]);
    // Orders never reach the venue: the Demo account has no orders at all.
    assert!(engine.recent_orders("demo", 100).await.unwrap().is_empty());
    let runs = engine.backtest_runs().await.unwrap();
    assert_eq!(runs[0].name, "live paper");
    assert!(
        runs[0]
            .data_label
            .starts_with("paper: live BTC/USDT on demo")
    );
    // A bad request is refused with a reason.
    let (strategy, params) = sma(2.0, 3.0, 1.0);
    let e = engine
        .start_paper(PaperRequest {
            name: None,
            source: PaperSource::Live {
                account_id: "nope".into(),
            },
            symbol: "BTC/USDT".into(),
            interval_ms: 1_000,
            strategy,
            params,
            settings: BacktestSettings::default(),
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("nope"), "{}", e.message);
    engine.shutdown().await;
}
