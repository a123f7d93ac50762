//! `keel backtest`: the Backtest page's runs from a terminal, with table or JSON output.

use std::path::PathBuf;

use clap::ValueEnum;
use keel_engine::Engine;
use keel_engine::api::{AppError, ErrorCode};
use keel_engine::backtests::{
    BacktestRequest, BacktestSettings, DataRef, FillPath, StrategyRef, SweepRequest,
};
use keel_strategy::ParamSet;

use crate::{parse_interval, parse_time};

/// Which strategy, with which parameters (shared by `backtest` and `paper`).
#[derive(clap::Args)]
pub(crate) struct StrategyArgs {
    /// A built-in strategy: sma_cross (parameters fast, slow, qty).
    #[arg(long, group = "strategy_source")]
    strategy: Option<String>,
    /// A saved rule strategy, by id.
    #[arg(long, group = "strategy_source")]
    strategy_id: Option<String>,
    /// A rule strategy in a JSON file.
    #[arg(long, group = "strategy_source")]
    spec: Option<PathBuf>,
    /// A built-in rule template: sma_cross, ema_cross, rsi_mean_reversion, bollinger_breakout,
    /// macd_cross.
    #[arg(long, group = "strategy_source")]
    template: Option<String>,
    /// A parameter value, NAME=VALUE (repeatable), e.g. --param fast=10.
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, f64)>,
}

#[derive(clap::Args)]
pub(crate) struct BacktestArgs {
    #[command(flatten)]
    which: StrategyArgs,
    /// Candles from a CSV file (needs --interval).
    #[arg(long, group = "data_source")]
    csv: Option<PathBuf>,
    /// Stored candles of this venue (with --symbol and --interval).
    #[arg(long, group = "data_source")]
    venue: Option<String>,
    /// The trades of a recorded session (with --symbol; bars of --interval are built from them).
    #[arg(long, group = "data_source")]
    session: Option<i64>,
    #[arg(long)]
    symbol: Option<String>,
    #[arg(long, value_parser = parse_interval)]
    interval: Option<i64>,
    /// Start of the stored range: epoch ms, YYYY-MM-DD or RFC 3339.
    #[arg(long, value_parser = parse_time)]
    from: Option<i64>,
    /// End of the stored range (exclusive).
    #[arg(long, value_parser = parse_time)]
    to: Option<i64>,
    /// Starting cash in the quote asset.
    #[arg(long, default_value = "10000")]
    cash: String,
    /// Taker fee as a fraction of the notional (0.001 = 0.1 %).
    #[arg(long, default_value = "0.001")]
    fee: String,
    /// Maker fee (default: the taker fee).
    #[arg(long)]
    maker_fee: Option<String>,
    #[arg(long, default_value = "0")]
    slippage_bps: String,
    #[arg(long, default_value_t = 0)]
    latency_ms: i64,
    #[arg(long, value_enum, default_value_t = PathArg::NearestExtremeFirst)]
    fill_path: PathArg,
    /// Let sells open short positions (futures).
    #[arg(long)]
    allow_short: bool,
    /// Sweep a parameter, NAME=MIN:MAX:STEP (repeatable).
    #[arg(long = "sweep", value_parser = parse_range)]
    sweeps: Vec<keel_strategy::ParamSpec>,
    /// Random search: this many sets instead of the whole grid.
    #[arg(long)]
    random: Option<usize>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = ObjectiveArg::TotalReturn)]
    objective: ObjectiveArg,
    /// Walk-forward with this many folds (needs --sweep).
    #[arg(long)]
    walk_forward: Option<usize>,
    /// In-sample share of each walk-forward fold.
    #[arg(long, default_value_t = 0.7)]
    in_sample: f64,
    /// Worker threads for sweeps (default: every core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Name of the saved run.
    #[arg(long)]
    name: Option<String>,
}

