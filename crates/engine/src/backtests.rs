//! Backtests and parameter sweeps as the UI and the CLI run them: resolve the strategy and the
//! data, run on a blocking thread (sweeps on every core) with progress, save the report in
//! SQLite, list, reopen and delete saved runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use keel_backtest::sweep::{Factory, Progress};
use keel_backtest::{
    BacktestConfig, BarSeries, Report, RiskLimits, SweepSpec, run_bars, run_trades,
};
use keel_sim::venue::{CandlePath, Fees, SimConfig, Slippage};
use keel_store::{NewBacktestRun, NewSweepRun};
use keel_strategy::builtin::SmaCross;
use keel_strategy::{ParamSet, Strategy};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::{AppError, AppResult, ErrorCode};
use crate::engine::Engine;

/// Reports listed at most.
const LIST_LIMIT: u32 = 500;

/// Which strategy to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum StrategyRef {
    /// A strategy written in Rust: `sma_cross` (parameters fast, slow, qty).
    Builtin { name: String },
    /// A saved rule strategy.
    Saved { id: String },
    /// A rule strategy given as JSON text (not saved).
    Spec { spec: String },
}

/// What to replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum DataRef {
    /// Stored candles (downloaded or imported) in `[from_ms, to_ms)`; open ends mean all.
    #[serde(rename_all = "camelCase")]
    Candles {
        venue: String,
        symbol: String,
        #[ts(type = "number")]
        interval_ms: i64,
        #[ts(type = "number | null")]
        from_ms: Option<i64>,
        #[ts(type = "number | null")]
        to_ms: Option<i64>,
    },
    /// A candle CSV file in the format of Keel's imports.
    #[serde(rename_all = "camelCase")]
    Csv {
        path: String,
        #[ts(type = "number")]
        interval_ms: i64,
    },
    /// A recorded session's trades of one symbol, with bars of `interval_ms` built from them.
    #[serde(rename_all = "camelCase")]
    Session {
        #[ts(type = "number")]
        session_id: i64,
        symbol: String,
        #[ts(type = "number")]
        interval_ms: i64,
    },
}

/// The intrabar path candles are walked along (see the simulated venue's fill model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FillPath {
    #[default]
    NearestExtremeFirst,
    OpenHighLowClose,
    OpenLowHighClose,
}

/// Account and venue settings of a run. Decimals are strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct BacktestSettings {
    pub initial_cash: String,
    pub taker_fee: String,
    pub maker_fee: String,
    pub slippage_bps: String,
    #[ts(type = "number")]
    pub latency_ms: i64,
    pub fill_path: FillPath,
    /// Largest share of a bar's or a trade's volume one order may take (0 to 1).
    pub volume_share: String,
    pub allow_short: bool,
}

impl Default for BacktestSettings {
    fn default() -> Self {
        BacktestSettings {
            initial_cash: "10000".into(),
            taker_fee: "0.001".into(),
            maker_fee: "0.001".into(),
            slippage_bps: "0".into(),
            latency_ms: 0,
            fill_path: FillPath::NearestExtremeFirst,
            volume_share: "1".into(),
            allow_short: false,
        }
    }
}

/// One backtest to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BacktestRequest {
    #[serde(default)]
    pub name: Option<String>,
    pub strategy: StrategyRef,
    #[serde(default)]
    pub params: ParamSet,
    pub data: DataRef,
    #[serde(default)]
    pub settings: BacktestSettings,
}

/// A sweep to run.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SweepRequest {
    #[serde(default)]
    pub name: Option<String>,
    pub strategy: StrategyRef,
    pub data: DataRef,
    #[serde(default)]
    pub settings: BacktestSettings,
    pub spec: SweepSpec,
    /// Worker threads; 0 or absent = every core.
    #[serde(default)]
    pub threads: usize,
}

/// A saved backtest in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BacktestRunView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    pub strategy_label: String,
    pub params: ParamSet,
    pub data_label: String,
    #[ts(type = "number")]
    pub bars: i64,
    pub total_return: f64,
    pub max_drawdown: f64,
    pub sharpe: Option<f64>,
    #[ts(type = "number")]
    pub trades: i64,
}

