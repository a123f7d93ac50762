//! Conditional orders on Binance's algo service.
//!
//! Since 2025-12-09 USD-M refuses STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and
//! TRAILING_STOP_MARKET on `/fapi/v1/order` (-4120, "Please use the Algo Order API endpoints
//! instead"). They live in the algo service: `POST/GET/DELETE /fapi/v1/algoOrder`,
//! `GET /fapi/v1/openAlgoOrders` and `ALGO_UPDATE` on the user stream. Keel's client order id
//! is the `clientAlgoId`; the venue order id Keel keeps is the `algoId`. When the trigger fires
//! Binance places an ordinary order (`actualOrderId`, `ai` in `ALGO_UPDATE`) whose executions
//! arrive as `ORDER_TRADE_UPDATE`; they are attributed to the algo order's client id.
//! Sources: Binance USD-M docs ("New/Query/Cancel Algo Order", "Current All Algo Open Orders",
//! "Event: Algo Order Update"), nautilus_trader's Binance futures adapter (issues #3287, #3664,
//! PR #4411: fall back to the algo query on -2013).
//!
//! Status mapping ([`algo_status`]): `NEW` and `TRIGGERING` are open; `TRIGGERED` is the status
//! of the order it placed (open or partially filled until that order finishes); `FINISHED` is
//! that order's final status (filled, or canceled/expired with what it filled); `CANCELED`,
//! `EXPIRED` and `REJECTED` map one to one.

use super::parse::{decode, order_kind, side, to_keel};
use super::wire;
use crate::common::SymbolMap;
use keel_domain::{Decimal, OrderStatus};
use keel_exchange::{ExchangeResult, OrderUpdate};
use std::collections::HashMap;

/// The triggered order's id from `actualOrderId` / `ai`: a number, a numeric string, or `""`
/// before the trigger.
pub(crate) fn actual_id(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id != 0)
}

/// Keel's status of an algo status. `actual`: the status of the order the trigger placed,
/// when known (see the module docs for the mapping).
pub fn algo_status(status: &str, actual: Option<OrderStatus>) -> OrderStatus {
    match status {
        "NEW" | "TRIGGERING" => OrderStatus::Open,
        "TRIGGERED" => match actual {
            Some(s @ (OrderStatus::PartiallyFilled | OrderStatus::Filled)) => s,
            _ => OrderStatus::Open,
        },
        "FINISHED" => match actual {
            Some(s @ (OrderStatus::Filled | OrderStatus::Expired | OrderStatus::Canceled)) => s,
            Some(OrderStatus::Rejected) => OrderStatus::Rejected,
            _ => OrderStatus::Canceled,
        },
        "CANCELED" => OrderStatus::Canceled,
        "EXPIRED" => OrderStatus::Expired,
        "REJECTED" => OrderStatus::Rejected,
        _ => OrderStatus::Unknown,
    }
}

/// The status an `ALGO_UPDATE` implies from its own fields: the triggered order's executed
/// quantity `filled` (`aq`) against the algo quantity `qty` (`q`, 0 for close-position orders).
pub(crate) fn stream_status(status: &str, filled: Decimal, qty: Decimal) -> OrderStatus {
    let actual = if filled.is_zero() {
        None
    } else if qty.is_zero() || filled >= qty {
        Some(OrderStatus::Filled)
    } else if status == "FINISHED" {
        Some(OrderStatus::Canceled)
    } else {
        Some(OrderStatus::PartiallyFilled)
    };
    algo_status(status, actual)
}

/// An algo order read over REST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgoView {
    /// The order as Keel sees it (client id = `clientAlgoId`, venue id = `algoId`), before the
    /// triggered order is folded in ([`AlgoView::with_actual`]).
    pub update: OrderUpdate,
    /// `algoStatus` as sent.
    pub algo_status: String,
    /// `actualOrderId`, once triggered.
    pub actual_order_id: Option<u64>,
    /// The contract (`BTCUSDT`).
    pub venue_symbol: String,
}

impl AlgoView {
    /// The view with the triggered order's status and executed quantity.
    pub fn with_actual(&self, actual: &OrderUpdate) -> OrderUpdate {
        OrderUpdate {
            status: algo_status(&self.algo_status, Some(actual.status)),
            filled_qty: actual.filled_qty,
            filled_quote: actual.filled_quote,
            ts_ms: actual.ts_ms.max(self.update.ts_ms),
            ..self.update.clone()
        }
    }
}

