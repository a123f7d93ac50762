//! Configuration of a [`crate::MockBinance`]: credentials, symbols, balances, limits.

use rust_decimal::Decimal;
use std::fmt;

/// Which Binance product a request, stream, order or balance belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Market {
    /// Spot (`/api/v3`, `/sapi/v1`, WebSocket API `/ws-api/v3`).
    Spot,
    /// USD-M futures (`/fapi/v1`, `/fapi/v3`, listenKey user stream).
    Futures,
}

impl Market {
    pub(crate) fn idx(self) -> usize {
        match self {
            Market::Spot => 0,
            Market::Futures => 1,
        }
    }
}

/// Order side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

impl Side {
    /// Binance spelling (`BUY` / `SELL`).
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

/// One tradable symbol and its exchange filters.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolSpec {
    /// Product the symbol trades on.
    pub market: Market,
    /// Symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Base asset, e.g. `BTC`.
    pub base: String,
    /// Quote (and, for futures, margin) asset, e.g. `USDT`.
    pub quote: String,
    /// PRICE_FILTER tickSize.
    pub tick_size: Decimal,
    /// PRICE_FILTER minPrice.
    pub min_price: Decimal,
    /// PRICE_FILTER maxPrice.
    pub max_price: Decimal,
    /// LOT_SIZE / MARKET_LOT_SIZE stepSize.
    pub step_size: Decimal,
    /// LOT_SIZE minQty.
    pub min_qty: Decimal,
    /// LOT_SIZE maxQty.
    pub max_qty: Decimal,
    /// NOTIONAL (spot) / MIN_NOTIONAL (futures) minimum.
    pub min_notional: Decimal,
    /// Last traded price at start (also the centre of the generated kline history).
    pub initial_price: Decimal,
}

impl SymbolSpec {
    /// A symbol with BTCUSDT-like filters (tick 0.01, step 0.00001 spot / 0.001 futures, min notional 5).
    pub fn new(market: Market, base: &str, quote: &str, initial_price: Decimal) -> Self {
        let (step, min_qty) = match market {
            Market::Spot => (Decimal::new(1, 5), Decimal::new(1, 5)),
            Market::Futures => (Decimal::new(1, 3), Decimal::new(1, 3)),
        };
        Self {
            market,
            symbol: format!("{base}{quote}"),
            base: base.to_owned(),
            quote: quote.to_owned(),
            tick_size: Decimal::new(1, 2),
            min_price: Decimal::new(1, 2),
            max_price: Decimal::from(1_000_000),
            step_size: step,
            min_qty,
            max_qty: Decimal::from(9000),
            min_notional: Decimal::from(5),
            initial_price,
        }
    }

    /// Decimal places of `tick_size` (futures `pricePrecision` and price formatting).
    pub fn price_scale(&self) -> u32 {
        self.tick_size.normalize().scale()
    }

    /// Decimal places of `step_size`.
    pub fn qty_scale(&self) -> u32 {
        self.step_size.normalize().scale()
    }
}

/// A starting balance.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceSpec {
    /// Spot wallet or futures (USD-M) wallet.
    pub market: Market,
    /// Asset, e.g. `USDT`.
    pub asset: String,
    /// Free (spot) or wallet (futures) amount.
    pub amount: Decimal,
}

impl BalanceSpec {
    /// Shorthand constructor.
    pub fn new(market: Market, asset: &str, amount: Decimal) -> Self {
        Self {
            market,
            asset: asset.to_owned(),
            amount,
        }
    }
}

/// What `GET /sapi/v1/account/apiRestrictions` reports for the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRestrictions {
    /// `ipRestrict`.
    pub ip_restrict: bool,
    /// `enableWithdrawals` (Keel refuses keys with withdrawals enabled).
    pub enable_withdrawals: bool,
    /// `enableSpotAndMarginTrading`.
    pub enable_spot_and_margin_trading: bool,
    /// `enableFutures`.
    pub enable_futures: bool,
    /// `enableReading`.
    pub enable_reading: bool,
}

impl Default for ApiRestrictions {
    fn default() -> Self {
        Self {
            ip_restrict: true,
            enable_withdrawals: false,
            enable_spot_and_margin_trading: true,
            enable_futures: true,
            enable_reading: true,
        }
    }
}

