//! REST response bodies of `/fapi` into Keel's domain types.
//!
//! Every parser takes the raw body; a body that does not have the documented shape is an
//! [`ExchangeError::Unknown`] (the caller cannot tell what the venue meant).

use super::wire;
use crate::common::SymbolMap;
use crate::common::filters::instrument_from_rules;
use keel_domain::{
    Balance, Candle, Fill, Instrument, MarginType, MarkPrice, OrderKind, OrderStatus, Position,
    PositionSide, Side, TimestampMs, Trade,
};
use keel_exchange::{ExchangeError, ExchangeResult, FeeRates, OrderUpdate};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::str::FromStr;

/// Keel's symbol of a venue symbol; a contract listed after start-up passes through unchanged so
/// no event is dropped.
pub(crate) fn to_keel(symbols: &SymbolMap, venue: &str) -> String {
    symbols.keel(venue).unwrap_or(venue).to_string()
}

/// Decodes a JSON body into a wire type.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, body: &[u8]) -> ExchangeResult<T> {
    serde_json::from_slice(body).map_err(|e| ExchangeError::Unknown {
        message: format!("unexpected {what} response from binance-usdm: {e}"),
    })
}

/// Who the fills belong to: stamped on every [`Fill`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCtx {
    /// The venue id (`binance-usdm`).
    pub venue: String,
    pub account_id: String,
}

/// A symbol's leverage and margin type (`/fapi/v1/symbolConfig`, kept current by
/// `ACCOUNT_CONFIG_UPDATE` and by Keel's own changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolSettings {
    pub leverage: u32,
    pub margin_type: MarginType,
}

/// One futures contract from exchangeInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsdmInstrument {
    /// The venue's symbol, e.g. `BTCUSDT` (or `BTCUSDT_250328` for a delivery contract).
    pub venue_symbol: String,
    /// Keel's instrument: `BASE/QUOTE` for perpetuals, `BASE/QUOTE-YYMMDD` for delivery
    /// contracts. Tick and step come from the filters, never from `pricePrecision`.
    pub instrument: Instrument,
    pub perpetual: bool,
}

/// What Keel uses of exchangeInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeInfo {
    /// Contracts with status `TRADING`.
    pub instruments: Vec<UsdmInstrument>,
    /// The REQUEST_WEIGHT limit per minute, when listed.
    pub weight_per_minute: Option<u32>,
    pub server_time_ms: Option<TimestampMs>,
}

/// A settled funding rate (`/fapi/v1/fundingRate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingRate {
    pub venue_symbol: String,
    pub rate: Decimal,
    pub time_ms: TimestampMs,
    /// Missing or empty for old settlements.
    pub mark_price: Option<Decimal>,
}

/// `GET /fapi/v1/exchangeInfo`.
pub fn parse_exchange_info(body: &[u8]) -> ExchangeResult<ExchangeInfo> {
    let info: wire::ExchangeInfo = decode("exchangeInfo", body)?;
    let weight_per_minute = info
        .rate_limits
        .iter()
        .find(|r| r.rate_limit_type == "REQUEST_WEIGHT" && r.interval == "MINUTE")
        .map(|r| r.limit / r.interval_num.max(1));
    let instruments = info
        .symbols
        .iter()
        .filter(|s| s.status == "TRADING")
        .filter_map(|s| {
            // Contracts without a tick or step (an incomplete listing) cannot be traded safely.
            let mut instrument = instrument_from_rules(&s.base_asset, &s.quote_asset, &s.rules())?;
            let perpetual = s.contract_type.as_deref().is_none_or(|c| c == "PERPETUAL");
            if !perpetual && let Some((_, expiry)) = s.symbol.split_once('_') {
                instrument.symbol = format!("{}-{expiry}", instrument.symbol);
            }
            Some(UsdmInstrument {
                venue_symbol: s.symbol.clone(),
                perpetual,
                instrument,
            })
        })
        .collect();
    Ok(ExchangeInfo {
        instruments,
        weight_per_minute,
        server_time_ms: info.server_time,
    })
}

