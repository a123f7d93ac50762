//! `fstream` frames: public market streams and the user data stream, into domain types.

use super::parse::{
    AccountCtx, SymbolSettings, agg_trade, futures_balance, margin_type, order_kind, order_status,
    position_side, side, signed_qty, to_keel,
};
use super::wire;
use crate::common::SymbolMap;
use keel_domain::{BookLevel, Candle, Fill, MarkPrice, OrderBook, Position, Trade};
use keel_exchange::{ExchangeError, ExchangeResult, OrderUpdate};
use std::collections::HashMap;

fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> ExchangeResult<T> {
    serde_json::from_str(text).map_err(|e| ExchangeError::Unknown {
        message: format!("unexpected {what} event from binance-usdm: {e}"),
    })
}

fn event_type(text: &str) -> ExchangeResult<Option<String>> {
    Ok(decode::<wire::EventType>("stream", text)?.e)
}

/// A public stream frame. Symbols are the venue's (`BTCUSDT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketMsg {
    Trade {
        venue_symbol: String,
        trade: Trade,
    },
    Candle {
        venue_symbol: String,
        interval_ms: i64,
        candle: Candle,
        closed: bool,
    },
    /// A diff for the local book (`<symbol>@depth@100ms`), with `pu`.
    Depth {
        venue_symbol: String,
        diff: keel_transport::DepthDiff,
    },
    /// Best bid and ask (`<symbol>@bookTicker`), as a one-level book.
    BookTicker {
        venue_symbol: String,
        update_id: u64,
        book: OrderBook,
    },
    MarkPrice {
        venue_symbol: String,
        mark: MarkPrice,
    },
    /// A subscription reply (`{"result":null,"id":1}`) or an event Keel does not use.
    Other,
}

/// Parses one public stream frame (raw `/ws` frames, or the `data` of a combined stream).
pub fn parse_market_msg(text: &str) -> ExchangeResult<MarketMsg> {
    let value: serde_json::Value = decode("market", text)?;
    let value = match value.get("data") {
        Some(data) if value.get("stream").is_some() => data.clone(),
        _ => value,
    };
    let ty = value.get("e").and_then(|e| e.as_str()).map(str::to_string);
    fn typed<T: serde::de::DeserializeOwned>(
        what: &str,
        v: serde_json::Value,
    ) -> ExchangeResult<T> {
        serde_json::from_value(v).map_err(|e| ExchangeError::Unknown {
            message: format!("unexpected {what} event from binance-usdm: {e}"),
        })
    }
    Ok(match ty.as_deref() {
        Some("aggTrade") => {
            let t: wire::WsAggTrade = typed("aggTrade", value.clone())?;
            MarketMsg::Trade {
                trade: agg_trade(&t.trade),
                venue_symbol: t.symbol,
            }
        }
        Some("kline") => {
            let k: wire::WsKline = typed("kline", value.clone())?;
            MarketMsg::Candle {
                venue_symbol: k.symbol,
                interval_ms: k.k.close_time + 1 - k.k.open_time,
                closed: k.k.closed,
                candle: Candle {
                    open_time_ms: k.k.open_time,
                    open: k.k.open,
                    high: k.k.high,
                    low: k.k.low,
                    close: k.k.close,
                    volume: k.k.volume,
                },
            }
        }
        Some("depthUpdate") => {
            let d: wire::WsDepth = typed("depthUpdate", value.clone())?;
            MarketMsg::Depth {
                venue_symbol: d.symbol,
                diff: keel_transport::DepthDiff {
                    first_update_id: d.first,
                    final_update_id: d.last,
                    prev_final_update_id: Some(d.prev_last),
                    bids: d.bids,
                    asks: d.asks,
                    ts_ms: d.txn_ms.unwrap_or(d.event_ms),
                },
            }
        }
        Some("bookTicker") => {
            let b: wire::WsBookTicker = typed("bookTicker", value.clone())?;
            MarketMsg::BookTicker {
                venue_symbol: b.symbol,
                update_id: b.update_id,
                book: OrderBook {
                    bids: vec![BookLevel {
                        price: b.bid,
                        qty: b.bid_qty,
                    }],
                    asks: vec![BookLevel {
                        price: b.ask,
                        qty: b.ask_qty,
                    }],
                    ts_ms: b.txn_ms.or(b.event_ms).unwrap_or_default(),
                },
            }
        }
        Some("markPriceUpdate") => {
            let m: wire::WsMarkPrice = typed("markPriceUpdate", value.clone())?;
            MarketMsg::MarkPrice {
                venue_symbol: m.symbol,
                mark: MarkPrice {
                    ts_ms: m.event_ms,
                    mark_price: m.mark,
                    index_price: m.index,
                    funding_rate: m.funding_rate,
                    next_funding_ms: m.next_funding_ms.filter(|t| *t > 0),
                },
            }
        }
        _ => MarketMsg::Other,
    })
}