/// A saved sweep in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SweepRunView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    pub strategy_label: String,
    pub data_label: String,
    #[ts(type = "number")]
    pub sets: i64,
}

/// Progress of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SweepProgress {
    pub done: u32,
    pub total: u32,
}

/// Sweeps running now, by id, so they can be canceled.
#[derive(Default)]
pub struct RunningSweeps {
    next: std::sync::atomic::AtomicU64,
    running: std::sync::Mutex<HashMap<u64, Arc<Progress>>>,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidInput, message)
}

fn decimal(name: &str, text: &str) -> AppResult<Decimal> {
    text.trim()
        .parse::<Decimal>()
        .map_err(|_| invalid(format!("{name}: {text:?} is not a number")))
}

impl BacktestSettings {
    /// The backtester's configuration, or a message naming the bad setting.
    pub fn to_config(&self, price_dp: u32) -> AppResult<BacktestConfig> {
        let cash = decimal("starting cash", &self.initial_cash)?;
        if cash <= Decimal::ZERO {
            return Err(invalid("starting cash must be above zero"));
        }
        let fee = |name: &str, text: &str| -> AppResult<Decimal> {
            let f = decimal(name, text)?;
            if f < Decimal::ZERO || f >= Decimal::ONE {
                return Err(invalid(format!(
                    "{name} is a fraction of the notional (0.001 = 0.1 %), from 0 to below 1"
                )));
            }
            Ok(f)
        };
        let taker = fee("taker fee", &self.taker_fee)?;
        let maker = fee("maker fee", &self.maker_fee)?;
        let bps = decimal("slippage", &self.slippage_bps)?;
        if bps < Decimal::ZERO || bps > Decimal::from(1000) {
            return Err(invalid("slippage is in basis points, from 0 to 1000"));
        }
        if !(0..=3_600_000).contains(&self.latency_ms) {
            return Err(invalid("latency is in milliseconds, from 0 to 3,600,000"));
        }
        let share = decimal("volume share", &self.volume_share)?;
        if share <= Decimal::ZERO || share > Decimal::ONE {
            return Err(invalid("volume share must be above 0 and at most 1"));
        }
        Ok(BacktestConfig {
            initial_cash: cash,
            venue: SimConfig {
                path: match self.fill_path {
                    FillPath::NearestExtremeFirst => CandlePath::NearestExtremeFirst,
                    FillPath::OpenHighLowClose => CandlePath::OpenHighLowClose,
                    FillPath::OpenLowHighClose => CandlePath::OpenLowHighClose,
                },
                fees: Fees { maker, taker },
                slippage: if bps.is_zero() {
                    Slippage::None
                } else {
                    Slippage::Bps(bps)
                },
                latency_ms: self.latency_ms,
                volume_share: share,
                tick_size: Decimal::new(1, price_dp),
                step_size: Decimal::new(1, 8),
            },
            risk: RiskLimits {
                allow_short: self.allow_short,
                max_position: None,
            },
        })
    }
}

/// What a request's data turned into.
enum Loaded {
    Bars(BarSeries),
    Trades {
        trades: Vec<keel_domain::Trade>,
        interval_ms: i64,
        price_dp: u32,
    },
}

pub(crate) type BoxFactory = crate::strategies::RuleFactory;

impl Engine {
    /// Runs one backtest and saves its report.
    pub async fn run_backtest(&self, req: BacktestRequest) -> AppResult<BacktestRunView> {
        let (factory, strategy_label) = self.strategy_factory(&req.strategy).await?;
        let (data, data_label) = self.load_data(&req.data).await?;
        let strategy = factory(&req.params).map_err(|e| invalid(e.to_string()))?;
        let settings = req.settings.clone();
        let report = tokio::task::spawn_blocking(move || -> AppResult<Report> {
            Ok(match &data {
                Loaded::Bars(series) => {
                    run_bars(series, strategy, &settings.to_config(series.price_dp)?)
                }
                Loaded::Trades {
                    trades,
                    interval_ms,
                    price_dp,
                } => run_trades(
                    trades,
                    *interval_ms,
                    *price_dp,
                    strategy,
                    &settings.to_config(*price_dp)?,
                ),
            })
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("the backtest stopped: {e}")))??;
        self.save_report(
            req.name.clone(),
            &req.strategy,
            strategy_label,
            req.params,
            to_json(&req.data),
            data_label,
            &req.settings,
            &report,
        )
        .await
    }