#[derive(clap::Args)]
pub(crate) struct PaperArgs {
    #[command(flatten)]
    which: StrategyArgs,
    /// Trade this connected account's live market (e.g. demo).
    #[arg(long, group = "paper_source")]
    account: Option<String>,
    /// Replay this recorded session instead.
    #[arg(long, group = "paper_source")]
    session: Option<i64>,
    /// Replay speed: 1 (as recorded), 10, ... or 0 (as fast as possible).
    #[arg(long, default_value_t = 0)]
    speed: u32,
    #[arg(long)]
    symbol: String,
    /// Bar interval the strategy sees (built from the trades).
    #[arg(long, value_parser = parse_interval)]
    interval: i64,
    /// Stop a live run after this many seconds (default: Ctrl-C).
    #[arg(long)]
    seconds: Option<u64>,
    #[arg(long, default_value = "10000")]
    cash: String,
    #[arg(long, default_value = "0.001")]
    fee: String,
    #[arg(long, default_value = "0")]
    slippage_bps: String,
    #[arg(long)]
    allow_short: bool,
    #[arg(long)]
    name: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PathArg {
    NearestExtremeFirst,
    OpenHighLowClose,
    OpenLowHighClose,
}

#[derive(Clone, Copy, ValueEnum)]
enum ObjectiveArg {
    TotalReturn,
    Sharpe,
    Sortino,
    Calmar,
    ProfitFactor,
    MaxDrawdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Table,
    Json,
}

fn parse_param(s: &str) -> Result<(String, f64), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: write a parameter as NAME=VALUE, e.g. fast=10"))?;
    let v: f64 = v
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: {v:?} is not a number"))?;
    Ok((k.trim().to_owned(), v))
}

fn parse_range(s: &str) -> Result<keel_strategy::ParamSpec, String> {
    let bad = || format!("{s:?}: write a sweep as NAME=MIN:MAX:STEP, e.g. fast=5:50:5");
    let (k, v) = s.split_once('=').ok_or_else(bad)?;
    let parts: Vec<f64> = v
        .split(':')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [min, max, step] = parts[..] else {
        return Err(bad());
    };
    let spec = keel_strategy::ParamSpec::new(k.trim(), min, max, step);
    spec.values().map_err(|e| e.to_string())?;
    Ok(spec)
}

/// `println!` that stops quietly when stdout is closed (`keel backtest ... | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `a=1 b=2.5` from a JSON object of numbers.
fn params_label(v: &serde_json::Value) -> String {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| match v.as_f64() {
                    Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{k}={}", x as i64),
                    _ => format!("{k}={v}"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "-".into())
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidInput, message)
}

fn strategy_ref(a: &StrategyArgs) -> Result<StrategyRef, AppError> {
    let (name, id, spec, template) = (
        a.strategy.as_ref(),
        a.strategy_id.as_ref(),
        a.spec.as_ref(),
        a.template.as_ref(),
    );
    if let Some(t) = template {
        let found = keel_strategy::rules::template(t).ok_or_else(|| {
            let ids: Vec<&str> = keel_strategy::rules::templates()
                .iter()
                .map(|t| t.id)
                .collect();
            invalid(format!(
                "there is no template {t:?} (templates: {})",
                ids.join(", ")
            ))
        })?;
        return Ok(StrategyRef::Spec {
            spec: found.json.to_owned(),
        });
    }
    if let Some(name) = name {
        return Ok(StrategyRef::Builtin { name: name.clone() });
    }
    if let Some(id) = id {
        return Ok(StrategyRef::Saved { id: id.clone() });
    }
    if let Some(path) = spec {
        let spec = std::fs::read_to_string(path)
            .map_err(|e| invalid(format!("{}: cannot read it: {e}", path.display())))?;
        return Ok(StrategyRef::Spec { spec });
    }
    Err(invalid(
        "choose a strategy: --strategy sma_cross, --template NAME, --strategy-id ID or --spec FILE.json",
    ))
}

fn data(a: &BacktestArgs) -> Result<DataRef, AppError> {
    let interval = || {
        a.interval
            .ok_or_else(|| invalid("--interval is needed (e.g. 1m, 5m, 1h)"))
    };
    let symbol = || {
        a.symbol
            .clone()
            .ok_or_else(|| invalid("--symbol is needed (e.g. BTC/USDT)"))
    };
    if let Some(path) = &a.csv {
        return Ok(DataRef::Csv {
            path: path.to_string_lossy().into_owned(),
            interval_ms: interval()?,
        });
    }
    if let Some(venue) = &a.venue {
        return Ok(DataRef::Candles {
            venue: venue.clone(),
            symbol: symbol()?,
            interval_ms: interval()?,
            from_ms: a.from,
            to_ms: a.to,
        });
    }
    if let Some(session_id) = a.session {
        return Ok(DataRef::Session {
            session_id,
            symbol: symbol()?,
            interval_ms: interval()?,
        });
    }
    Err(invalid(
        "choose the data: --csv FILE, --venue V --symbol S, or --session ID --symbol S",
    ))
}

