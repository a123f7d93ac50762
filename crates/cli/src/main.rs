//! `keel`: Keel's engine without a window.

use clap::{Parser, Subcommand, ValueEnum};
use keel_domain::{Amount, Decimal, OrderKind, Side};
use keel_engine::api::{AccountEvent, AppError, FillFilter, PlaceOrderRequest};
use keel_engine::market_data;
use keel_engine::{Engine, EngineConfig, default_data_dir};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod backtest;

#[derive(Parser)]
#[command(name = "keel", version, about = "Keel trading engine, headless")]
struct Cli {
    /// Data directory (default: the OS app-data directory, or KEEL_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Demo exchange: print prices, and the fills of any order placed with --buy/--sell.
    Demo {
        /// Stop after this many seconds (default: run until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
        /// Symbol to watch and trade.
        #[arg(long, default_value = "BTC/USDT")]
        symbol: String,
        /// Place a market buy of this base quantity once the market is running.
        #[arg(long, conflicts_with = "sell")]
        buy: Option<Decimal>,
        /// Place a market sell of this base quantity once the market is running.
        #[arg(long)]
        sell: Option<Decimal>,
    },
    /// Export fills.
    Export {
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// File to write.
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        symbol: Option<String>,
        #[arg(long, value_parser = parse_side)]
        side: Option<Side>,
        /// Only fills at or after this time (epoch milliseconds).
        #[arg(long)]
        from_ms: Option<i64>,
        /// Only fills before this time (epoch milliseconds).
        #[arg(long)]
        to_ms: Option<i64>,
    },
    /// Market data for backtests: import, download, recording sessions.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Backtest a strategy on stored candles, a CSV file or a recorded session; with --sweep,
    /// search its parameters; with --walk-forward, split in-sample / out-of-sample. Runs are
    /// saved like the Backtest page's.
    Backtest(Box<backtest::BacktestArgs>),
    /// Run a strategy on paper: a simulated account trading a connected account's live market
    /// (orders never reach the venue), or a recorded session replayed. The report is saved with
    /// the backtests when it stops.
    Paper(Box<backtest::PaperArgs>),
}

#[derive(Subcommand)]
enum DataCommand {
    /// Import a CSV file of candles (open_time_ms,open,high,low,close,volume) or trades
    /// (time_ms,trade_id,side,price,qty). The whole file is checked before anything is stored.
    Import {
        /// The CSV file.
        csv: PathBuf,
        /// Venue the data belongs to (e.g. binance, binance-usdm, demo).
        #[arg(long)]
        venue: String,
        /// Keel symbol, e.g. ETH/BTC.
        #[arg(long)]
        symbol: String,
        /// Candle interval (1m, 5m, 1h, 1d ...); default: the smallest step in the file.
        #[arg(long, value_parser = parse_interval)]
        interval: Option<i64>,
    },
    /// Download candles from a connected account's venue; resumes where the store has gaps.
    Download {
        #[arg(long)]
        account: String,
        #[arg(long)]
        symbol: String,
        #[arg(long, value_parser = parse_interval)]
        interval: i64,
        /// Start: epoch milliseconds, YYYY-MM-DD or RFC 3339 (UTC).
        #[arg(long, value_parser = parse_time)]
        from: i64,
        /// End (exclusive), same formats; default: now.
        #[arg(long, value_parser = parse_time)]
        to: Option<i64>,
    },
    /// List recording sessions and imported trade files.
    Sessions,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
}

fn parse_side(s: &str) -> Result<Side, String> {
    Side::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("side must be buy or sell, not {s:?}"))
}

pub(crate) fn parse_interval(s: &str) -> Result<i64, String> {
    market_data::interval_ms(s)
        .ok_or_else(|| format!("{s:?} is not an interval (e.g. 1m, 5m, 1h, 1d)"))
}