    /// Saves a finished run (a backtest or a paper run) with the columns the list shows.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn save_report(
        &self,
        name: Option<String>,
        strategy: &StrategyRef,
        strategy_label: String,
        params: ParamSet,
        data_json: String,
        data_label: String,
        settings: &BacktestSettings,
        report: &Report,
    ) -> AppResult<BacktestRunView> {
        let now = self.inner.clock.now_ms();
        let name = name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{strategy_label} on {data_label}"));
        let row = NewBacktestRun {
            name: name.clone(),
            created_ms: now,
            strategy: to_json(strategy),
            strategy_label: strategy_label.clone(),
            params: to_json(&params),
            data: data_json,
            data_label: data_label.clone(),
            settings: to_json(settings),
            bars: report.bars as i64,
            total_return: report.metrics.total_return,
            max_drawdown: report.metrics.max_drawdown,
            sharpe: report.metrics.sharpe,
            trades: report.metrics.trades as i64,
            report: report.to_json(),
        };
        let id = self.inner.store.insert_backtest_run(&row).await?;
        Ok(BacktestRunView {
            id,
            name,
            created_ms: now,
            strategy_label,
            params,
            data_label,
            bars: row.bars,
            total_return: row.total_return,
            max_drawdown: row.max_drawdown,
            sharpe: row.sharpe,
            trades: row.trades,
        })
    }

    /// Saved backtests, newest first.
    pub async fn backtest_runs(&self) -> AppResult<Vec<BacktestRunView>> {
        let rows = self.inner.store.backtest_runs(LIST_LIMIT).await?;
        Ok(rows
            .into_iter()
            .map(|r| BacktestRunView {
                id: r.id,
                name: r.name,
                created_ms: r.created_ms,
                strategy_label: r.strategy_label,
                params: serde_json::from_str(&r.params).unwrap_or_default(),
                data_label: r.data_label,
                bars: r.bars,
                total_return: r.total_return,
                max_drawdown: r.max_drawdown,
                sharpe: r.sharpe,
                trades: r.trades,
            })
            .collect())
    }

    /// A saved report, as the JSON the backtester wrote (see `keel_backtest::Report`).
    pub async fn backtest_report(&self, id: i64) -> AppResult<String> {
        self.inner
            .store
            .backtest_report(id)
            .await?
            .ok_or_else(|| invalid(format!("there is no saved backtest {id}")))
    }

    /// Deletes a saved backtest.
    pub async fn delete_backtest(&self, id: i64) -> AppResult<()> {
        if self.inner.store.delete_backtest_run(id).await? {
            Ok(())
        } else {
            Err(invalid(format!("there is no saved backtest {id}")))
        }
    }

    /// Runs a sweep on every core, calling `on_progress` about ten times a second, and saves
    /// its result. [`Engine::cancel_sweeps`] stops it.
    pub async fn run_sweep(
        &self,
        req: SweepRequest,
        on_progress: impl Fn(SweepProgress) + Send + 'static,
    ) -> AppResult<(SweepRunView, String)> {
        let (factory, strategy_label, series, data_label, cfg) =
            self.sweep_inputs(&req, "sweeps").await?;
        keel_backtest::sweep::parameter_sets(&req.spec).map_err(|e| invalid(e.to_string()))?;
        let progress = Arc::new(Progress::default());
        let sweeps = &self.inner.sweeps;
        let key = sweeps.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut running) = sweeps.running.lock() {
            running.insert(key, progress.clone());
        }
        let ticker = {
            let progress = progress.clone();
            tokio::spawn(async move {
                loop {
                    on_progress(SweepProgress {
                        done: progress.done.load(Ordering::Relaxed) as u32,
                        total: progress.total.load(Ordering::Relaxed) as u32,
                    });
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        let spec = req.spec.clone();
        let threads = req.threads;
        let worker_progress = progress.clone();
        let result = tokio::task::spawn_blocking(move || {
            let f: &Factory<'_> = &*factory;
            keel_backtest::sweep(&series, f, &cfg, &spec, threads, &worker_progress)
        })
        .await;
        ticker.abort();
        if let Ok(mut running) = sweeps.running.lock() {
            running.remove(&key);
        }
        let result = result
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("the sweep stopped: {e}")))?
            .map_err(|e| match e {
                keel_backtest::sweep::SweepError::Canceled => {
                    AppError::new(ErrorCode::Canceled, "the sweep was canceled")
                }
                e => invalid(e.to_string()),
            })?;
        let json = serde_json::to_string(&result).unwrap_or_default();
        let now = self.inner.clock.now_ms();
        let name = req
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("Sweep of {strategy_label} on {data_label}"));
        let row = NewSweepRun {
            name: name.clone(),
            created_ms: now,
            strategy: to_json(&req.strategy),
            strategy_label: strategy_label.clone(),
            data: to_json(&req.data),
            data_label: data_label.clone(),
            settings: to_json(&req.settings),
            spec: serde_json::to_string(&req.spec).unwrap_or_default(),
            sets: result.rows.len() as i64,
            result: json.clone(),
        };
        let id = self.inner.store.insert_sweep_run(&row).await?;
        Ok((
            SweepRunView {
                id,
                name,
                created_ms: now,
                strategy_label,
                data_label,
                sets: row.sets,
            },
            json,
        ))
    }

    /// Walk-forward analysis (see `keel_backtest::walk_forward`): `folds` consecutive folds,
    /// each swept on its first `in_share` and tested on the rest. Returns the result as JSON.
    pub async fn walk_forward(
        &self,
        req: SweepRequest,
        folds: usize,
        in_share: f64,
    ) -> AppResult<String> {
        let (factory, _, series, _, cfg) = self.sweep_inputs(&req, "walk-forward").await?;
        let spec = req.spec.clone();
        let threads = req.threads;
        let result = tokio::task::spawn_blocking(move || {
            let f: &Factory<'_> = &*factory;
            keel_backtest::walk_forward(
                &series,
                f,
                &cfg,
                &spec,
                folds,
                in_share,
                threads,
                &Progress::default(),
            )
        })
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("the walk-forward stopped: {e}"),
            )
        })?
        .map_err(|e| invalid(e.to_string()))?;
        Ok(to_json(&result))
    }

    /// The strategy factory, candles and configuration a sweep or a walk-forward (`what`)
    /// runs on, with the strategy's and the data's labels.
    async fn sweep_inputs(
        &self,
        req: &SweepRequest,
        what: &str,
    ) -> AppResult<(BoxFactory, String, BarSeries, String, BacktestConfig)> {
        let (factory, strategy_label) = self.strategy_factory(&req.strategy).await?;
        let (data, data_label) = self.load_data(&req.data).await?;
        let Loaded::Bars(series) = data else {
            return Err(invalid(format!(
                "{what} run on candles; choose stored candles or a CSV file"
            )));
        };
        let cfg = req.settings.to_config(series.price_dp)?;
        Ok((factory, strategy_label, series, data_label, cfg))
    }

    /// Stops every running sweep.
    pub fn cancel_sweeps(&self) {
        if let Ok(running) = self.inner.sweeps.running.lock() {
            for p in running.values() {
                p.cancel.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Saved sweeps, newest first.
    pub async fn sweep_runs(&self) -> AppResult<Vec<SweepRunView>> {
        let rows = self.inner.store.sweep_runs(LIST_LIMIT).await?;
        Ok(rows
            .into_iter()
            .map(|r| SweepRunView {
                id: r.id,
                name: r.name,
                created_ms: r.created_ms,
                strategy_label: r.strategy_label,
                data_label: r.data_label,
                sets: r.sets,
            })
            .collect())
    }

    /// A saved sweep's result JSON (see `keel_backtest::SweepResult`).
    pub async fn sweep_result(&self, id: i64) -> AppResult<String> {
        self.inner
            .store
            .sweep_result(id)
            .await?
            .ok_or_else(|| invalid(format!("there is no saved sweep {id}")))
    }

    pub(crate) async fn strategy_factory(
        &self,
        r: &StrategyRef,
    ) -> AppResult<(BoxFactory, String)> {
        match r {
            StrategyRef::Builtin { name } if name == "sma_cross" => Ok((
                Box::new(|p: &ParamSet| {
                    SmaCross::from_params(p).map(|s| Box::new(s) as Box<dyn Strategy>)
                }),
                "SMA cross (built-in)".to_owned(),
            )),
            StrategyRef::Builtin { name } => Err(invalid(format!(
                "there is no built-in strategy {name:?} (built-ins: sma_cross)"
            ))),
            StrategyRef::Saved { id } => self.saved_strategy_factory(id).await,
            StrategyRef::Spec { spec } => {
                let factory = crate::strategies::factory(spec)?;
                let name = serde_json::from_str::<serde_json::Value>(spec)
                    .ok()
                    .and_then(|v| v["name"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| "rule strategy".to_owned());
                Ok((factory, name))
            }
        }
    }

    async fn load_data(&self, d: &DataRef) -> AppResult<(Loaded, String)> {
        match d {
            DataRef::Candles {
                venue,
                symbol,
                interval_ms,
                from_ms,
                to_ms,
            } => {
                let candles = self
                    .inner
                    .store
                    .candles_between(
                        venue,
                        symbol,
                        *interval_ms,
                        from_ms.unwrap_or(0),
                        to_ms.unwrap_or(i64::MAX),
                    )
                    .await?;
                let label = format!("{venue} {symbol} {}", interval_label(*interval_ms));
                if candles.is_empty() {
                    return Err(invalid(format!(
                        "no candles stored for {label} in that range: download or import them on the Data page"
                    )));
                }
                let series = BarSeries::from_candles(&candles, *interval_ms)
                    .map_err(|e| invalid(format!("{label}: {e}")))?;
                Ok((Loaded::Bars(series), label))
            }
            DataRef::Csv { path, interval_ms } => {
                let text = tokio::fs::read_to_string(path)
                    .await
                    .map_err(|e| invalid(format!("{path}: cannot read it: {e}")))?;
                let parsed = keel_store::csv_import::parse_candles(path, &text, Some(*interval_ms))
                    .map_err(|e| invalid(e.to_string()))?;
                let series = BarSeries::from_candles(&parsed.candles, *interval_ms)
                    .map_err(|e| invalid(format!("{path}: {e}")))?;
                let file = std::path::Path::new(path)
                    .file_name()
                    .map_or_else(|| path.clone(), |f| f.to_string_lossy().into_owned());
                Ok((
                    Loaded::Bars(series),
                    format!("{file} {}", interval_label(*interval_ms)),
                ))
            }
            DataRef::Session {
                session_id,
                symbol,
                interval_ms,
            } => {
                let (trades, label) = self.session_trades(*session_id, symbol).await?;
                if trades.is_empty() {
                    return Err(invalid(format!(
                        "recorded session {session_id} has no trades to replay"
                    )));
                }
                let price_dp = trades.iter().map(|t| t.price.scale()).max().unwrap_or(2);
                Ok((
                    Loaded::Trades {
                        trades,
                        interval_ms: *interval_ms,
                        price_dp,
                    },
                    label,
                ))
            }
        }
    }
}

impl Engine {
    /// The trades of `symbol` recorded in a session, in recorded order, and a label.
    pub async fn session_trades(
        &self,
        session_id: i64,
        symbol: &str,
    ) -> AppResult<(Vec<keel_domain::Trade>, String)> {
        let mut reader = self.session_reader(session_id).await?;
        let mut trades = Vec::new();
        loop {
            let batch = reader.next_batch(10_000).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                if let keel_exchange::MarketEvent::Trade { symbol: s, trade } = e.event
                    && s == symbol
                {
                    trades.push(trade);
                }
            }
        }
        Ok((trades, format!("session {session_id} {symbol}")))
    }
}

/// `60000` -> `1m`, `3600000` -> `1h`.
pub fn interval_label(ms: i64) -> String {
    for (unit, size) in [
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// A request part as stored beside a report.
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
