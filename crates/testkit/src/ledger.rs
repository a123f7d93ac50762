//! The authoritative ledger: every order, fill, balance and position the mock knows.
//! Snapshots of it are what tests compare a client's view against.

use crate::config::{Market, Side};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Binance order status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Resting (or a stop waiting for its trigger).
    New,
    /// Partly filled, still open.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Cancelled by the user.
    Canceled,
    /// Expired (IOC/FOK remainder, market order without liquidity, GTX that would take).
    Expired,
}

impl OrderStatus {
    /// Binance spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "NEW",
            OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
            OrderStatus::Filled => "FILLED",
            OrderStatus::Canceled => "CANCELED",
            OrderStatus::Expired => "EXPIRED",
        }
    }

    /// NEW or PARTIALLY_FILLED.
    pub fn is_open(self) -> bool {
        matches!(self, OrderStatus::New | OrderStatus::PartiallyFilled)
    }
}

/// One order as the venue sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Product.
    pub market: Market,
    /// Symbol.
    pub symbol: String,
    /// Venue order id (per market, increasing).
    pub order_id: u64,
    /// Client order id (`newClientOrderId` or generated).
    pub client_order_id: String,
    /// Side.
    pub side: Side,
    /// Current type (`LIMIT`, `MARKET`, `STOP_LOSS_LIMIT`, ...; a triggered futures stop market
    /// becomes `MARKET`).
    pub order_type: String,
    /// Type at placement.
    pub orig_type: String,
    /// `GTC`, `IOC`, `FOK`, `GTX` (empty for market orders on spot).
    pub time_in_force: String,
    /// Limit price (0 for market orders).
    pub price: Decimal,
    /// Stop/trigger price (0 if none).
    pub stop_price: Decimal,
    /// Ordered quantity (for a spot quoteOrderQty market order: the executed quantity).
    pub orig_qty: Decimal,
    /// Filled quantity.
    pub executed_qty: Decimal,
    /// Filled quote amount.
    pub cum_quote: Decimal,
    /// Spot `quoteOrderQty` (0 if not used).
    pub orig_quote_qty: Decimal,
    /// Status.
    pub status: OrderStatus,
    /// Stop orders: false until triggered.
    pub working: bool,
    /// Placement time (mock clock, ms).
    pub time: i64,
    /// Last change (ms).
    pub update_time: i64,
    /// Futures reduceOnly.
    pub reduce_only: bool,
    /// Futures closePosition.
    pub close_position: bool,
    /// Futures positionSide (`BOTH`, `LONG`, `SHORT`); `BOTH` on spot.
    pub position_side: String,
    /// Futures workingType (`CONTRACT_PRICE` / `MARK_PRICE`).
    pub working_type: String,
    /// Funds held by the order (spot: quote for buys, base for sells).
    pub locked: Decimal,
    /// Realized PnL of this order's fills (futures).
    pub realized_pnl: Decimal,
}

impl Order {
    /// Average fill price (0 without fills).
    pub fn avg_price(&self) -> Decimal {
        if self.executed_qty.is_zero() {
            Decimal::ZERO
        } else {
            self.cum_quote / self.executed_qty
        }
    }

    /// Quantity still open.
    pub fn remaining(&self) -> Decimal {
        self.orig_qty - self.executed_qty
    }
}

/// One execution of one of the account's orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    /// Product.
    pub market: Market,
    /// Symbol.
    pub symbol: String,
    /// Trade id (shared sequence with the symbol's public trades).
    pub trade_id: u64,
    /// Venue order id.
    pub order_id: u64,
    /// Client order id of the order.
    pub client_order_id: String,
    /// Side of the order.
    pub side: Side,
    /// Execution price.
    pub price: Decimal,
    /// Executed quantity.
    pub qty: Decimal,
    /// price * qty.
    pub quote_qty: Decimal,
    /// Commission charged.
    pub commission: Decimal,
    /// Asset of the commission.
    pub commission_asset: String,
    /// Maker (resting order hit by a print) or taker.
    pub is_maker: bool,
    /// Time (ms).
    pub time: i64,
    /// Futures realized PnL of this fill.
    pub realized_pnl: Decimal,
    /// Futures position side.
    pub position_side: String,
}

/// Status of a conditional order held by Binance's algo service, as `algoStatus` / the
/// `ALGO_UPDATE` `X` field spell it (USD-M "Event: Algo Order Update",
/// developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Event-Algo-Order-Update).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgoStatus {
    /// Waiting for its trigger.
    New,
    /// Triggered, being sent to the matching engine.
    Triggering,
    /// Its order is in the matching engine.
    Triggered,
    /// Its order was filled or closed in the matching engine.
    Finished,
    /// Cancelled by the user.
    Canceled,
    /// Cancelled by the system.
    Expired,
    /// Refused by the matching engine when triggered (e.g. margin).
    Rejected,
}

impl AlgoStatus {
    /// Binance spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlgoStatus::New => "NEW",
            AlgoStatus::Triggering => "TRIGGERING",
            AlgoStatus::Triggered => "TRIGGERED",
            AlgoStatus::Finished => "FINISHED",
            AlgoStatus::Canceled => "CANCELED",
            AlgoStatus::Expired => "EXPIRED",
            AlgoStatus::Rejected => "REJECTED",
        }
    }

    /// NEW, TRIGGERING or TRIGGERED: listed by `openAlgoOrders`.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AlgoStatus::New | AlgoStatus::Triggering | AlgoStatus::Triggered
        )
    }
}

