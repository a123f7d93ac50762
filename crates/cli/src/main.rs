//! `keel`: Keel's engine without a window.

use clap::{Parser, Subcommand, ValueEnum};
use keel_domain::{Amount, Decimal, OrderKind, Side};
use keel_engine::api::{AccountEvent, AppError, FillFilter, PlaceOrderRequest};
use keel_engine::{Engine, EngineConfig, default_data_dir};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
}

fn parse_side(s: &str) -> Result<Side, String> {
    Side::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("side must be buy or sell, not {s:?}"))
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
    };
    engine.shutdown().await;
    result
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