fn value_dec(v: &serde_json::Value) -> Option<Decimal> {
    match v {
        serde_json::Value::String(s) => Decimal::from_str(s).ok(),
        serde_json::Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// `GET /fapi/v1/klines`: rows of mixed types `[openTime, "o", "h", "l", "c", "v", closeTime, ...]`.
pub fn parse_klines(body: &[u8]) -> ExchangeResult<Vec<Candle>> {
    let rows: Vec<Vec<serde_json::Value>> = decode("klines", body)?;
    rows.iter()
        .map(|r| {
            let open_time_ms = r.first().and_then(|v| v.as_i64());
            let d = |i: usize| r.get(i).and_then(value_dec);
            match (open_time_ms, d(1), d(2), d(3), d(4), d(5)) {
                (
                    Some(open_time_ms),
                    Some(open),
                    Some(high),
                    Some(low),
                    Some(close),
                    Some(volume),
                ) => Ok(Candle {
                    open_time_ms,
                    open,
                    high,
                    low,
                    close,
                    volume,
                }),
                _ => Err(ExchangeError::Unknown {
                    message: "unexpected kline row from binance-usdm".into(),
                }),
            }
        })
        .collect()
}

/// `GET /fapi/v1/depth`: the snapshot the local book starts from.
pub fn parse_depth(body: &[u8]) -> ExchangeResult<keel_transport::DepthSnapshot> {
    let d: wire::Depth = decode("depth", body)?;
    Ok(keel_transport::DepthSnapshot {
        last_update_id: d.last_update_id,
        bids: d.bids,
        asks: d.asks,
        ts_ms: d.txn_ms.or(d.event_ms).unwrap_or_default(),
    })
}

pub(crate) fn agg_trade(t: &wire::AggTrade) -> Trade {
    Trade {
        id: t.id,
        ts_ms: t.time,
        price: t.price,
        qty: t.qty,
        taker_side: if t.buyer_maker { Side::Sell } else { Side::Buy },
    }
}

/// `GET /fapi/v1/aggTrades`, in the venue's order (oldest first).
pub fn parse_agg_trades(body: &[u8]) -> ExchangeResult<Vec<Trade>> {
    let rows: Vec<wire::AggTrade> = decode("aggTrades", body)?;
    Ok(rows.iter().map(agg_trade).collect())
}

/// `GET /fapi/v1/trades`, in the venue's order (oldest first).
pub fn parse_trades(body: &[u8]) -> ExchangeResult<Vec<Trade>> {
    let rows: Vec<wire::RecentTrade> = decode("trades", body)?;
    Ok(rows
        .into_iter()
        .map(|t| Trade {
            id: t.id,
            ts_ms: t.time,
            price: t.price,
            qty: t.qty,
            taker_side: if t.is_buyer_maker {
                Side::Sell
            } else {
                Side::Buy
            },
        })
        .collect())
}

/// `GET /fapi/v1/premiumIndex?symbol=`: the venue symbol and its mark price and funding.
pub fn parse_premium_index(body: &[u8]) -> ExchangeResult<(String, MarkPrice)> {
    let p: wire::PremiumIndex = decode("premiumIndex", body)?;
    Ok((
        p.symbol,
        MarkPrice {
            ts_ms: p.time,
            mark_price: p.mark_price,
            index_price: p.index_price,
            funding_rate: p.last_funding_rate,
            next_funding_ms: p.next_funding_time.filter(|t| *t > 0),
        },
    ))
}

/// `GET /fapi/v1/fundingRate`.
pub fn parse_funding_history(body: &[u8]) -> ExchangeResult<Vec<FundingRate>> {
    let rows: Vec<wire::FundingRate> = decode("fundingRate", body)?;
    Ok(rows
        .into_iter()
        .map(|r| FundingRate {
            venue_symbol: r.symbol,
            rate: r.funding_rate,
            time_ms: r.funding_time,
            mark_price: r.mark_price.and_then(|m| Decimal::from_str(&m).ok()),
        })
        .collect())
}

pub(crate) fn side(s: &str) -> ExchangeResult<Side> {
    match s {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        other => Err(ExchangeError::Unknown {
            message: format!("unknown side {other:?} from binance-usdm"),
        }),
    }
}

pub(crate) fn position_side(s: &str) -> PositionSide {
    match s {
        "LONG" => PositionSide::Long,
        "SHORT" => PositionSide::Short,
        _ => PositionSide::Both,
    }
}

pub(crate) fn margin_type(s: &str) -> MarginType {
    if s.eq_ignore_ascii_case("isolated") {
        MarginType::Isolated
    } else {
        MarginType::Cross
    }
}

/// The Keel kind of a venue order type. `TRAILING_STOP_MARKET` (which Keel never sends) reads as
/// a stop-market; `LIQUIDATION` and unknown types as market orders.
pub(crate) fn order_kind(order_type: &str, time_in_force: Option<&str>) -> OrderKind {
    match order_type {
        "LIMIT" if time_in_force == Some("GTX") => OrderKind::LimitMaker,
        "LIMIT" => OrderKind::Limit,
        "STOP" => OrderKind::StopLimit,
        "STOP_MARKET" | "TRAILING_STOP_MARKET" => OrderKind::StopMarket,
        "TAKE_PROFIT" => OrderKind::TakeProfitLimit,
        "TAKE_PROFIT_MARKET" => OrderKind::TakeProfitMarket,
        _ => OrderKind::Market,
    }
}

/// The Keel status of a venue order status. `NEW_INSURANCE` / `NEW_ADL` (liquidation orders)
/// are working orders.
pub(crate) fn order_status(s: &str) -> OrderStatus {
    match s {
        "NEW" | "NEW_INSURANCE" | "NEW_ADL" => OrderStatus::Open,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" => OrderStatus::Canceled,
        "EXPIRED" | "EXPIRED_IN_MATCH" => OrderStatus::Expired,
        "REJECTED" => OrderStatus::Rejected,
        _ => OrderStatus::Unknown,
    }
}

fn order_update(o: wire::Order, symbols: &SymbolMap) -> ExchangeResult<OrderUpdate> {
    let kind_type = o.orig_type.as_deref().unwrap_or(&o.order_type);
    let filled_quote = o
        .cum_quote
        .unwrap_or_else(|| (o.avg_price.unwrap_or_default() * o.executed_qty).normalize());
    Ok(OrderUpdate {
        client_order_id: o.client_order_id,
        venue_order_id: o.order_id.to_string(),
        symbol: to_keel(symbols, &o.symbol),
        side: side(&o.side)?,
        kind: order_kind(kind_type, o.time_in_force.as_deref()),
        status: order_status(&o.status),
        filled_qty: o.executed_qty,
        filled_quote,
        ts_ms: o.update_time.or(o.time).unwrap_or_default(),
    })
}

/// `POST/GET/DELETE /fapi/v1/order` (newOrderRespType RESULT).
pub fn parse_order(body: &[u8], symbols: &SymbolMap) -> ExchangeResult<OrderUpdate> {
    order_update(decode("order", body)?, symbols)
}

/// `GET /fapi/v1/openOrders` and `/fapi/v1/allOrders`.
pub fn parse_orders(body: &[u8], symbols: &SymbolMap) -> ExchangeResult<Vec<OrderUpdate>> {
    let rows: Vec<wire::Order> = decode("orders", body)?;
    rows.into_iter().map(|o| order_update(o, symbols)).collect()
}

/// `GET /fapi/v1/userTrades`. The rows carry no client order id: the caller passes the one of
/// the order it asked about.
pub fn parse_user_trades(
    body: &[u8],
    symbols: &SymbolMap,
    ctx: &AccountCtx,
    client_order_id: &str,
) -> ExchangeResult<Vec<Fill>> {
    let rows: Vec<wire::UserTrade> = decode("userTrades", body)?;
    rows.into_iter()
        .map(|t| {
            Ok(Fill {
                venue: ctx.venue.clone(),
                account_id: ctx.account_id.clone(),
                symbol: to_keel(symbols, &t.symbol),
                side: side(&t.side)?,
                price: t.price,
                qty: t.qty,
                quote_qty: t.quote_qty,
                fee: t.commission,
                fee_asset: t.commission_asset,
                venue_order_id: t.order_id.to_string(),
                client_order_id: client_order_id.to_string(),
                trade_id: t.id.to_string(),
                is_maker: t.maker,
                ts_ms: t.time,
            })
        })
        .collect()
}

/// A futures balance: `free` is the cross wallet balance (what cross positions and new orders
/// draw on), `locked` the rest of the wallet (margin held in isolated positions). The same
/// split is computed from `/fapi/v3/balance`, `/fapi/v3/account` and `ACCOUNT_UPDATE`, so REST
/// and stream agree.
pub(crate) fn futures_balance(asset: String, wallet: Decimal, cross_wallet: Decimal) -> Balance {
    let free = cross_wallet.min(wallet);
    Balance {
        asset,
        free,
        locked: wallet - free,
    }
}

/// `GET /fapi/v3/balance`.
pub fn parse_balances_v3(body: &[u8]) -> ExchangeResult<Vec<Balance>> {
    let rows: Vec<wire::BalanceRow> = decode("balance", body)?;
    Ok(rows
        .into_iter()
        .map(|b| futures_balance(b.asset, b.balance, b.cross_wallet_balance))
        .collect())
}

/// `GET /fapi/v3/account`: the balances of its `assets`.
pub fn parse_account_v3(body: &[u8]) -> ExchangeResult<Vec<Balance>> {
    let acc: wire::Account = decode("account", body)?;
    Ok(acc
        .assets
        .into_iter()
        .map(|a| futures_balance(a.asset, a.wallet_balance, a.cross_wallet_balance))
        .collect())
}

/// `GET /fapi/v1/symbolConfig`, keyed by venue symbol.
pub fn parse_symbol_config(body: &[u8]) -> ExchangeResult<HashMap<String, SymbolSettings>> {
    let rows: Vec<wire::SymbolConfig> = decode("symbolConfig", body)?;
    Ok(rows
        .into_iter()
        .map(|c| {
            (
                c.symbol,
                SymbolSettings {
                    leverage: c.leverage,
                    margin_type: if c.margin_type == "ISOLATED" {
                        MarginType::Isolated
                    } else {
                        MarginType::Cross
                    },
                },
            )
        })
        .collect())
}

/// Signed quantity: shorts negative whatever sign the venue used.
pub(crate) fn signed_qty(ps: PositionSide, amount: Decimal) -> Decimal {
    match ps {
        PositionSide::Short => -amount.abs(),
        PositionSide::Long => amount.abs(),
        PositionSide::Both => amount,
    }
}

/// `GET /fapi/v3/positionRisk` (rows with a zero amount are left out). Leverage and margin type
/// come from `settings` (symbolConfig); without an entry, from the row itself (v2 fields), else
/// derived: leverage = notional / position initial margin, isolated when the row has an
/// isolated wallet.
pub fn parse_position_risk(
    body: &[u8],
    symbols: &SymbolMap,
    settings: &HashMap<String, SymbolSettings>,
) -> ExchangeResult<Vec<Position>> {
    let rows: Vec<wire::PositionRisk> = decode("positionRisk", body)?;
    Ok(rows
        .into_iter()
        .filter(|p| !p.position_amt.is_zero())
        .map(|p| {
            let derived_leverage = || {
                let notional = p.notional?.abs();
                let im = p.position_initial_margin?;
                if im.is_zero() {
                    return None;
                }
                (notional / im).round().to_string().parse::<u32>().ok()
            };
            let leverage = settings
                .get(&p.symbol)
                .map(|s| s.leverage)
                .or_else(|| p.leverage.as_deref().and_then(|l| l.parse().ok()))
                .or_else(derived_leverage)
                .unwrap_or(0);
            let margin = settings
                .get(&p.symbol)
                .map(|s| s.margin_type)
                .or_else(|| p.margin_type.as_deref().map(margin_type))
                .unwrap_or(if p.isolated_wallet.is_some_and(|w| !w.is_zero()) {
                    MarginType::Isolated
                } else {
                    MarginType::Cross
                });
            let ps = position_side(&p.position_side);
            Position {
                symbol: to_keel(symbols, &p.symbol),
                position_side: ps,
                qty: signed_qty(ps, p.position_amt),
                entry_price: p.entry_price,
                mark_price: p.mark_price.filter(|m| !m.is_zero()),
                unrealized_pnl: p.un_realized_profit,
                leverage,
                margin_type: margin,
                // "0" means no liquidation price (no position or fully covered).
                liquidation_price: p.liquidation_price.filter(|l| !l.is_zero()),
                updated_ms: p.update_time,
            }
        })
        .collect())
}

/// `GET /fapi/v1/commissionRate`.
pub fn parse_commission_rate(body: &[u8]) -> ExchangeResult<FeeRates> {
    let c: wire::CommissionRate = decode("commissionRate", body)?;
    Ok(FeeRates {
        maker: c.maker_commission_rate,
        taker: c.taker_commission_rate,
    })
}

/// `POST /fapi/v1/listenKey` and `PUT /fapi/v1/listenKey`.
pub fn parse_listen_key(body: &[u8]) -> ExchangeResult<String> {
    Ok(decode::<wire::ListenKey>("listenKey", body)?.listen_key)
}

/// `GET /fapi/v1/time`.
pub fn parse_server_time(body: &[u8]) -> ExchangeResult<TimestampMs> {
    Ok(decode::<wire::ServerTime>("time", body)?.server_time)
}

/// The request weight used in the current minute (`X-MBX-USED-WEIGHT-1M`), from any response.
pub fn used_weight_1m(headers: &reqwest::header::HeaderMap) -> Option<u32> {
    headers
        .get("x-mbx-used-weight-1m")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Orders placed in the current 10 s and 1 min windows (`X-MBX-ORDER-COUNT-10S/1M`).
pub fn order_counts(headers: &reqwest::header::HeaderMap) -> (Option<u32>, Option<u32>) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    };
    (get("x-mbx-order-count-10s"), get("x-mbx-order-count-1m"))
}

/// An order-count limit of the account (`GET /fapi/v1/rateLimit/order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRateLimit {
    pub interval_ms: i64,
    pub limit: u32,
}

