//! USD-M futures wire types: the JSON shapes of `/fapi` responses and `fstream` events, exactly
//! as Binance sends them (prices and quantities as strings, ids and times as numbers). They stay
//! inside the crate; [`super::parse`] and [`super::events`] turn them into domain types.

use crate::common::num::de_i64_lenient;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExchangeInfo {
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    /// Lenient: the connector mock has `[""]`, the real API objects; Keel uses none of them.
    #[serde(default)]
    #[allow(dead_code)]
    pub exchange_filters: Vec<serde_json::Value>,
    #[serde(default)]
    pub server_time: Option<i64>,
    pub symbols: Vec<crate::common::SymbolInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RateLimit {
    pub rate_limit_type: String,
    pub interval: String,
    pub interval_num: u32,
    pub limit: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Depth {
    pub last_update_id: u64,
    #[serde(rename = "E", default)]
    pub event_ms: Option<i64>,
    #[serde(rename = "T", default)]
    pub txn_ms: Option<i64>,
    pub bids: Vec<(Decimal, Decimal)>,
    pub asks: Vec<(Decimal, Decimal)>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AggTrade {
    #[serde(rename = "a")]
    pub id: u64,
    #[serde(rename = "p")]
    pub price: Decimal,
    #[serde(rename = "q")]
    pub qty: Decimal,
    #[serde(rename = "T")]
    pub time: i64,
    /// The buyer was the maker: the taker sold.
    #[serde(rename = "m")]
    pub buyer_maker: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecentTrade {
    pub id: u64,
    pub price: Decimal,
    pub qty: Decimal,
    pub time: i64,
    pub is_buyer_maker: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PremiumIndex {
    pub symbol: String,
    pub mark_price: Decimal,
    #[serde(default)]
    pub index_price: Option<Decimal>,
    #[serde(default)]
    pub last_funding_rate: Option<Decimal>,
    #[serde(default)]
    pub next_funding_time: Option<i64>,
    pub time: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FundingRate {
    pub symbol: String,
    pub funding_rate: Decimal,
    pub funding_time: i64,
    #[serde(default)]
    pub mark_price: Option<String>,
}

/// An order as `/fapi/v1/order` (new, query, cancel), `openOrders` and `allOrders` return it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Order {
    pub symbol: String,
    pub order_id: u64,
    pub client_order_id: String,
    pub side: String,
    #[serde(rename = "type")]
    pub order_type: String,
    #[serde(default)]
    pub orig_type: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    pub status: String,
    pub executed_qty: Decimal,
    /// Quote filled so far; absent from some responses (then avgPrice x executedQty).
    #[serde(default)]
    pub cum_quote: Option<Decimal>,
    #[serde(default)]
    pub avg_price: Option<Decimal>,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub time: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserTrade {
    pub symbol: String,
    pub id: u64,
    pub order_id: u64,
    pub side: String,
    pub price: Decimal,
    pub qty: Decimal,
    pub quote_qty: Decimal,
    pub commission: Decimal,
    pub commission_asset: String,
    pub maker: bool,
    pub time: i64,
}

/// `/fapi/v3/balance` rows.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceRow {
    pub asset: String,
    pub balance: Decimal,
    pub cross_wallet_balance: Decimal,
}

/// `/fapi/v3/account`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Account {
    pub assets: Vec<AccountAsset>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountAsset {
    pub asset: String,
    pub wallet_balance: Decimal,
    pub cross_wallet_balance: Decimal,
}

/// `/fapi/v3/positionRisk` rows. v3 dropped `leverage` and `marginType` (they live in
/// `/fapi/v1/symbolConfig`); v2-shaped rows that still carry them are accepted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PositionRisk {
    pub symbol: String,
    pub position_side: String,
    pub position_amt: Decimal,
    pub entry_price: Decimal,
    #[serde(default)]
    pub mark_price: Option<Decimal>,
    pub un_realized_profit: Decimal,
    #[serde(default)]
    pub liquidation_price: Option<Decimal>,
    #[serde(default)]
    pub notional: Option<Decimal>,
    #[serde(default)]
    pub isolated_wallet: Option<Decimal>,
    #[serde(default)]
    pub position_initial_margin: Option<Decimal>,
    #[serde(default)]
    pub leverage: Option<String>,
    #[serde(default)]
    pub margin_type: Option<String>,
    #[serde(default)]
    pub update_time: i64,
}

/// `/fapi/v1/symbolConfig` rows.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SymbolConfig {
    pub symbol: String,
    pub margin_type: String,
    pub leverage: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommissionRate {
    pub maker_commission_rate: Decimal,
    pub taker_commission_rate: Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListenKey {
    pub listen_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub server_time: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DualSide {
    pub dual_side_position: bool,
}

// ---- WebSocket market streams ----

#[derive(Debug, Deserialize)]
pub(crate) struct WsKline {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "k")]
    pub k: WsKlineBody,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsKlineBody {
    #[serde(rename = "t")]
    pub open_time: i64,
    #[serde(rename = "T")]
    pub close_time: i64,
    #[serde(rename = "o")]
    pub open: Decimal,
    #[serde(rename = "h")]
    pub high: Decimal,
    #[serde(rename = "l")]
    pub low: Decimal,
    #[serde(rename = "c")]
    pub close: Decimal,
    #[serde(rename = "v")]
    pub volume: Decimal,
    #[serde(rename = "x")]
    pub closed: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAggTrade {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(flatten)]
    pub trade: AggTrade,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsDepth {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "T", default)]
    pub txn_ms: Option<i64>,
    #[serde(rename = "U")]
    pub first: u64,
    #[serde(rename = "u")]
    pub last: u64,
    #[serde(rename = "pu")]
    pub prev_last: u64,
    #[serde(rename = "b")]
    pub bids: Vec<(Decimal, Decimal)>,
    #[serde(rename = "a")]
    pub asks: Vec<(Decimal, Decimal)>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsBookTicker {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "u")]
    pub update_id: u64,
    #[serde(rename = "T", default)]
    pub txn_ms: Option<i64>,
    #[serde(rename = "E", default)]
    pub event_ms: Option<i64>,
    #[serde(rename = "b")]
    pub bid: Decimal,
    #[serde(rename = "B")]
    pub bid_qty: Decimal,
    #[serde(rename = "a")]
    pub ask: Decimal,
    #[serde(rename = "A")]
    pub ask_qty: Decimal,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsMarkPrice {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "p")]
    pub mark: Decimal,
    #[serde(rename = "i", default)]
    pub index: Option<Decimal>,
    #[serde(rename = "r", default)]
    pub funding_rate: Option<Decimal>,
    #[serde(rename = "T", default)]
    pub next_funding_ms: Option<i64>,
}

// ---- User data stream ----

#[derive(Debug, Deserialize)]
pub(crate) struct WsOrderTradeUpdate {
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "o")]
    pub o: WsOrder,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsOrder {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "c")]
    pub client_order_id: String,
    #[serde(rename = "S")]
    pub side: String,
    #[serde(rename = "o")]
    pub order_type: String,
    #[serde(rename = "ot", default)]
    pub orig_type: Option<String>,
    #[serde(rename = "f", default)]
    pub time_in_force: Option<String>,
    #[serde(rename = "ap", default)]
    pub avg_price: Option<Decimal>,
    #[serde(rename = "x")]
    pub exec_type: String,
    #[serde(rename = "X")]
    pub status: String,
    #[serde(rename = "i")]
    pub order_id: u64,
    #[serde(rename = "l")]
    pub last_qty: Decimal,
    #[serde(rename = "z")]
    pub cum_qty: Decimal,
    #[serde(rename = "L")]
    pub last_price: Decimal,
    #[serde(rename = "N", default)]
    pub fee_asset: Option<String>,
    #[serde(rename = "n", default)]
    pub fee: Option<Decimal>,
    #[serde(rename = "T")]
    pub trade_ms: i64,
    #[serde(rename = "t", default)]
    pub trade_id: u64,
    #[serde(rename = "m", default)]
    pub maker: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAccountUpdate {
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "a")]
    pub a: WsAccountData,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAccountData {
    #[serde(rename = "m", default)]
    pub reason: String,
    #[serde(rename = "B", default)]
    pub balances: Vec<WsAccountBalance>,
    #[serde(rename = "P", default)]
    pub positions: Vec<WsAccountPosition>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAccountBalance {
    #[serde(rename = "a")]
    pub asset: String,
    #[serde(rename = "wb")]
    pub wallet: Decimal,
    #[serde(rename = "cw")]
    pub cross_wallet: Decimal,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAccountPosition {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "pa")]
    pub amount: Decimal,
    #[serde(rename = "ep")]
    pub entry: Decimal,
    #[serde(rename = "up")]
    pub unrealized: Decimal,
    #[serde(rename = "mt")]
    pub margin_type: String,
    #[serde(rename = "ps")]
    pub position_side: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsTradeLite {
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "T")]
    pub trade_ms: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "c")]
    pub client_order_id: String,
    #[serde(rename = "t")]
    pub trade_id: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAlgoUpdate {
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "o")]
    pub o: WsAlgoOrder,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsAlgoOrder {
    #[serde(rename = "caid")]
    pub client_algo_id: String,
    #[serde(rename = "aid")]
    pub algo_id: u64,
    #[serde(rename = "o")]
    pub order_type: String,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "S")]
    pub side: String,
    #[serde(rename = "f", default)]
    pub time_in_force: Option<String>,
    #[serde(rename = "q")]
    pub qty: Decimal,
    #[serde(rename = "X")]
    pub status: String,
    #[serde(rename = "ap", default)]
    pub avg_price: Option<Decimal>,
    #[serde(rename = "aq", default)]
    pub filled_qty: Option<Decimal>,
    #[serde(rename = "rm", default)]
    pub reject_reason: Option<String>,
    /// The triggered order's id (`""` until triggered; a numeric string).
    #[serde(rename = "ai", default)]
    pub actual_order_id: serde_json::Value,
}