fn view(o: wire::AlgoOrder, symbols: &SymbolMap) -> ExchangeResult<AlgoView> {
    Ok(AlgoView {
        update: OrderUpdate {
            client_order_id: o.client_algo_id,
            venue_order_id: o.algo_id.to_string(),
            symbol: to_keel(symbols, &o.symbol),
            side: side(&o.side)?,
            kind: order_kind(&o.order_type, o.time_in_force.as_deref()),
            status: algo_status(&o.algo_status, None),
            filled_qty: Decimal::ZERO,
            filled_quote: Decimal::ZERO,
            ts_ms: o.update_time.or(o.create_time).unwrap_or_default(),
        },
        actual_order_id: actual_id(&o.actual_order_id),
        algo_status: o.algo_status,
        venue_symbol: o.symbol,
    })
}

/// `POST/GET /fapi/v1/algoOrder`.
pub fn parse_algo_order(body: &[u8], symbols: &SymbolMap) -> ExchangeResult<AlgoView> {
    view(decode("algoOrder", body)?, symbols)
}

/// `GET /fapi/v1/openAlgoOrders`.
pub fn parse_algo_orders(body: &[u8], symbols: &SymbolMap) -> ExchangeResult<Vec<AlgoView>> {
    let rows: Vec<wire::AlgoOrder> = decode("openAlgoOrders", body)?;
    rows.into_iter().map(|o| view(o, symbols)).collect()
}

/// The algo orders this session knows: Keel client id to `algoId`, and triggered order id to
/// (Keel client id, `algoId`), so the triggered order's events and fills are attributed to
/// Keel's order whatever client id Binance gave it.
#[derive(Debug, Default)]
pub(crate) struct AlgoIds {
    by_client: HashMap<String, u64>,
    by_actual: HashMap<u64, (String, u64)>,
}

impl AlgoIds {
    pub(crate) fn remember(&mut self, client_id: &str, algo_id: u64, actual: Option<u64>) {
        self.by_client.insert(client_id.to_string(), algo_id);
        if let Some(actual) = actual {
            self.by_actual
                .insert(actual, (client_id.to_string(), algo_id));
        }
    }

    pub(crate) fn is_algo_client(&self, client_id: &str) -> bool {
        self.by_client.contains_key(client_id)
    }

    pub(crate) fn is_algo_id(&self, algo_id: u64) -> bool {
        self.by_client.values().any(|a| *a == algo_id)
    }

    /// (Keel client id, `algoId`) of the algo order that placed order `order_id`.
    pub(crate) fn parent_of(&self, order_id: &str) -> Option<(String, u64)> {
        let id: u64 = order_id.parse().ok()?;
        self.by_actual.get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_triggered_order() {
        assert_eq!(algo_status("NEW", None), OrderStatus::Open);
        assert_eq!(algo_status("TRIGGERING", None), OrderStatus::Open);
        assert_eq!(algo_status("TRIGGERED", None), OrderStatus::Open);
        assert_eq!(
            algo_status("TRIGGERED", Some(OrderStatus::PartiallyFilled)),
            OrderStatus::PartiallyFilled
        );
        assert_eq!(
            algo_status("FINISHED", Some(OrderStatus::Filled)),
            OrderStatus::Filled
        );
        assert_eq!(
            algo_status("FINISHED", Some(OrderStatus::Expired)),
            OrderStatus::Expired
        );
        assert_eq!(algo_status("FINISHED", None), OrderStatus::Canceled);
        assert_eq!(algo_status("CANCELED", None), OrderStatus::Canceled);
        assert_eq!(algo_status("EXPIRED", None), OrderStatus::Expired);
        assert_eq!(algo_status("REJECTED", None), OrderStatus::Rejected);
        assert_eq!(algo_status("???", None), OrderStatus::Unknown);
        let (one, half) = (Decimal::ONE, Decimal::new(5, 1));
        assert_eq!(stream_status("FINISHED", one, one), OrderStatus::Filled);
        assert_eq!(stream_status("FINISHED", half, one), OrderStatus::Canceled);
        assert_eq!(
            stream_status("TRIGGERED", half, one),
            OrderStatus::PartiallyFilled
        );
        assert_eq!(
            stream_status("FINISHED", half, Decimal::ZERO),
            OrderStatus::Filled,
            "close-position orders have no quantity"
        );
    }

    #[test]
    fn actual_ids_are_read_leniently() {
        assert_eq!(actual_id(&serde_json::json!("")), None);
        assert_eq!(
            actual_id(&serde_json::json!("88937381063")),
            Some(88937381063)
        );
        assert_eq!(actual_id(&serde_json::json!(5)), Some(5));
        assert_eq!(actual_id(&serde_json::Value::Null), None);
    }
}