fn interval_ms(interval: &str, num: u32) -> i64 {
    let unit = match interval {
        "SECOND" => 1_000,
        "MINUTE" => 60_000,
        "HOUR" => 3_600_000,
        "DAY" => 86_400_000,
        _ => 0,
    };
    unit * i64::from(num)
}

/// `GET /fapi/v1/rateLimit/order`: the ORDERS limits.
pub fn parse_order_rate_limits(body: &[u8]) -> ExchangeResult<Vec<OrderRateLimit>> {
    let rows: Vec<wire::RateLimit> = decode("rateLimit/order", body)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.rate_limit_type == "ORDERS")
        .map(|r| OrderRateLimit {
            interval_ms: interval_ms(&r.interval, r.interval_num),
            limit: r.limit,
        })
        .collect())
}

/// `GET /fapi/v1/ticker/bookTicker?symbol=`: best bid and ask as a one-level book.
pub fn parse_book_ticker(body: &[u8]) -> ExchangeResult<(String, keel_domain::OrderBook)> {
    let t: wire::RestBookTicker = decode("bookTicker", body)?;
    Ok((
        t.symbol,
        keel_domain::OrderBook {
            bids: vec![keel_domain::BookLevel {
                price: t.bid_price,
                qty: t.bid_qty,
            }],
            asks: vec![keel_domain::BookLevel {
                price: t.ask_price,
                qty: t.ask_qty,
            }],
            ts_ms: t.time,
        },
    ))
}

/// `GET /fapi/v1/leverageBracket`: the highest initial leverage of each symbol's brackets
/// (`None` when the venue lists no bracket).
pub fn parse_max_leverage(body: &[u8]) -> ExchangeResult<HashMap<String, Option<u32>>> {
    let rows: Vec<wire::LeverageBrackets> = decode("leverageBracket", body)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let max = r.brackets.iter().map(|b| b.initial_leverage).max();
            (r.symbol, max)
        })
        .collect())
}
