//! Orders, their lifecycle, fills, balances and positions.

use crate::TimestampMs;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "buy" => Some(Side::Buy),
            "sell" => Some(Side::Sell),
            _ => None,
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Market,
    Limit,
    /// A limit order that must rest: refused instead of taking liquidity (post-only,
    /// Binance LIMIT_MAKER / GTX).
    LimitMaker,
    /// Becomes a market order when the trigger (`stop_price`) trades against the position:
    /// a buy triggers at or above it, a sell at or below (Binance STOP_LOSS / STOP_MARKET).
    StopMarket,
    /// Becomes a limit order at `price` when the stop triggers (Binance STOP_LOSS_LIMIT / STOP).
    StopLimit,
    /// Becomes a market order when price reaches the target in the position's favour: a sell
    /// triggers at or above `stop_price`, a buy at or below (Binance TAKE_PROFIT_MARKET).
    TakeProfitMarket,
    /// Becomes a limit order at `price` at the target (Binance TAKE_PROFIT_LIMIT / TAKE_PROFIT).
    TakeProfitLimit,
}

impl OrderKind {
    pub const ALL: [OrderKind; 7] = [
        OrderKind::Market,
        OrderKind::Limit,
        OrderKind::LimitMaker,
        OrderKind::StopMarket,
        OrderKind::StopLimit,
        OrderKind::TakeProfitMarket,
        OrderKind::TakeProfitLimit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Market => "market",
            OrderKind::Limit => "limit",
            OrderKind::LimitMaker => "limit_maker",
            OrderKind::StopMarket => "stop_market",
            OrderKind::StopLimit => "stop_limit",
            OrderKind::TakeProfitMarket => "take_profit_market",
            OrderKind::TakeProfitLimit => "take_profit_limit",
        }
    }

    pub fn parse(s: &str) -> Option<OrderKind> {
        OrderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the order carries a limit price.
    pub fn has_limit_price(self) -> bool {
        matches!(
            self,
            OrderKind::Limit
                | OrderKind::LimitMaker
                | OrderKind::StopLimit
                | OrderKind::TakeProfitLimit
        )
    }

    /// Whether the order waits for a trigger price (`stop_price`) before it works.
    pub fn is_conditional(self) -> bool {
        matches!(
            self,
            OrderKind::StopMarket
                | OrderKind::StopLimit
                | OrderKind::TakeProfitMarket
                | OrderKind::TakeProfitLimit
        )
    }
}

/// How long an order works: good till canceled, immediate or cancel (fill what can be filled at
/// once, cancel the rest), fill or kill (all at once or nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TimeInForce {
    #[default]
    Gtc,
    Ioc,
    Fok,
}

impl TimeInForce {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
        }
    }

    pub fn parse(s: &str) -> Option<TimeInForce> {
        [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// Which side of a hedge-mode futures account an order works on. `Both` is one-way mode (and
/// every spot order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PositionSide {
    #[default]
    Both,
    Long,
    Short,
}

impl PositionSide {
    pub fn as_str(self) -> &'static str {
        match self {
            PositionSide::Both => "both",
            PositionSide::Long => "long",
            PositionSide::Short => "short",
        }
    }

    pub fn parse(s: &str) -> Option<PositionSide> {
        [PositionSide::Both, PositionSide::Long, PositionSide::Short]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The parts of an order beyond kind, side, price and amount. The defaults are a plain GTC
/// order that may open a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct OrderOptions {
    /// The trigger of a conditional order (see [`OrderKind::is_conditional`]).
    #[ts(type = "string | null")]
    pub stop_price: Option<Decimal>,
    pub time_in_force: TimeInForce,
    /// Futures: the order may only shrink the position.
    pub reduce_only: bool,
    /// Futures: a stop or take-profit that closes the whole position (no amount is sent).
    pub close_position: bool,
    pub position_side: PositionSide,
}

/// How much to trade: a base quantity, or a quote amount to spend/receive (Binance quoteOrderQty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "unit", content = "value", rename_all = "lowercase")]
pub enum Amount {
    Base(#[ts(type = "string")] Decimal),
    Quote(#[ts(type = "string")] Decimal),
}

/// Where an order is in its life (see the design's orders.md). `Unknown` means a submit whose
/// outcome is not known yet: it is resolved from the venue, never assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Intent,
    Submitting,
    Open,
    PartiallyFilled,
    PendingCancel,
    Filled,
    Canceled,
    Expired,
    Rejected,
    Unknown,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Intent,
        OrderStatus::Submitting,
        OrderStatus::Open,
        OrderStatus::PartiallyFilled,
        OrderStatus::PendingCancel,
        OrderStatus::Filled,
        OrderStatus::Canceled,
        OrderStatus::Expired,
        OrderStatus::Rejected,
        OrderStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Intent => "intent",
            OrderStatus::Submitting => "submitting",
            OrderStatus::Open => "open",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::PendingCancel => "pending_cancel",
            OrderStatus::Filled => "filled",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Expired => "expired",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Filled
                | OrderStatus::Canceled
                | OrderStatus::Expired
                | OrderStatus::Rejected
        )
    }

    /// Whether the order may still trade on the venue (it holds funds there).
    pub fn is_working(self) -> bool {
        matches!(
            self,
            OrderStatus::Open | OrderStatus::PartiallyFilled | OrderStatus::PendingCancel
        )
    }

    /// The lifecycle's transition rule. Terminal states absorb everything except the races real
    /// venues produce: a fill that crossed a cancel (Canceled -> Filled / PartiallyFilled is
    /// accepted as Filled), and fills that arrive before the ack (Submitting -> Filled).
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        if self == next {
            return !self.is_terminal() || self == Filled;
        }
        match self {
            Intent => matches!(next, Submitting | Rejected | Unknown),
            Submitting | Unknown => next != Intent,
            Open => !matches!(next, Intent | Submitting),
            PartiallyFilled => !matches!(next, Intent | Submitting | Open),
            PendingCancel => matches!(next, Canceled | Filled | PartiallyFilled | Expired),
            Canceled => next == Filled,
            Filled | Expired | Rejected => false,
        }
    }
}