/// Whether a client order id marks an order the venue placed itself: a liquidation
/// (`autoclose-*`), an auto-deleveraging (`adl_autoclose`) or a delisting/delivery settlement
/// (`settlement_autoclose-*`). Their fills are the account's fills all the same.
pub fn is_venue_initiated(client_order_id: &str) -> bool {
    client_order_id.starts_with("autoclose-")
        || client_order_id == "adl_autoclose"
        || client_order_id.starts_with("settlement_autoclose-")
}

/// A user data stream frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvent {
    /// `ORDER_TRADE_UPDATE`: the order's state, and the fill when the execution was a trade.
    Order {
        update: OrderUpdate,
        fill: Option<Box<Fill>>,
        /// Liquidation, ADL or settlement order (see [`is_venue_initiated`]).
        venue_initiated: bool,
    },
    /// `ACCOUNT_UPDATE`: the balances and positions that changed. A position with a zero
    /// quantity was closed.
    Account {
        reason: String,
        balances: Vec<keel_domain::Balance>,
        positions: Vec<Position>,
    },
    /// `ACCOUNT_CONFIG_UPDATE` with a leverage change (`ac`).
    LeverageChanged { venue_symbol: String, leverage: u32 },
    /// `TRADE_LITE`: a faster, fee-less copy of a trade that `ORDER_TRADE_UPDATE` also
    /// reports. Keel records fills only from `ORDER_TRADE_UPDATE` (it has the fee); the lite
    /// event only yields the venue-side latency (event time minus trade time) for logging.
    TradeLite {
        venue_symbol: String,
        client_order_id: String,
        trade_id: String,
        latency_ms: i64,
    },
    /// `ALGO_UPDATE`: a conditional order held by Binance's algo service (client id =
    /// `clientAlgoId`, venue id = `algoId`). Status per [`super::algo::algo_status`], with the
    /// triggered order's executed quantity (`aq`): `TRIGGERED` is open or partially filled,
    /// `FINISHED` filled when the whole quantity executed, canceled otherwise.
    Algo {
        update: OrderUpdate,
        reject_reason: Option<String>,
        /// The order the trigger placed (`ai`), whose `ORDER_TRADE_UPDATE`s carry the fills.
        actual_order_id: Option<u64>,
    },
    /// `listenKeyExpired`: the stream is dead; create a new key and reconnect. `E` arrives as a
    /// number or a numeric string.
    ListenKeyExpired { event_ms: i64 },
    /// Anything else (e.g. `MARGIN_CALL`, `CONDITIONAL_ORDER_TRIGGER_REJECT`), by event type.
    Other(String),
}

