//! Binance spot wire types (serde) and their conversion to Keel's domain types.
//!
//! Prices and quantities arrive as strings and become exact `Decimal`s; ids and times are
//! integers; kline rows are arrays of mixed types.

use crate::common::filters::SymbolInfo;
use crate::common::num::{de_decimal, de_opt_decimal, parse_decimal};
use keel_domain::{
    Balance, BookLevel, Candle, Fill, Instrument, OrderBook, OrderKind, OrderStatus, Side, Trade,
};
use keel_exchange::{ExchangeError, ExchangeResult, OrderUpdate};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

fn bad(what: &str, detail: impl std::fmt::Display) -> ExchangeError {
    ExchangeError::Transient {
        message: format!("unexpected Binance {what}: {detail}"),
        retry_after_ms: None,
    }
}

/// GET /api/v3/exchangeInfo (the parts Keel reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeInfo {
    #[serde(default)]
    pub server_time: Option<i64>,
    pub symbols: Vec<SymbolInfo>,
}

impl ExchangeInfo {
    /// Tradable symbols with usable filters.
    pub fn trading(&self) -> impl Iterator<Item = &SymbolInfo> {
        self.symbols
            .iter()
            .filter(|s| s.status == "TRADING" && s.to_instrument().is_some())
    }

    pub fn instruments(&self) -> Vec<Instrument> {
        self.trading()
            .filter_map(SymbolInfo::to_instrument)
            .collect()
    }
}

/// A price level `["4.00000000", "431.00000000"]`.
pub type WireLevel = [String; 2];

fn level(l: &WireLevel) -> ExchangeResult<(Decimal, Decimal)> {
    let p = parse_decimal(&l[0]).ok_or_else(|| bad("price", &l[0]))?;
    let q = parse_decimal(&l[1]).ok_or_else(|| bad("quantity", &l[1]))?;
    Ok((p, q))
}

/// Converts wire levels to decimals.
pub fn levels(ls: &[WireLevel]) -> ExchangeResult<Vec<(Decimal, Decimal)>> {
    ls.iter().map(level).collect()
}

/// GET /api/v3/depth, and the partial-depth stream payload (which has no symbol and no event
/// type: the combined stream's name says which symbol it is).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Depth {
    pub last_update_id: u64,
    pub bids: Vec<WireLevel>,
    pub asks: Vec<WireLevel>,
}

impl Depth {
    pub fn to_book(&self, depth: usize, ts_ms: i64) -> ExchangeResult<OrderBook> {
        let conv = |ls: &[WireLevel]| -> ExchangeResult<Vec<BookLevel>> {
            Ok(levels(&ls[..ls.len().min(depth)])?
                .into_iter()
                .map(|(price, qty)| BookLevel { price, qty })
                .collect())
        };
        Ok(OrderBook {
            bids: conv(&self.bids)?,
            asks: conv(&self.asks)?,
            ts_ms,
        })
    }
}

/// Request weight of GET /api/v3/depth by limit.
pub fn depth_weight(limit: usize) -> u32 {
    match limit {
        0..=100 => 5,
        101..=500 => 25,
        501..=1000 => 50,
        _ => 250,
    }
}

/// Parses kline rows `[openTime, "open", "high", "low", "close", "volume", closeTime, ...]`.
pub fn parse_klines(rows: &[Vec<Value>]) -> ExchangeResult<Vec<Candle>> {
    rows.iter()
        .map(|r| {
            let t = r
                .first()
                .and_then(Value::as_i64)
                .ok_or_else(|| bad("kline open time", format!("{r:?}")))?;
            let d = |i: usize| -> ExchangeResult<Decimal> {
                r.get(i)
                    .and_then(Value::as_str)
                    .and_then(parse_decimal)
                    .ok_or_else(|| bad("kline value", format!("{:?}", r.get(i))))
            };
            Ok(Candle {
                open_time_ms: t,
                open: d(1)?,
                high: d(2)?,
                low: d(3)?,
                close: d(4)?,
                volume: d(5)?,
            })
        })
        .collect()
}

/// GET /api/v3/trades row.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestTrade {
    pub id: u64,
    #[serde(deserialize_with = "de_decimal")]
    pub price: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub qty: Decimal,
    pub time: i64,
    pub is_buyer_maker: bool,
}

impl RestTrade {
    pub fn to_trade(&self) -> Trade {
        Trade {
            id: self.id,
            ts_ms: self.time,
            price: self.price,
            qty: self.qty,
            taker_side: taker_side(self.is_buyer_maker),
        }
    }
}

/// The aggressor: when the buyer is the maker, the seller took.
pub fn taker_side(buyer_is_maker: bool) -> Side {
    if buyer_is_maker {
        Side::Sell
    } else {
        Side::Buy
    }
}

/// GET /api/v3/aggTrades row.
#[derive(Debug, Deserialize)]
pub struct RestAggTrade {
    pub a: u64,
    #[serde(deserialize_with = "de_decimal")]
    pub p: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub q: Decimal,
    #[serde(rename = "T")]
    pub t: i64,
    pub m: bool,
}

