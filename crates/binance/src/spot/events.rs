//! Spot user data stream events (delivered over the WebSocket API wrapped as
//! `{"subscriptionId":0,"event":{...}}`; legacy listenKey streams sent the bare event) and
//! WebSocket API responses.

use crate::common::num::{de_decimal, de_opt_decimal};
use crate::spot::wire::{kind_from_wire, side_from_wire, status_from_wire};
use keel_domain::{Balance, Fill};
use keel_exchange::OrderUpdate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// `executionReport`.
#[derive(Debug, Deserialize)]
pub struct ExecutionReport {
    #[serde(rename = "E")]
    pub event_time: i64,
    pub s: String,
    /// The client order id of this request (a cancel's own id for cancels).
    pub c: String,
    #[serde(rename = "S")]
    pub side: String,
    pub o: String,
    #[serde(rename = "X")]
    pub status: String,
    /// Execution type: NEW, CANCELED, REPLACED, REJECTED, TRADE, EXPIRED, TRADE_PREVENTION.
    pub x: String,
    /// Original client order id (for cancels); empty otherwise.
    #[serde(rename = "C", default)]
    pub orig_client_id: String,
    pub i: u64,
    #[serde(deserialize_with = "de_decimal")]
    pub l: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub z: Decimal,
    #[serde(rename = "L", deserialize_with = "de_decimal")]
    pub last_price: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub n: Decimal,
    #[serde(rename = "N", default)]
    pub fee_asset: Option<String>,
    #[serde(rename = "T")]
    pub trade_time: i64,
    pub t: i64,
    pub m: bool,
    #[serde(rename = "Z", default, deserialize_with = "de_opt_decimal")]
    pub cum_quote: Option<Decimal>,
    #[serde(rename = "Y", default, deserialize_with = "de_opt_decimal")]
    pub last_quote: Option<Decimal>,
}

impl ExecutionReport {
    /// Keel's client order id: the original one for cancels.
    pub fn client_order_id(&self) -> &str {
        if self.orig_client_id.is_empty() {
            &self.c
        } else {
            &self.orig_client_id
        }
    }

    /// The order update; `None` for order types/statuses Keel does not know.
    pub fn to_update(&self, keel_symbol: &str) -> Option<OrderUpdate> {
        Some(OrderUpdate {
            client_order_id: self.client_order_id().to_string(),
            venue_order_id: self.i.to_string(),
            symbol: keel_symbol.to_string(),
            side: side_from_wire(&self.side)?,
            kind: kind_from_wire(&self.o)?,
            status: status_from_wire(&self.status)?,
            filled_qty: self.z,
            filled_quote: self.cum_quote.unwrap_or_default(),
            ts_ms: self.trade_time,
        })
    }

    /// The fill of a TRADE execution.
    pub fn to_fill(&self, keel_symbol: &str, venue: &str, account_id: &str) -> Option<Fill> {
        if self.x != "TRADE" || self.t < 0 {
            return None;
        }
        Some(Fill {
            venue: venue.to_string(),
            account_id: account_id.to_string(),
            symbol: keel_symbol.to_string(),
            side: side_from_wire(&self.side)?,
            price: self.last_price,
            qty: self.l,
            quote_qty: self.last_quote.unwrap_or(self.last_price * self.l),
            fee: self.n,
            fee_asset: self.fee_asset.clone().unwrap_or_default(),
            venue_order_id: self.i.to_string(),
            client_order_id: self.client_order_id().to_string(),
            trade_id: self.t.to_string(),
            is_maker: self.m,
            ts_ms: self.trade_time,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct WireAccountBalance {
    pub a: String,
    #[serde(deserialize_with = "de_decimal")]
    pub f: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub l: Decimal,
}

/// `outboundAccountPosition`: the balances that changed.
#[derive(Debug, Deserialize)]
pub struct AccountPosition {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "B")]
    pub balances: Vec<WireAccountBalance>,
}

impl AccountPosition {
    pub fn balances(&self) -> Vec<Balance> {
        self.balances
            .iter()
            .map(|b| Balance {
                asset: b.a.clone(),
                free: b.f,
                locked: b.l,
            })
            .collect()
    }
}

/// `balanceUpdate`: a deposit, withdrawal or transfer (a delta, not a balance).
#[derive(Debug, Deserialize)]
pub struct BalanceDelta {
    pub a: String,
    #[serde(deserialize_with = "de_decimal")]
    pub d: Decimal,
    #[serde(rename = "T")]
    pub clear_time: i64,
}

/// A user data stream event.
#[derive(Debug)]
pub enum UserEvent {
    Execution(Box<ExecutionReport>),
    Account(AccountPosition),
    BalanceDelta(BalanceDelta),
    /// The subscription ended (the server logged the session out): subscribe again.
    StreamTerminated,
    /// An event Keel does not use (listStatus, externalLockUpdate ...).
    Other(String),
}

/// A message on the WebSocket API connection.
#[derive(Debug)]
pub enum WsApiMessage {
    Event(UserEvent),
    /// The answer to a request: `status` 200 and `result`, or an error `{code,msg}`.
    Response {
        id: Option<String>,
        status: u16,
        result: Option<Value>,
        error: Option<(i64, String)>,
    },
}

fn parse_event(ev: Value) -> Result<UserEvent, String> {
    let kind = ev
        .get("e")
        .and_then(Value::as_str)
        .ok_or("event without a type")?
        .to_string();
    let e = |err: serde_json::Error| format!("{kind}: {err}");
    Ok(match kind.as_str() {
        "executionReport" => UserEvent::Execution(Box::new(serde_json::from_value(ev).map_err(e)?)),
        "outboundAccountPosition" => UserEvent::Account(serde_json::from_value(ev).map_err(e)?),
        "balanceUpdate" => UserEvent::BalanceDelta(serde_json::from_value(ev).map_err(e)?),
        "eventStreamTerminated" => UserEvent::StreamTerminated,
        _ => UserEvent::Other(kind),
    })
}

/// Parses a WebSocket API frame: a wrapped user event, a bare (legacy) event, or a response.
pub fn parse_ws_api(text: &str) -> Result<WsApiMessage, String> {
    let mut v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if let Some(ev) = v.get_mut("event") {
        return parse_event(ev.take()).map(WsApiMessage::Event);
    }
    if v.get("e").is_some() {
        return parse_event(v).map(WsApiMessage::Event);
    }
    let id = v.get("id").map(|i| match i {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let status = v
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("response without a status")?;
    let error = v.get("error").map(|e| {
        (
            e.get("code").and_then(Value::as_i64).unwrap_or_default(),
            e.get("msg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )
    });
    Ok(WsApiMessage::Response {
        id,
        status,
        result: v.get_mut("result").map(Value::take),
        error,
    })
}
