//! Paper runs: a strategy trading a simulated account against a live market (any connected
//! account's trades) or a recorded session replayed at 1x, 10x or full speed. Orders never
//! reach a venue.
//!
//! A paper run is the backtester's [`TickRun`] fed by events instead of a stored history: the
//! same strategy, simulated venue, fill model and ledger. Only the event source and its clock
//! differ, so a paper run over a recorded session gives the fills a backtest of that session
//! gives. When it stops (or its replay ends) its report is saved with the backtests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use keel_backtest::TickRun;
use keel_exchange::MarketEvent;
use keel_strategy::ParamSet;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, oneshot};
use ts_rs::TS;

use crate::api::{AppError, AppResult, ErrorCode};
use crate::backtests::{BacktestSettings, StrategyRef, interval_label};
use crate::engine::Engine;
use crate::market_data::Speed;

/// Where a paper run's market comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum PaperSource {
    /// The live trades of a connected account's market.
    #[serde(rename_all = "camelCase")]
    Live { account_id: String },
    /// A recorded session, replayed `speed` times faster than recorded (0 = as fast as possible).
    #[serde(rename_all = "camelCase")]
    Replay { session_id: i64, speed: u32 },
}

/// A paper run to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaperRequest {
    #[serde(default)]
    pub name: Option<String>,
    pub source: PaperSource,
    pub symbol: String,
    #[ts(type = "number")]
    pub interval_ms: i64,
    pub strategy: StrategyRef,
    #[serde(default)]
    pub params: ParamSet,
    #[serde(default)]
    pub settings: BacktestSettings,
}

/// A paper run as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaperRunView {
    #[ts(type = "number")]
    pub id: u64,
    pub name: String,
    pub symbol: String,
    pub running: bool,
    #[ts(type = "number")]
    pub trades_seen: u64,
    /// Market events lost because the run fell behind (its fills may differ from the market's).
    #[ts(type = "number")]
    pub events_missed: u64,
    #[ts(type = "number")]
    pub fills: u64,
    pub position: String,
    pub equity: f64,
    /// The saved report, once the run has stopped.
    #[ts(type = "number | null")]
    pub report_id: Option<i64>,
    pub error: Option<String>,
}

struct PaperRun {
    view: Mutex<PaperRunView>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    done: tokio::sync::Notify,
}

/// Paper runs of this engine.
#[derive(Default)]
pub struct PaperRuns {
    next: std::sync::atomic::AtomicU64,
    runs: Mutex<HashMap<u64, Arc<PaperRun>>>,
}

enum Feed {
    Live(broadcast::Receiver<MarketEvent>),
    Replay(tokio::sync::mpsc::Receiver<crate::market_data::ReplayEvent>),
}

impl Feed {
    /// The next event; `missed` counts events a live feed dropped. None at the end.
    async fn next(&mut self, missed: &mut u64) -> Option<MarketEvent> {
        match self {
            Feed::Live(rx) => loop {
                match rx.recv().await {
                    Ok(e) => return Some(e),
                    Err(broadcast::error::RecvError::Lagged(n)) => *missed += n,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            },
            Feed::Replay(rx) => rx.recv().await.map(|e| e.event),
        }
    }
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidInput, message)
}