impl RestAggTrade {
    pub fn to_trade(&self) -> Trade {
        Trade {
            id: self.a,
            ts_ms: self.t,
            price: self.p,
            qty: self.q,
            taker_side: taker_side(self.m),
        }
    }
}

/// `<symbol>@trade` payload.
#[derive(Debug, Deserialize)]
pub struct WsTrade {
    pub s: String,
    pub t: u64,
    #[serde(deserialize_with = "de_decimal")]
    pub p: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub q: Decimal,
    #[serde(rename = "T")]
    pub time: i64,
    pub m: bool,
}

impl WsTrade {
    pub fn to_trade(&self) -> Trade {
        Trade {
            id: self.t,
            ts_ms: self.time,
            price: self.p,
            qty: self.q,
            taker_side: taker_side(self.m),
        }
    }
}

/// `<symbol>@kline_<interval>` payload.
#[derive(Debug, Deserialize)]
pub struct WsKline {
    pub s: String,
    pub k: WsKlineBody,
}

#[derive(Debug, Deserialize)]
pub struct WsKlineBody {
    pub t: i64,
    pub i: String,
    #[serde(deserialize_with = "de_decimal")]
    pub o: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub h: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub l: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub c: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub v: Decimal,
    pub x: bool,
}

impl WsKline {
    pub fn candle(&self) -> Candle {
        Candle {
            open_time_ms: self.k.t,
            open: self.k.o,
            high: self.k.h,
            low: self.k.l,
            close: self.k.c,
            volume: self.k.v,
        }
    }
}

/// Milliseconds of a Binance interval name (`1m`, `1h`, `1d` ...).
pub fn interval_ms(name: &str) -> Option<i64> {
    let (n, unit) = name.split_at(name.len().checked_sub(1)?);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    Some(n * unit_ms)
}

/// `<symbol>@depth[@100ms]` diff payload.
#[derive(Debug, Deserialize)]
pub struct WsDepthUpdate {
    pub s: String,
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "U")]
    pub first_update_id: u64,
    pub u: u64,
    pub b: Vec<WireLevel>,
    pub a: Vec<WireLevel>,
}

impl WsDepthUpdate {
    pub fn to_diff(&self) -> ExchangeResult<keel_transport::DepthDiff> {
        Ok(keel_transport::DepthDiff {
            first_update_id: self.first_update_id,
            final_update_id: self.u,
            prev_final_update_id: None,
            bids: levels(&self.b)?,
            asks: levels(&self.a)?,
            ts_ms: self.event_time,
        })
    }
}

/// `<symbol>@bookTicker` payload (no event type, no time).
#[derive(Debug, Deserialize)]
pub struct WsBookTicker {
    pub u: u64,
    pub s: String,
    #[serde(deserialize_with = "de_decimal")]
    pub b: Decimal,
    #[serde(rename = "B", deserialize_with = "de_decimal")]
    pub bid_qty: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub a: Decimal,
    #[serde(rename = "A", deserialize_with = "de_decimal")]
    pub ask_qty: Decimal,
}

impl WsBookTicker {
    /// The best bid and ask as a one-level book.
    pub fn to_book(&self, ts_ms: i64) -> OrderBook {
        OrderBook {
            bids: vec![BookLevel {
                price: self.b,
                qty: self.bid_qty,
            }],
            asks: vec![BookLevel {
                price: self.a,
                qty: self.ask_qty,
            }],
            ts_ms,
        }
    }
}

/// Binance side names.
pub fn side_from_wire(s: &str) -> Option<Side> {
    match s {
        "BUY" => Some(Side::Buy),
        "SELL" => Some(Side::Sell),
        _ => None,
    }
}

pub fn side_to_wire(s: Side) -> &'static str {
    match s {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

/// Binance order types -> Keel kinds.
pub fn kind_from_wire(t: &str) -> Option<OrderKind> {
    Some(match t {
        "MARKET" => OrderKind::Market,
        "LIMIT" => OrderKind::Limit,
        "LIMIT_MAKER" => OrderKind::LimitMaker,
        "STOP_LOSS" => OrderKind::StopMarket,
        "STOP_LOSS_LIMIT" => OrderKind::StopLimit,
        "TAKE_PROFIT" => OrderKind::TakeProfitMarket,
        "TAKE_PROFIT_LIMIT" => OrderKind::TakeProfitLimit,
        _ => return None,
    })
}

pub fn kind_to_wire(k: OrderKind) -> &'static str {
    match k {
        OrderKind::Market => "MARKET",
        OrderKind::Limit => "LIMIT",
        OrderKind::LimitMaker => "LIMIT_MAKER",
        OrderKind::StopMarket => "STOP_LOSS",
        OrderKind::StopLimit => "STOP_LOSS_LIMIT",
        OrderKind::TakeProfitMarket => "TAKE_PROFIT",
        OrderKind::TakeProfitLimit => "TAKE_PROFIT_LIMIT",
    }
}

/// Binance order statuses -> Keel's.
pub fn status_from_wire(s: &str) -> Option<OrderStatus> {
    Some(match s {
        "NEW" | "PENDING_NEW" => OrderStatus::Open,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" => OrderStatus::Canceled,
        "PENDING_CANCEL" => OrderStatus::PendingCancel,
        "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" | "EXPIRED_IN_MATCH" => OrderStatus::Expired,
        _ => return None,
    })
}