/// Everything a [`crate::MockBinance`] needs to start.
#[derive(Clone)]
pub struct MockConfig {
    /// Seed of every generated value (history, ids, listen keys, generated client ids).
    pub seed: u64,
    /// The one API key the mock accepts (`X-MBX-APIKEY`).
    pub api_key: String,
    /// HMAC-SHA256 secret for `signature`.
    pub secret: String,
    /// Spot and futures symbols.
    pub symbols: Vec<SymbolSpec>,
    /// Starting balances.
    pub balances: Vec<BalanceSpec>,
    /// Spot maker commission rate (e.g. 0.001).
    pub spot_maker_rate: Decimal,
    /// Spot taker commission rate.
    pub spot_taker_rate: Decimal,
    /// Futures maker commission rate (e.g. 0.0002).
    pub futures_maker_rate: Decimal,
    /// Futures taker commission rate (e.g. 0.0004).
    pub futures_taker_rate: Decimal,
    /// Spot REQUEST_WEIGHT per minute (Binance: 6000).
    pub spot_weight_limit: u32,
    /// Futures REQUEST_WEIGHT per minute (Binance: 2400).
    pub futures_weight_limit: u32,
    /// `Retry-After` seconds of a 418 ban (Binance starts at 2 minutes).
    pub ban_secs: u64,
    /// Futures listenKey validity (Binance: 60 minutes); checked lazily on keepalive/connect.
    pub listen_key_validity_ms: i64,
    /// Number of generated 1m bars of history per symbol (served by `klines`).
    pub kline_history_bars: u32,
    /// Open time of the last generated history bar + 1 minute; default: the start minute.
    pub kline_history_end_ms: Option<i64>,
    /// What the key's apiRestrictions report.
    pub api_restrictions: ApiRestrictions,
    /// Default futures leverage for every symbol.
    pub default_leverage: u32,
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("seed", &self.seed)
            .field("api_key", &"<redacted>")
            .field("secret", &"<redacted>")
            .field("symbols", &self.symbols)
            .field("balances", &self.balances)
            .finish_non_exhaustive()
    }
}

impl MockConfig {
    /// A config with BTCUSDT + ETHUSDT on spot and futures, 10 000 USDT + 1 BTC + 10 ETH spot,
    /// 10 000 USDT futures, Binance's default fees and limits.
    pub fn new(seed: u64, api_key: &str, secret: &str) -> Self {
        let btc = Decimal::from(50_000);
        let eth = Decimal::from(3_000);
        Self {
            seed,
            api_key: api_key.to_owned(),
            secret: secret.to_owned(),
            symbols: vec![
                SymbolSpec::new(Market::Spot, "BTC", "USDT", btc),
                SymbolSpec::new(Market::Spot, "ETH", "USDT", eth),
                SymbolSpec::new(Market::Futures, "BTC", "USDT", btc),
                SymbolSpec::new(Market::Futures, "ETH", "USDT", eth),
            ],
            balances: vec![
                BalanceSpec::new(Market::Spot, "USDT", Decimal::from(10_000)),
                BalanceSpec::new(Market::Spot, "BTC", Decimal::ONE),
                BalanceSpec::new(Market::Spot, "ETH", Decimal::from(10)),
                BalanceSpec::new(Market::Futures, "USDT", Decimal::from(10_000)),
            ],
            spot_maker_rate: Decimal::new(1, 3),
            spot_taker_rate: Decimal::new(1, 3),
            futures_maker_rate: Decimal::new(2, 4),
            futures_taker_rate: Decimal::new(4, 4),
            spot_weight_limit: 6000,
            futures_weight_limit: 2400,
            ban_secs: 120,
            listen_key_validity_ms: 3_600_000,
            kline_history_bars: 2000,
            kline_history_end_ms: None,
            api_restrictions: ApiRestrictions::default(),
            default_leverage: 20,
        }
    }

    pub(crate) fn symbol(&self, market: Market, symbol: &str) -> Option<&SymbolSpec> {
        self.symbols
            .iter()
            .find(|s| s.market == market && s.symbol == symbol)
    }
}