impl Engine {
    /// Starts a paper run. See the module docs.
    pub async fn start_paper(&self, req: PaperRequest) -> AppResult<PaperRunView> {
        let (factory, strategy_label) = self.strategy_factory(&req.strategy).await?;
        let strategy = factory(&req.params).map_err(|e| invalid(e.to_string()))?;
        if req.interval_ms < 1_000 {
            return Err(invalid("the bar interval must be at least 1 s"));
        }
        let (feed, price_dp, source_label) = match &req.source {
            PaperSource::Live { account_id } => {
                let account = self.account(account_id)?;
                let instrument = account.instrument(&req.symbol)?;
                let dp = instrument.tick_size.normalize().scale();
                let rx = account.venue.market_events();
                account.venue.watch(&req.symbol).await?;
                (
                    Feed::Live(rx),
                    dp,
                    format!("live {} on {account_id}", req.symbol),
                )
            }
            PaperSource::Replay { session_id, speed } => {
                let (trades, _) = self.session_trades(*session_id, &req.symbol).await?;
                if trades.is_empty() {
                    return Err(invalid(format!(
                        "recorded session {session_id} has no {} trades to replay",
                        req.symbol
                    )));
                }
                let dp = trades.iter().map(|t| t.price.scale()).max().unwrap_or(2);
                let speed = match speed {
                    0 => Speed::Max,
                    1 => Speed::RealTime,
                    n => Speed::Times(*n),
                };
                let rx = self.replay_session(*session_id, speed).await?;
                (
                    Feed::Replay(rx),
                    dp,
                    format!("session {session_id} {} replayed", req.symbol),
                )
            }
        };
        let cfg = req.settings.to_config(price_dp)?;
        let data_label = format!("paper: {source_label} {}", interval_label(req.interval_ms));
        let runs = &self.inner.paper;
        let id = runs.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let view = PaperRunView {
            id,
            name: req
                .name
                .clone()
                .unwrap_or_else(|| format!("{strategy_label} on {data_label}")),
            symbol: req.symbol.clone(),
            running: true,
            trades_seen: 0,
            events_missed: 0,
            fills: 0,
            position: "0".into(),
            equity: 0.0,
            report_id: None,
            error: None,
        };
        let (stop_tx, mut stop_rx) = oneshot::channel();
        let run = Arc::new(PaperRun {
            view: Mutex::new(view.clone()),
            stop: Mutex::new(Some(stop_tx)),
            done: tokio::sync::Notify::new(),
        });
        if let Ok(mut all) = runs.runs.lock() {
            all.insert(id, run.clone());
        }
        let engine = self.clone();
        let mut tick_run = TickRun::new(strategy, &cfg, req.interval_ms, price_dp);
        let mut feed = feed;
        self.inner.runtime.spawn(async move {
            let mut missed = 0u64;
            let mut seen = 0u64;
            loop {
                let event = tokio::select! {
                    _ = &mut stop_rx => break,
                    e = feed.next(&mut missed) => e,
                };
                let Some(event) = event else { break };
                let MarketEvent::Trade { symbol, trade } = event else {
                    continue;
                };
                if symbol != req.symbol {
                    continue;
                }
                tick_run.on_trade(&trade);
                seen += 1;
                let session = tick_run.session();
                if let Ok(mut v) = run.view.lock() {
                    v.trades_seen = seen;
                    v.events_missed = missed;
                    v.fills = session.fills().len() as u64;
                    v.position = session.ledger().position().to_string();
                    v.equity = session.ledger().equity_f64(session.last_price());
                }
            }
            if let PaperSource::Live { account_id } = &req.source
                && let Ok(account) = engine.account(account_id)
            {
                account.venue.unwatch(&req.symbol).await;
            }
            let report = tick_run.finish();
            let saved = engine
                .save_report(
                    req.name.clone(),
                    &req.strategy,
                    strategy_label,
                    req.params.clone(),
                    serde_json::to_string(&req.source).unwrap_or_default(),
                    data_label,
                    &req.settings,
                    &report,
                )
                .await;
            if let Ok(mut v) = run.view.lock() {
                v.running = false;
                // The bar in progress closed at the end, and may have traded.
                v.fills = report.metrics.fills as u64;
                v.equity = rust_decimal::prelude::ToPrimitive::to_f64(&report.final_equity)
                    .unwrap_or(v.equity);
                match saved {
                    Ok(s) => v.report_id = Some(s.id),
                    Err(e) => v.error = Some(e.message),
                }
            }
            run.done.notify_waiters();
        });
        Ok(view)
    }

    /// Paper runs of this session of the app (running and finished).
    pub fn paper_runs(&self) -> Vec<PaperRunView> {
        let runs = self.inner.paper.runs.lock();
        let mut out: Vec<PaperRunView> = runs
            .map(|r| {
                r.values()
                    .filter_map(|run| run.view.lock().ok().map(|v| v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|v| v.id);
        out
    }

    /// Stops a paper run and waits for its report to be saved.
    pub async fn stop_paper(&self, id: u64) -> AppResult<PaperRunView> {
        let run = self.paper_run(id)?;
        let done = run.done.notified();
        let stop = run.stop.lock().ok().and_then(|mut s| s.take());
        if let Some(stop) = stop {
            let _ = stop.send(());
            done.await;
        }
        self.paper_view(&run)
    }

    /// Waits until a paper run ends (a replay reaches its end, or it is stopped).
    pub async fn wait_paper(&self, id: u64) -> AppResult<PaperRunView> {
        let run = self.paper_run(id)?;
        loop {
            let done = run.done.notified();
            if !self.paper_view(&run)?.running {
                break;
            }
            done.await;
        }
        self.paper_view(&run)
    }

    fn paper_run(&self, id: u64) -> AppResult<Arc<PaperRun>> {
        self.inner
            .paper
            .runs
            .lock()
            .ok()
            .and_then(|r| r.get(&id).cloned())
            .ok_or_else(|| invalid(format!("there is no paper run {id}")))
    }

    fn paper_view(&self, run: &PaperRun) -> AppResult<PaperRunView> {
        run.view
            .lock()
            .map(|v| v.clone())
            .map_err(|_| AppError::new(ErrorCode::Internal, "paper run state is poisoned"))
    }
}