/// Parses one user data stream frame. `settings` gives leverage (and the margin type when the
/// frame lacks it) to positions in `ACCOUNT_UPDATE`, which carries neither leverage nor mark.
pub fn parse_user_event(
    text: &str,
    symbols: &SymbolMap,
    ctx: &AccountCtx,
    settings: &HashMap<String, SymbolSettings>,
) -> ExchangeResult<UserEvent> {
    let ty = event_type(text)?.unwrap_or_default();
    match ty.as_str() {
        "ORDER_TRADE_UPDATE" => {
            let ev: wire::WsOrderTradeUpdate = decode(&ty, text)?;
            let o = ev.o;
            let side = side(&o.side)?;
            let symbol = to_keel(symbols, &o.symbol);
            let kind = order_kind(
                o.orig_type.as_deref().unwrap_or(&o.order_type),
                o.time_in_force.as_deref(),
            );
            let venue_initiated = is_venue_initiated(&o.client_order_id);
            let is_trade = matches!(o.exec_type.as_str(), "TRADE" | "CALCULATED")
                && !o.last_qty.is_zero()
                && o.trade_id != 0;
            let fill = is_trade.then(|| {
                Box::new(Fill {
                    venue: ctx.venue.clone(),
                    account_id: ctx.account_id.clone(),
                    symbol: symbol.clone(),
                    side,
                    price: o.last_price,
                    qty: o.last_qty,
                    quote_qty: (o.last_price * o.last_qty).normalize(),
                    fee: o.fee.unwrap_or_default(),
                    fee_asset: o.fee_asset.clone().unwrap_or_default(),
                    venue_order_id: o.order_id.to_string(),
                    client_order_id: o.client_order_id.clone(),
                    trade_id: o.trade_id.to_string(),
                    is_maker: o.maker,
                    ts_ms: o.trade_ms,
                })
            });
            let update = OrderUpdate {
                client_order_id: o.client_order_id,
                venue_order_id: o.order_id.to_string(),
                symbol,
                side,
                kind,
                status: order_status(&o.status),
                filled_qty: o.cum_qty,
                filled_quote: (o.avg_price.unwrap_or_default() * o.cum_qty).normalize(),
                ts_ms: o.trade_ms,
            };
            let _ = ev.event_ms;
            Ok(UserEvent::Order {
                update,
                fill,
                venue_initiated,
            })
        }
        "ACCOUNT_UPDATE" => {
            let ev: wire::WsAccountUpdate = decode(&ty, text)?;
            let balances =
                ev.a.balances
                    .into_iter()
                    .map(|b| futures_balance(b.asset, b.wallet, b.cross_wallet))
                    .collect();
            let positions =
                ev.a.positions
                    .into_iter()
                    .map(|p| {
                        let ps = position_side(&p.position_side);
                        let s = settings.get(&p.symbol);
                        Position {
                            symbol: to_keel(symbols, &p.symbol),
                            position_side: ps,
                            qty: signed_qty(ps, p.amount),
                            entry_price: p.entry,
                            mark_price: None,
                            unrealized_pnl: p.unrealized,
                            leverage: s.map(|s| s.leverage).unwrap_or(0),
                            margin_type: margin_type(&p.margin_type),
                            liquidation_price: None,
                            updated_ms: ev.event_ms,
                        }
                    })
                    .collect();
            Ok(UserEvent::Account {
                reason: ev.a.reason,
                balances,
                positions,
            })
        }
        "ACCOUNT_CONFIG_UPDATE" => {
            let v: serde_json::Value = decode(&ty, text)?;
            let ac = v.get("ac");
            match (
                ac.and_then(|a| a.get("s")).and_then(|s| s.as_str()),
                ac.and_then(|a| a.get("l")).and_then(|l| l.as_u64()),
            ) {
                (Some(s), Some(l)) => Ok(UserEvent::LeverageChanged {
                    venue_symbol: s.to_string(),
                    leverage: u32::try_from(l).unwrap_or(u32::MAX),
                }),
                _ => Ok(UserEvent::Other(ty)),
            }
        }
        "TRADE_LITE" => {
            let ev: wire::WsTradeLite = decode(&ty, text)?;
            Ok(UserEvent::TradeLite {
                venue_symbol: ev.symbol,
                client_order_id: ev.client_order_id,
                trade_id: ev.trade_id.to_string(),
                latency_ms: ev.event_ms - ev.trade_ms,
            })
        }
        "ALGO_UPDATE" => {
            let ev: wire::WsAlgoUpdate = decode(&ty, text)?;
            let o = ev.o;
            let filled = o.filled_qty.unwrap_or_default();
            let status = super::algo::stream_status(&o.status, filled, o.qty);
            Ok(UserEvent::Algo {
                update: OrderUpdate {
                    client_order_id: o.client_algo_id,
                    venue_order_id: o.algo_id.to_string(),
                    symbol: to_keel(symbols, &o.symbol),
                    side: side(&o.side)?,
                    kind: order_kind(&o.order_type, o.time_in_force.as_deref()),
                    status,
                    filled_qty: filled,
                    filled_quote: (o.avg_price.unwrap_or_default() * filled).normalize(),
                    ts_ms: ev.event_ms,
                },
                reject_reason: o.reject_reason.filter(|r| !r.is_empty()),
                actual_order_id: super::algo::actual_id(&o.actual_order_id),
            })
        }
        "listenKeyExpired" => {
            let ev: wire::WsListenKeyExpired = decode(&ty, text)?;
            let _ = ev.listen_key;
            Ok(UserEvent::ListenKeyExpired {
                event_ms: ev.event_ms,
            })
        }
        _ => Ok(UserEvent::Other(ty)),
    }
}