/// An algo order as `POST/GET /fapi/v1/algoOrder` and `GET /fapi/v1/openAlgoOrders` return it
/// (Binance USD-M docs, "Query Algo Order": `actualOrderId` is `""` until triggered).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlgoOrder {
    pub algo_id: u64,
    pub client_algo_id: String,
    pub order_type: String,
    pub symbol: String,
    pub side: String,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default)]
    pub algo_status: String,
    #[serde(default)]
    pub actual_order_id: serde_json::Value,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub create_time: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WsListenKeyExpired {
    #[serde(rename = "E", deserialize_with = "de_i64_lenient")]
    pub event_ms: i64,
    #[serde(rename = "listenKey", default)]
    pub listen_key: String,
}

/// Only the event type, to dispatch a frame.
#[derive(Debug, Deserialize)]
pub(crate) struct EventType {
    #[serde(rename = "e", default)]
    pub e: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RestBookTicker {
    pub symbol: String,
    pub bid_price: Decimal,
    pub bid_qty: Decimal,
    pub ask_price: Decimal,
    pub ask_qty: Decimal,
    pub time: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LeverageBrackets {
    pub symbol: String,
    #[serde(default)]
    pub brackets: Vec<LeverageBracket>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LeverageBracket {
    pub initial_leverage: u32,
}