/// An order as Keel sends it to a venue. The client order id is Keel's, deterministic, at most 32
/// characters of `[A-Za-z0-9]` so every venue accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitOrder {
    pub client_order_id: String,
    pub symbol: String,
    pub side: Side,
    pub kind: OrderKind,
    pub price: Option<Decimal>,
    pub amount: Amount,
    pub options: OrderOptions,
}

/// Keel's record of an order: what was asked, what the venue said, what has filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrderRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub account_id: String,
    pub venue: String,
    pub client_order_id: String,
    pub venue_order_id: Option<String>,
    pub symbol: String,
    pub side: Side,
    pub kind: OrderKind,
    #[ts(type = "string | null")]
    pub price: Option<Decimal>,
    pub amount: Amount,
    #[ts(type = "string")]
    pub filled_qty: Decimal,
    #[ts(type = "string")]
    pub filled_quote: Decimal,
    pub status: OrderStatus,
    pub reason: Option<String>,
    #[ts(type = "number")]
    pub created_ms: TimestampMs,
    #[ts(type = "number")]
    pub updated_ms: TimestampMs,
    pub options: OrderOptions,
}

/// One execution. Applied exactly once, keyed by (venue, account, trade id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Fill {
    pub venue: String,
    pub account_id: String,
    pub symbol: String,
    pub side: Side,
    #[ts(type = "string")]
    pub price: Decimal,
    #[ts(type = "string")]
    pub qty: Decimal,
    #[ts(type = "string")]
    pub quote_qty: Decimal,
    #[ts(type = "string")]
    pub fee: Decimal,
    pub fee_asset: String,
    pub venue_order_id: String,
    pub client_order_id: String,
    pub trade_id: String,
    pub is_maker: bool,
    #[ts(type = "number")]
    pub ts_ms: TimestampMs,
}

/// A balance of one asset on one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    pub asset: String,
    #[ts(type = "string")]
    pub free: Decimal,
    #[ts(type = "string")]
    pub locked: Decimal,
}

impl Balance {
    pub fn total(&self) -> Decimal {
        self.free + self.locked
    }
}

/// A position in one futures instrument (spot holdings are balances). In hedge mode an
/// instrument has a long and a short position; in one-way mode one signed position (`Both`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    pub symbol: String,
    pub position_side: PositionSide,
    /// Signed: positive long, negative short.
    #[ts(type = "string")]
    pub qty: Decimal,
    #[ts(type = "string")]
    pub entry_price: Decimal,
    #[ts(type = "string | null")]
    pub mark_price: Option<Decimal>,
    #[ts(type = "string")]
    pub unrealized_pnl: Decimal,
    pub leverage: u32,
    pub margin_type: MarginType,
    #[ts(type = "string | null")]
    pub liquidation_price: Option<Decimal>,
    #[ts(type = "number")]
    pub updated_ms: TimestampMs,
}

/// How a futures position's margin is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MarginType {
    #[default]
    Cross,
    Isolated,
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn terminal_states_absorb_except_a_fill_crossing_a_cancel() {
        for next in OrderStatus::ALL {
            assert!(!Filled.can_become(next) || next == Filled);
            assert!(!Rejected.can_become(next));
            assert!(!Expired.can_become(next));
            assert_eq!(Canceled.can_become(next), next == Filled);
        }
    }

    #[test]
    fn venue_races_are_accepted() {
        assert!(Submitting.can_become(Filled));
        assert!(PendingCancel.can_become(Filled));
        assert!(Unknown.can_become(Open));
        assert!(!Open.can_become(Submitting));
        assert!(!PartiallyFilled.can_become(Open));
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in OrderKind::ALL {
            assert_eq!(OrderKind::parse(kind.as_str()), Some(kind));
            assert!(!(kind.is_conditional() && kind == OrderKind::Limit));
        }
        assert!(OrderKind::StopLimit.has_limit_price() && OrderKind::StopLimit.is_conditional());
        assert!(!OrderKind::StopMarket.has_limit_price());
    }

    #[test]
    fn status_names_round_trip() {
        for st in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(st.as_str()), Some(st));
        }
    }
}