fn settings(a: &BacktestArgs) -> BacktestSettings {
    BacktestSettings {
        initial_cash: a.cash.clone(),
        taker_fee: a.fee.clone(),
        maker_fee: a.maker_fee.clone().unwrap_or_else(|| a.fee.clone()),
        slippage_bps: a.slippage_bps.clone(),
        latency_ms: a.latency_ms,
        fill_path: match a.fill_path {
            PathArg::NearestExtremeFirst => FillPath::NearestExtremeFirst,
            PathArg::OpenHighLowClose => FillPath::OpenHighLowClose,
            PathArg::OpenLowHighClose => FillPath::OpenLowHighClose,
        },
        volume_share: "1".into(),
        allow_short: a.allow_short,
    }
}

fn objective(o: ObjectiveArg) -> keel_backtest::Objective {
    use keel_backtest::Objective as O;
    match o {
        ObjectiveArg::TotalReturn => O::TotalReturn,
        ObjectiveArg::Sharpe => O::Sharpe,
        ObjectiveArg::Sortino => O::Sortino,
        ObjectiveArg::Calmar => O::Calmar,
        ObjectiveArg::ProfitFactor => O::ProfitFactor,
        ObjectiveArg::MaxDrawdown => O::MaxDrawdown,
    }
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

/// Runs the command.
pub(crate) async fn run(engine: &Engine, a: BacktestArgs) -> Result<(), AppError> {
    let strategy = strategy_ref(&a.which)?;
    let data = data(&a)?;
    let settings = settings(&a);
    let params = ParamSet(a.which.params.iter().cloned().collect());
    if a.sweeps.is_empty() {
        if a.walk_forward.is_some() {
            return Err(invalid(
                "--walk-forward needs at least one --sweep NAME=MIN:MAX:STEP",
            ));
        }
        let view = engine
            .run_backtest(BacktestRequest {
                name: a.name.clone(),
                strategy,
                params,
                data,
                settings,
            })
            .await?;
        let report = engine.backtest_report(view.id).await?;
        if a.format == OutputFormat::Json {
            out!("{report}");
            return Ok(());
        }
        let r: serde_json::Value = serde_json::from_str(&report).unwrap_or_default();
        let m = &r["metrics"];
        let f = |k: &str| m[k].as_f64();
        out!("saved as backtest {} ({})", view.id, view.name);
        out!("{:<16} {}", "bars", view.bars);
        out!(
            "{:<16} {}",
            "final equity",
            r["finalEquity"].as_str().unwrap_or("-")
        );
        out!("{:<16} {}", "total return", pct(view.total_return));
        out!(
            "{:<16} {}",
            "annual return",
            f("annualReturn").map_or("-".into(), pct)
        );
        out!("{:<16} {}", "max drawdown", pct(view.max_drawdown));
        out!("{:<16} {}", "sharpe", opt(f("sharpe")));
        out!("{:<16} {}", "sortino", opt(f("sortino")));
        out!("{:<16} {}", "calmar", opt(f("calmar")));
        out!(
            "{:<16} {}",
            "win rate",
            f("winRate").map_or("-".into(), pct)
        );
        out!("{:<16} {}", "profit factor", opt(f("profitFactor")));
        out!(
            "{:<16} {}",
            "avg trade",
            m["avgTrade"].as_str().unwrap_or("-")
        );
        out!(
            "{:<16} {}",
            "exposure",
            f("exposure").map_or("-".into(), pct)
        );
        out!("{:<16} {}", "fees", m["fees"].as_str().unwrap_or("-"));
        out!("{:<16} {}", "trades", view.trades);
        out!("{:<16} {}", "rejected", m["rejectedOrders"]);
        return Ok(());
    }
    let spec = keel_backtest::SweepSpec {
        params: a.sweeps.clone(),
        fixed: params,
        search: match a.random {
            Some(samples) => keel_backtest::Search::Random {
                samples,
                seed: a.seed,
            },
            None => keel_backtest::Search::Grid,
        },
        objective: objective(a.objective),
    };
    let req = SweepRequest {
        name: a.name.clone(),
        strategy,
        data,
        settings,
        spec,
        threads: a.threads,
    };
    if let Some(folds) = a.walk_forward {
        let json = engine.walk_forward(req, folds, a.in_sample).await?;
        if a.format == OutputFormat::Json {
            out!("{json}");
            return Ok(());
        }
        let wf: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        out!(
            "{:<6} {:<22} {:<24} {:>12} {:>14}",
            "fold",
            "in-sample bars",
            "best",
            "in score",
            "out return"
        );
        for (k, fold) in wf["folds"].as_array().into_iter().flatten().enumerate() {
            let range = |v: &serde_json::Value| format!("{}..{}", v[0], v[1]);
            let best = params_label(&fold["best"]);
            out!(
                "{:<6} {:<22} {:<24} {:>12} {:>14}",
                k + 1,
                range(&fold["inSample"]),
                best,
                opt(fold["inSampleScore"].as_f64()),
                fold["outOfSample"]["totalReturn"]
                    .as_f64()
                    .map_or("-".into(), pct)
            );
        }
        out!(
            "out-of-sample return, compounded: {}",
            wf["outOfSampleReturn"].as_f64().map_or("-".into(), pct)
        );
        return Ok(());
    }
    let progress_line = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (view, json) = engine
        .run_sweep(req, move |p| {
            if progress_line && p.total > 0 {
                eprint!("\rsweep {}/{}", p.done, p.total);
            }
        })
        .await?;
    if progress_line {
        eprintln!();
    }
    if a.format == OutputFormat::Json {
        out!("{json}");
        return Ok(());
    }
    let result: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let mut rows: Vec<&serde_json::Value> =
        result["rows"].as_array().into_iter().flatten().collect();
    rows.sort_by(|x, y| {
        let s = |r: &serde_json::Value| r["score"].as_f64().unwrap_or(f64::NEG_INFINITY);
        s(y).total_cmp(&s(x))
    });
    out!(
        "saved as sweep {} ({}), {} sets; best first:",
        view.id,
        view.name,
        view.sets
    );
    out!(
        "{:<32} {:>12} {:>12} {:>10} {:>8}",
        "parameters",
        "score",
        "return",
        "max dd",
        "trades"
    );
    for r in rows.iter().take(20) {
        let params = params_label(&r["params"]);
        match r["error"].as_str() {
            Some(e) => out!("{params:<32} {e}"),
            None => out!(
                "{:<32} {:>12} {:>12} {:>10} {:>8}",
                params,
                opt(r["score"].as_f64()),
                r["metrics"]["totalReturn"].as_f64().map_or("-".into(), pct),
                r["metrics"]["maxDrawdown"].as_f64().map_or("-".into(), pct),
                r["metrics"]["trades"]
            ),
        }
    }
    Ok(())
}

/// Runs `keel paper`.
pub(crate) async fn paper(engine: &Engine, a: PaperArgs) -> Result<(), AppError> {
    use keel_engine::paper::{PaperRequest, PaperSource};
    let strategy = strategy_ref(&a.which)?;
    let source = match (&a.account, a.session) {
        (Some(account_id), _) => PaperSource::Live {
            account_id: account_id.clone(),
        },
        (None, Some(session_id)) => PaperSource::Replay {
            session_id,
            speed: a.speed,
        },
        (None, None) => {
            return Err(invalid(
                "choose the market: --account ID (live) or --session ID (replay)",
            ));
        }
    };
    let live = matches!(source, PaperSource::Live { .. });
    if live {
        engine
            .wait_for_account(
                a.account.as_deref().unwrap_or_default(),
                std::time::Duration::from_secs(30),
            )
            .await?;
    }
    let run = engine
        .start_paper(PaperRequest {
            name: a.name.clone(),
            source,
            symbol: a.symbol.clone(),
            interval_ms: a.interval,
            strategy,
            params: ParamSet(a.which.params.iter().cloned().collect()),
            settings: BacktestSettings {
                initial_cash: a.cash.clone(),
                taker_fee: a.fee.clone(),
                maker_fee: a.fee.clone(),
                slippage_bps: a.slippage_bps.clone(),
                allow_short: a.allow_short,
                ..BacktestSettings::default()
            },
        })
        .await?;
    eprintln!("paper run {} started: {}", run.id, run.name);
    let done = if live {
        let deadline = async {
            match a.seconds {
                Some(s) => tokio::time::sleep(std::time::Duration::from_secs(s)).await,
                None => std::future::pending().await,
            }
        };
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(5));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                _ = tokio::signal::ctrl_c() => break,
                _ = ticker.tick() => {
                    if let Some(v) = engine.paper_runs().into_iter().find(|v| v.id == run.id) {
                        eprintln!(
                            "trades seen {}  fills {}  position {}  equity {:.2}",
                            v.trades_seen, v.fills, v.position, v.equity
                        );
                    }
                }
            }
        }
        engine.stop_paper(run.id).await?
    } else {
        engine.wait_paper(run.id).await?
    };
    if let Some(e) = done.error {
        return Err(AppError::new(ErrorCode::Internal, e));
    }
    out!(
        "paper run {}: {} trades seen, {} fills, {} events missed; report saved as backtest {}",
        done.id,
        done.trades_seen,
        done.fills,
        done.events_missed,
        done.report_id
            .map_or_else(|| "-".into(), |id| id.to_string())
    );
    Ok(())
}
