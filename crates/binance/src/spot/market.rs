//! Spot market stream messages on one combined-stream connection (`{"stream":..,"data":..}`).

use crate::spot::fast::{AggTradeMsg, decode_agg_trade};
use crate::spot::wire::{Depth, WsBookTicker, WsDepthUpdate, WsKline, WsTrade};
use serde::Deserialize;
use serde_json::Value;

/// One market stream message.
#[derive(Debug)]
pub enum MarketMsg<'a> {
    AggTrade(AggTradeMsg<'a>),
    Trade(WsTrade),
    Kline(WsKline),
    DepthDiff(WsDepthUpdate),
    /// `<symbol>@depth<N>`: no symbol in the payload; `symbol` comes from the stream name
    /// (upper-cased).
    PartialDepth {
        symbol: String,
        depth: Depth,
    },
    BookTicker(WsBookTicker),
    /// `{"result":null,"id":N}`: a SUBSCRIBE/UNSUBSCRIBE was accepted.
    Ack {
        id: u64,
    },
    /// A stream Keel does not read.
    Other,
}

/// Splits `{"stream":"<name>","data":<data>}` without parsing `data` (the common shape);
/// `None` for anything else.
fn split_combined(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("{\"stream\":\"")?;
    let end = rest.find('"')?;
    let stream = &rest[..end];
    let data = rest[end..].strip_prefix("\",\"data\":")?;
    let data = data.trim_end().strip_suffix('}')?;
    Some((stream, data))
}

#[derive(Deserialize)]
struct CombinedOwned {
    stream: String,
    data: Value,
}

fn decode_data<'a>(stream: &str, data: &'a str) -> Result<MarketMsg<'a>, String> {
    let (sym, kind) = stream.split_once('@').unwrap_or((stream, ""));
    let e = |err: serde_json::Error| format!("{stream}: {err}");
    Ok(if kind == "aggTrade" {
        MarketMsg::AggTrade(decode_agg_trade(data).map_err(|d| d.0)?)
    } else if kind == "trade" {
        MarketMsg::Trade(serde_json::from_str(data).map_err(e)?)
    } else if kind.starts_with("kline_") {
        MarketMsg::Kline(serde_json::from_str(data).map_err(e)?)
    } else if kind == "bookTicker" {
        MarketMsg::BookTicker(serde_json::from_str(data).map_err(e)?)
    } else if kind == "depth" || kind.starts_with("depth@") {
        MarketMsg::DepthDiff(serde_json::from_str(data).map_err(e)?)
    } else if kind.starts_with("depth") {
        MarketMsg::PartialDepth {
            symbol: sym.to_ascii_uppercase(),
            depth: serde_json::from_str(data).map_err(e)?,
        }
    } else {
        MarketMsg::Other
    })
}

/// Parses one text frame of the combined-stream connection.
pub fn parse_market(text: &str) -> Result<MarketMsg<'_>, String> {
    if let Some((stream, data)) = split_combined(text)
        && let Ok(msg) = decode_data(stream, data)
    {
        return Ok(msg);
    }
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if v.get("stream").is_none() {
        if let Some(id) = v.get("id").and_then(Value::as_u64)
            && v.get("result").is_some()
        {
            return Ok(MarketMsg::Ack { id });
        }
        if let Some(err) = v.get("error") {
            return Err(format!("market stream error: {err}"));
        }
        return Ok(MarketMsg::Other);
    }
    let c: CombinedOwned = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let data = c.data.to_string();
    // Owned fallback: decode again from the re-serialised data and detach the borrow.
    match decode_data(&c.stream, &data)? {
        MarketMsg::AggTrade(m) => Ok(MarketMsg::AggTrade(AggTradeMsg {
            symbol: std::borrow::Cow::Owned(m.symbol.into_owned()),
            trade: m.trade,
        })),
        MarketMsg::Trade(t) => Ok(MarketMsg::Trade(t)),
        MarketMsg::Kline(k) => Ok(MarketMsg::Kline(k)),
        MarketMsg::DepthDiff(d) => Ok(MarketMsg::DepthDiff(d)),
        MarketMsg::PartialDepth { symbol, depth } => Ok(MarketMsg::PartialDepth { symbol, depth }),
        MarketMsg::BookTicker(b) => Ok(MarketMsg::BookTicker(b)),
        MarketMsg::Ack { id } => Ok(MarketMsg::Ack { id }),
        MarketMsg::Other => Ok(MarketMsg::Other),
    }
}

/// The streams Keel subscribes for one watched symbol.
pub fn streams_for(venue_symbol: &str) -> [String; 3] {
    let s = venue_symbol.to_ascii_lowercase();
    [
        format!("{s}@aggTrade"),
        format!("{s}@kline_1m"),
        format!("{s}@depth@100ms"),
    ]
}

/// A SUBSCRIBE / UNSUBSCRIBE frame.
pub fn subscription_frame(method: &str, streams: &[String], id: u64) -> String {
    serde_json::json!({ "method": method, "params": streams, "id": id }).to_string()
}
