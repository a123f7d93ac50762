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
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    Market,
    Limit,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Market => "market",
            OrderKind::Limit => "limit",
        }
    }

    pub fn parse(s: &str) -> Option<OrderKind> {
        match s {
            "market" => Some(OrderKind::Market),
            "limit" => Some(OrderKind::Limit),
            _ => None,
        }
    }
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

/// A net position in one instrument (futures; spot holdings are balances).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    pub symbol: String,
    /// Signed: positive long, negative short.
    #[ts(type = "string")]
    pub qty: Decimal,
    #[ts(type = "string")]
    pub entry_price: Decimal,
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
    fn status_names_round_trip() {
        for st in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(st.as_str()), Some(st));
        }
    }
}