/// One fill of a FULL order response.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrderFill {
    #[serde(deserialize_with = "de_decimal")]
    pub price: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub qty: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub commission: Decimal,
    pub commission_asset: String,
    pub trade_id: u64,
}

/// An order as REST returns it (place FULL/RESULT, query, openOrders, cancel).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    pub symbol: String,
    pub order_id: u64,
    pub client_order_id: String,
    /// Cancel responses: the canceled order's client id (`clientOrderId` is the cancel's).
    #[serde(default)]
    pub orig_client_order_id: Option<String>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub orig_qty: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub executed_qty: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub cummulative_quote_qty: Option<Decimal>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(rename = "type", default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub transact_time: Option<i64>,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(default)]
    pub fills: Vec<WireOrderFill>,
}

impl WireOrder {
    /// The order as Keel sees it; `keel_symbol` is the symbol's Keel name.
    pub fn to_update(&self, keel_symbol: &str) -> ExchangeResult<OrderUpdate> {
        let side = self
            .side
            .as_deref()
            .and_then(side_from_wire)
            .ok_or_else(|| bad("order side", format!("{:?}", self.side)))?;
        let kind = self
            .order_type
            .as_deref()
            .and_then(kind_from_wire)
            .ok_or_else(|| bad("order type", format!("{:?}", self.order_type)))?;
        let status = self
            .status
            .as_deref()
            .and_then(status_from_wire)
            .ok_or_else(|| bad("order status", format!("{:?}", self.status)))?;
        Ok(OrderUpdate {
            client_order_id: self
                .orig_client_order_id
                .clone()
                .unwrap_or_else(|| self.client_order_id.clone()),
            venue_order_id: self.order_id.to_string(),
            symbol: keel_symbol.to_string(),
            side,
            kind,
            status,
            filled_qty: self.executed_qty.unwrap_or_default(),
            filled_quote: self.cummulative_quote_qty.unwrap_or_default(),
            ts_ms: self
                .transact_time
                .or(self.update_time)
                .or(self.time)
                .unwrap_or_default(),
        })
    }

    /// The FULL response's immediate fills (taker fills: the order traded on arrival).
    pub fn to_fills(&self, update: &OrderUpdate, venue: &str, account_id: &str) -> Vec<Fill> {
        self.fills
            .iter()
            .map(|f| Fill {
                venue: venue.to_string(),
                account_id: account_id.to_string(),
                symbol: update.symbol.clone(),
                side: update.side,
                price: f.price,
                qty: f.qty,
                quote_qty: f.price * f.qty,
                fee: f.commission,
                fee_asset: f.commission_asset.clone(),
                venue_order_id: update.venue_order_id.clone(),
                client_order_id: update.client_order_id.clone(),
                trade_id: f.trade_id.to_string(),
                is_maker: false,
                ts_ms: update.ts_ms,
            })
            .collect()
    }
}

/// GET /api/v3/myTrades row.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireMyTrade {
    pub symbol: String,
    pub id: u64,
    pub order_id: u64,
    #[serde(deserialize_with = "de_decimal")]
    pub price: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub qty: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub quote_qty: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub commission: Decimal,
    pub commission_asset: String,
    pub time: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

impl WireMyTrade {
    pub fn to_fill(
        &self,
        keel_symbol: &str,
        client_order_id: &str,
        venue: &str,
        account_id: &str,
    ) -> Fill {
        Fill {
            venue: venue.to_string(),
            account_id: account_id.to_string(),
            symbol: keel_symbol.to_string(),
            side: if self.is_buyer { Side::Buy } else { Side::Sell },
            price: self.price,
            qty: self.qty,
            quote_qty: self.quote_qty,
            fee: self.commission,
            fee_asset: self.commission_asset.clone(),
            venue_order_id: self.order_id.to_string(),
            client_order_id: client_order_id.to_string(),
            trade_id: self.id.to_string(),
            is_maker: self.is_maker,
            ts_ms: self.time,
        }
    }
}

/// GET /api/v3/account (the parts Keel reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireAccount {
    pub commission_rates: WireCommissionRates,
    pub balances: Vec<WireBalance>,
}

#[derive(Debug, Deserialize)]
pub struct WireCommissionRates {
    #[serde(deserialize_with = "de_decimal")]
    pub maker: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub taker: Decimal,
}

#[derive(Debug, Deserialize)]
pub struct WireBalance {
    pub asset: String,
    #[serde(deserialize_with = "de_decimal")]
    pub free: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub locked: Decimal,
}

impl WireAccount {
    /// Non-zero balances.
    pub fn balances(&self) -> Vec<Balance> {
        self.balances
            .iter()
            .filter(|b| !(b.free.is_zero() && b.locked.is_zero()))
            .map(|b| Balance {
                asset: b.asset.clone(),
                free: b.free,
                locked: b.locked,
            })
            .collect()
    }
}

/// GET /api/v3/time.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    pub server_time: i64,
}
