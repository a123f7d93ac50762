//! What a Demo exchange starts from: seed, clock, fees, balances and symbols.

use keel_domain::{Balance, Candle, Instrument, TimestampMs};
use rust_decimal::Decimal;

/// One tradable symbol of the Demo exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSymbol {
    pub instrument: Instrument,
    /// The reference price: where a fresh market starts, and what a long run is gently pulled
    /// back towards.
    pub start_price: Decimal,
    /// Closed 1m candles from a previous run, oldest first (may be empty).
    pub history: Vec<Candle>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of the market generator: the same seed and calls give the same market.
    pub seed: u64,
    /// Simulated time the exchange starts at (epoch milliseconds).
    pub start_ms: TimestampMs,
    /// Fee rates charged in the quote asset (e.g. 0.001 = 0.1 %).
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
    pub balances: Vec<Balance>,
    pub symbols: Vec<DemoSymbol>,
}

fn instrument(base: &str, step: Decimal, max_qty: i64) -> Instrument {
    Instrument {
        symbol: format!("{base}/USDT"),
        base: base.to_string(),
        quote: "USDT".to_string(),
        tick_size: Decimal::new(1, 2),
        step_size: step,
        min_qty: step,
        max_qty: Decimal::from(max_qty),
        min_notional: Decimal::from(5),
    }
}

fn balance(asset: &str, free: Decimal) -> Balance {
    Balance {
        asset: asset.to_string(),
        free,
        locked: Decimal::ZERO,
    }
}

impl DemoConfig {
    /// BTC/USDT (~65000, tick 0.01, step 0.00001), ETH/USDT (~3200, tick 0.01, step 0.0001) and
    /// SOL/USDT (~150, tick 0.01, step 0.001), each with minQty = step and minNotional 5; maker
    /// fee 0.08 %, taker 0.1 % (in the quote asset); 10,000 USDT, 0.1 BTC, 2 ETH and 20 SOL.
    pub fn standard(seed: u64, start_ms: TimestampMs) -> Self {
        let symbol = |base: &str, step: Decimal, max_qty: i64, price: i64| DemoSymbol {
            instrument: instrument(base, step, max_qty),
            start_price: Decimal::from(price),
            history: Vec::new(),
        };
        Self {
            seed,
            start_ms,
            maker_fee: Decimal::new(8, 4),
            taker_fee: Decimal::new(1, 3),
            balances: vec![
                balance("BTC", Decimal::new(1, 1)),
                balance("ETH", Decimal::from(2)),
                balance("SOL", Decimal::from(20)),
                balance("USDT", Decimal::from(10_000)),
            ],
            symbols: vec![
                symbol("BTC", Decimal::new(1, 5), 9_000, 65_000),
                symbol("ETH", Decimal::new(1, 4), 100_000, 3_200),
                symbol("SOL", Decimal::new(1, 3), 1_000_000, 150),
            ],
        }
    }
}
