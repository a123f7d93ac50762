//! `mock-binance`: the test kit's mock Binance (spot + USD-M) as a standalone loopback server,
//! for the desktop end-to-end suite (`tests/e2e/run.sh`).
//!
//! ```text
//! mock-binance [--seed N] [--api-key KEY] [--secret SECRET] [--interval-ms MS]
//! ```
//! Each option may also come from the environment: `MOCK_BINANCE_SEED`, `MOCK_BINANCE_API_KEY`,
//! `MOCK_BINANCE_SECRET`, `MOCK_BINANCE_INTERVAL_MS` (arguments win). The key and the secret are
//! required (the secret is never printed).
//!
//! It sets a BTCUSDT book around 50,000 on spot and futures, then every `interval-ms` (default
//! 200) moves the mid a few ticks (a seeded random walk kept within 49,800..50,200), re-centres
//! the book on it and prints a small trade inside the spread, so the market is live and a resting
//! order far from it (say 45,000) never fills. The first line on stdout is one JSON object with
//! the four base URLs: `{"spot_rest":..,"spot_ws":..,"futures_rest":..,"futures_ws":..}`.
//! Runs until killed (SIGTERM / SIGINT end it; it holds no state worth saving).

use keel_testkit::{Market, MockBinance, MockConfig, SplitMix64};
use rust_decimal::Decimal;
use std::io::Write;
use std::time::Duration;

/// Centre of the walk and of the first book.
const CENTRE: i64 = 5_000_000; // 50,000.00 in cents
/// How far the walk may stray from the centre, in cents (200 USDT).
const BAND: i64 = 20_000;

struct Options {
    seed: u64,
    api_key: String,
    secret: String,
    interval_ms: u64,
}

fn options() -> Result<Options, String> {
    let mut seed = std::env::var("MOCK_BINANCE_SEED").ok();
    let mut api_key = std::env::var("MOCK_BINANCE_API_KEY").ok();
    let mut secret = std::env::var("MOCK_BINANCE_SECRET").ok();
    let mut interval = std::env::var("MOCK_BINANCE_INTERVAL_MS").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--seed" => &mut seed,
            "--api-key" => &mut api_key,
            "--secret" => &mut secret,
            "--interval-ms" => &mut interval,
            "-h" | "--help" => {
                return Err(
                    "usage: mock-binance [--seed N] --api-key KEY --secret SECRET [--interval-ms MS]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument {other}")),
        };
        *slot = Some(args.next().ok_or_else(|| format!("{arg} needs a value"))?);
    }
    let seed = match seed {
        Some(s) => s.parse().map_err(|_| format!("bad seed {s}"))?,
        None => 7,
    };
    let interval_ms = match interval {
        Some(s) => s.parse().map_err(|_| format!("bad interval {s}"))?,
        None => 200,
    };
    let api_key = api_key
        .filter(|k| !k.is_empty())
        .ok_or("an API key is required (--api-key or MOCK_BINANCE_API_KEY)")?;
    let secret = secret
        .filter(|k| !k.is_empty())
        .ok_or("a secret is required (--secret or MOCK_BINANCE_SECRET)")?;
    Ok(Options {
        seed,
        api_key,
        secret,
        interval_ms: interval_ms.max(10),
    })
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// Three levels a side, 10 USDT apart, the best 10 USDT from `mid`.
fn set_book(mock: &MockBinance, mid: i64) {
    let bids: Vec<(Decimal, Decimal)> = (1..=3)
        .map(|i| (cents(mid - 1_000 * i), Decimal::from(2 * i)))
        .collect();
    let asks: Vec<(Decimal, Decimal)> = (1..=3)
        .map(|i| (cents(mid + 1_000 * i), Decimal::from(2 * i)))
        .collect();
    for market in [Market::Spot, Market::Futures] {
        mock.set_book(market, "BTCUSDT", &bids, &asks);
    }
}

#[tokio::main]
async fn main() {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mock-binance: {e}");
            std::process::exit(2);
        }
    };
    let mock =
        match MockBinance::start(MockConfig::new(opts.seed, &opts.api_key, &opts.secret)).await {
            Ok(m) => m,
            Err(e) => {
                eprintln!("mock-binance: cannot listen on loopback: {e}");
                std::process::exit(1);
            }
        };
    let mut mid = CENTRE;
    set_book(&mock, mid);
    let urls = serde_json::json!({
        "spot_rest": mock.spot_rest_url(),
        "spot_ws": mock.spot_stream_url(),
        "futures_rest": mock.futures_rest_url(),
        "futures_ws": mock.futures_stream_url(),
    });
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{urls}").and_then(|()| out.flush()).is_err() {
        std::process::exit(1);
    }
    drop(out);

    let mut rng = SplitMix64::new(opts.seed);
    let mut tick = tokio::time::interval(Duration::from_millis(opts.interval_ms));
    let mut spot_first = true;
    loop {
        tick.tick().await;
        // A step of -5.00..=+5.00 USDT, pulled back inside the band.
        let step = rng.range(0, 1_000) as i64 - 500;
        mid = (mid + step).clamp(CENTRE - BAND, CENTRE + BAND);
        set_book(&mock, mid);
        // A print inside the spread (best bid/ask are 10 USDT away): consumes no liquidity.
        let price = mid + rng.range(0, 1_000) as i64 - 500;
        let qty = Decimal::new(rng.range(1, 49) as i64, 4); // 0.0001..=0.0049 BTC
        // Both products move every tick; they alternate which prints first.
        let order = if spot_first {
            [Market::Spot, Market::Futures]
        } else {
            [Market::Futures, Market::Spot]
        };
        for market in order {
            mock.trade(market, "BTCUSDT", cents(price), qty);
        }
        spot_first = !spot_first;
    }
}