/// A USD-M conditional order (`POST /fapi/v1/algoOrder`). When its trigger is crossed it
/// places `order` in the matching engine (as `MARKET` or `LIMIT`, with the client algo id as
/// its client order id); that order's id is `actual_order_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlgoOrder {
    /// `algoId`.
    pub algo_id: u64,
    /// `clientAlgoId` (given or generated).
    pub client_algo_id: String,
    /// Status.
    pub status: AlgoStatus,
    /// The order placed when triggered.
    pub actual_order_id: Option<u64>,
    /// Trigger time (0 until triggered).
    pub trigger_time: i64,
    /// Why it was rejected or why its order could not work (`rm`), empty otherwise.
    pub reject_reason: String,
    /// The order it stands for: `order_type`/`orig_type` the conditional type, `stop_price`
    /// the trigger price, `order_id` 0, `working` false. Once triggered, the ledger's order
    /// `actual_order_id` carries the executions.
    pub order: Order,
}

/// A spot balance.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SpotBalance {
    /// Available.
    pub free: Decimal,
    /// Held by open orders.
    pub locked: Decimal,
}

/// A futures position (one per symbol in one-way mode, LONG and SHORT in hedge mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// Symbol.
    pub symbol: String,
    /// `BOTH`, `LONG` or `SHORT`.
    pub position_side: String,
    /// Signed size (negative = short).
    pub amount: Decimal,
    /// Average entry price.
    pub entry_price: Decimal,
    /// Accumulated realized PnL (before commissions).
    pub realized_pnl: Decimal,
}

/// A snapshot of the whole ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ledger {
    /// Every order ever accepted, in acceptance order.
    pub orders: Vec<Order>,
    /// Every fill, in execution order.
    pub fills: Vec<Fill>,
    /// Spot balances by asset.
    pub spot_balances: BTreeMap<String, SpotBalance>,
    /// Futures wallet balances by asset.
    pub futures_balances: BTreeMap<String, Decimal>,
    /// Futures positions (only sides that were ever opened).
    pub positions: Vec<Position>,
    /// Futures hedge mode (`dualSidePosition`).
    pub dual_side_position: bool,
    /// Futures leverage per symbol.
    pub leverage: BTreeMap<String, u32>,
    /// Futures margin type per symbol (`cross` / `isolated`).
    pub margin_type: BTreeMap<String, String>,
    /// USD-M conditional orders, in placement order.
    pub algo_orders: Vec<AlgoOrder>,
}

impl Ledger {
    /// Every order of `market` with this client order id (re-use after close gives several).
    pub fn orders_with_client_id(&self, market: Market, client_order_id: &str) -> Vec<&Order> {
        self.orders
            .iter()
            .filter(|o| o.market == market && o.client_order_id == client_order_id)
            .collect()
    }

    /// The latest order of `market` with this client order id. A futures conditional order
    /// (placed with this `clientAlgoId`) counts: its triggered order once there is one, before
    /// that the order it stands for ([`AlgoOrder::order`]).
    pub fn order_by_client_id(&self, market: Market, client_order_id: &str) -> Option<&Order> {
        let regular = self
            .orders
            .iter()
            .rev()
            .find(|o| o.market == market && o.client_order_id == client_order_id);
        let pending = self
            .algo_order(client_order_id)
            .filter(|a| market == Market::Futures && a.actual_order_id.is_none())
            .map(|a| &a.order);
        match (regular, pending) {
            (Some(r), Some(a)) if a.time >= r.time => Some(a),
            (Some(r), _) => Some(r),
            (None, a) => a,
        }
    }

    /// The latest conditional order with this `clientAlgoId`.
    pub fn algo_order(&self, client_algo_id: &str) -> Option<&AlgoOrder> {
        self.algo_orders
            .iter()
            .rev()
            .find(|a| a.client_algo_id == client_algo_id)
    }

    /// The order with this venue id.
    pub fn order(&self, market: Market, order_id: u64) -> Option<&Order> {
        self.orders
            .iter()
            .find(|o| o.market == market && o.order_id == order_id)
    }

    /// Open orders of `market`.
    pub fn open_orders(&self, market: Market) -> Vec<&Order> {
        self.orders
            .iter()
            .filter(|o| o.market == market && o.status.is_open())
            .collect()
    }

    /// Fills of one order.
    pub fn fills_for_order(&self, market: Market, order_id: u64) -> Vec<&Fill> {
        self.fills
            .iter()
            .filter(|f| f.market == market && f.order_id == order_id)
            .collect()
    }

    /// Spot balance of `asset` (zero if unknown).
    pub fn spot_balance(&self, asset: &str) -> SpotBalance {
        self.spot_balances.get(asset).copied().unwrap_or_default()
    }

    /// Futures position for `symbol` / `position_side` (`BOTH`, `LONG`, `SHORT`).
    pub fn position(&self, symbol: &str, position_side: &str) -> Option<&Position> {
        self.positions
            .iter()
            .find(|p| p.symbol == symbol && p.position_side == position_side)
    }
}