/// Epoch milliseconds, a date (midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    let to_ms = |t: time::OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(to_ms(t));
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map(|d| to_ms(d.midnight().assume_utc()))
        .map_err(|_| {
            format!(
                "{s:?} is not a time (epoch ms, YYYY-MM-DD or RFC 3339 like 2024-01-31T12:00:00Z)"
            )
        })
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(keel_engine::logging::log_filter_from_env("warn"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), AppError> {
    let config = EngineConfig::new(cli.data_dir.unwrap_or_else(default_data_dir));
    let engine = Engine::start(config).await?;
    let result = match cli.command {
        Command::Demo {
            seconds,
            symbol,
            buy,
            sell,
        } => {
            demo(
                &engine,
                seconds,
                &symbol,
                buy.map(|q| (Side::Buy, q))
                    .or(sell.map(|q| (Side::Sell, q))),
            )
            .await
        }
        Command::Export {
            format: Format::Csv,
            out,
            symbol,
            side,
            from_ms,
            to_ms,
        } => {
            let filter = FillFilter {
                symbol,
                side,
                from_ms,
                to_ms,
                ..FillFilter::default()
            };
            engine.export_fills_csv(&filter, &out).await.map(|r| {
                println!("exported {} fills to {}", r.rows, r.path);
            })
        }
        Command::Data { command } => data(&engine, command).await,
        Command::Backtest(args) => backtest::run(&engine, *args).await,
        Command::Paper(args) => backtest::paper(&engine, *args).await,
    };
    engine.shutdown().await;
    result
}

async fn data(engine: &Engine, command: DataCommand) -> Result<(), AppError> {
    match command {
        DataCommand::Import {
            csv,
            venue,
            symbol,
            interval,
        } => {
            let summary = engine.import_csv(&csv, &venue, &symbol, interval).await?;
            match summary.session_id {
                Some(id) => println!("imported {} trades as session {id}", summary.rows),
                None => println!(
                    "imported {} candles of {venue} {symbol} {}",
                    summary.rows,
                    summary
                        .interval_ms
                        .map(market_data::interval_name)
                        .unwrap_or_default()
                ),
            }
            if !summary.gaps.is_empty() {
                let missing: i64 = summary.gaps.iter().map(|g| g.missing).sum();
                println!(
                    "warning: {} gaps, {missing} candles missing:",
                    summary.gaps.len()
                );
                for g in summary.gaps.iter().take(20) {
                    println!("  {} .. {} ({} missing)", g.start_ms, g.end_ms, g.missing);
                }
                if summary.gaps.len() > 20 {
                    println!("  ... and {} more", summary.gaps.len() - 20);
                }
            }
            Ok(())
        }
        DataCommand::Download {
            account,
            symbol,
            interval,
            from,
            to,
        } => {
            engine
                .wait_for_account(&account, Duration::from_secs(30))
                .await?;
            let request = market_data::DownloadRequest {
                account_id: account,
                symbol,
                interval_ms: interval,
                start_ms: from,
                end_ms: to.unwrap_or_else(|| keel_domain::Clock::now_ms(&keel_engine::SystemClock)),
            };
            let (cancel, cancel_rx) = tokio::sync::watch::channel(false);
            let download = engine.download_candles(
                &request,
                |p| {
                    eprint!(
                        "\r{:5.1}%  {} fetched, {} already stored, {} requests, {} missing at the venue ",
                        p.fraction * 100.0,
                        p.fetched,
                        p.stored_before,
                        p.requests,
                        p.venue_missing
                    );
                },
                cancel_rx,
            );
            tokio::pin!(download);
            let job = tokio::select! {
                job = &mut download => job?,
                _ = tokio::signal::ctrl_c() => {
                    let _ = cancel.send(true);
                    download.await?
                }
            };
            eprintln!();
            println!(
                "download {} {}: {} candles fetched in {} requests",
                job.id,
                job.status.as_str(),
                job.fetched,
                job.requests
            );
            for g in &job.venue_gaps {
                println!(
                    "venue gap: {} .. {} ({} missing)",
                    g.start_ms, g.end_ms, g.missing
                );
            }
            Ok(())
        }
        DataCommand::Sessions => {
            let sessions = engine.recording_sessions().await?;
            if sessions.is_empty() {
                println!("no sessions");
            }
            for s in sessions {
                println!(
                    "{:>4}  {:<11}  {}  {}  {} .. {}  trades {} candles {} books {}",
                    s.id,
                    s.status.as_str(),
                    s.name,
                    s.symbols.join(","),
                    s.start_ms,
                    s.end_ms
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "-".into()),
                    s.trade_count,
                    s.candle_count,
                    s.book_count
                );
            }
            Ok(())
        }
    }
}

async fn demo(
    engine: &Engine,
    seconds: Option<u64>,
    symbol: &str,
    order: Option<(Side, Decimal)>,
) -> Result<(), AppError> {
    let account = engine.app_info().default_account_id;
    let mut batches = engine.market_batches(&account, symbol, Duration::from_secs(1))?;
    let mut events = engine.account_events();
    let deadline = tokio::time::sleep(Duration::from_secs(seconds.unwrap_or(u64::MAX / 4)));
    tokio::pin!(deadline);
    let mut order = order;
    println!("Keel demo market: {symbol} (Ctrl-C to stop)");
    loop {
        tokio::select! {
            batch = batches.recv() => {
                let Some(batch) = batch else { return Ok(()) };
                if let Some(price) = batch.last_price {
                    println!("price {symbol} {price} ({} trades)", batch.trades.len());
                }
                if let Some((side, qty)) = order.take() {
                    let placed = engine.place_order(PlaceOrderRequest {
                        account_id: account.clone(),
                        symbol: symbol.to_string(),
                        side,
                        kind: OrderKind::Market,
                        price: None,
                        amount: Amount::Base(qty),
                        options: None,
                    }).await?;
                    println!("order {} {} {}", placed.client_order_id, side.as_str(), placed.status.as_str());
                }
            }
            event = events.recv() => {
                if let Ok(AccountEvent::Fill { fill }) = event {
                    println!(
                        "fill {} {} {} @ {} fee {} {} trade {}",
                        fill.symbol, fill.side.as_str(), fill.qty, fill.price, fill.fee, fill.fee_asset, fill.trade_id
                    );
                }
            }
            _ = &mut deadline => return Ok(()),
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
