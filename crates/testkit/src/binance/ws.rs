//! WebSocket endpoints: market streams (`/ws`, `/ws/<stream>`, `/stream?streams=`), the spot
//! WebSocket API (`/ws-api/v3`), and futures listenKey user streams (`/ws/<listenKey>`).

use crate::binance::http::Ctx;
use crate::binance::params::Params;
use crate::binance::state::{Control, Shared, UserMsg, stream_kind_name};
use crate::config::Market;
use crate::fault::StreamKind;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// `btcusdt@depth@100ms` -> `btcusdt@depth`; symbol part lower-cased.
fn canonical(name: &str) -> String {
    let (sym, rest) = name.split_once('@').unwrap_or((name, ""));
    let rest = ["@100ms", "@250ms", "@500ms", "@1s"]
        .iter()
        .fold(rest.to_owned(), |acc, s| {
            acc.strip_suffix(s).map(str::to_owned).unwrap_or(acc)
        });
    format!("{}@{}", sym.to_lowercase(), rest)
}

fn market_kind(m: Market) -> StreamKind {
    match m {
        Market::Spot => StreamKind::SpotMarket,
        Market::Futures => StreamKind::FuturesMarket,
    }
}

fn count_conn(shared: &Shared, kind: StreamKind) {
    *shared
        .lock()
        .stats
        .ws_connections
        .entry(stream_kind_name(kind).to_owned())
        .or_default() += 1;
}

async fn send_text(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    v: &Value,
) -> bool {
    sink.send(Message::Text(v.to_string().into())).await.is_ok()
}

/// `GET /ws`: raw stream, subscriptions by frame.
pub(crate) async fn ws_raw(AxState(ctx): AxState<Ctx>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |s| market_conn(s, ctx.shared, ctx.market, false, Vec::new()))
}

/// `GET /stream?streams=a/b`: combined stream.
pub(crate) async fn ws_combined(
    AxState(ctx): AxState<Ctx>,
    RawQuery(q): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let p = Params::parse(&[q.as_deref().unwrap_or("")]);
    let streams: Vec<String> = p
        .get("streams")
        .map(|s| {
            s.split('/')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    ws.on_upgrade(move |s| market_conn(s, ctx.shared, ctx.market, true, streams))
}

/// `GET /ws/<name>`: one raw market stream, or (futures) the user stream of a listenKey.
pub(crate) async fn ws_named(
    AxState(ctx): AxState<Ctx>,
    Path(name): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    if name.contains('@') {
        return ws.on_upgrade(move |s| market_conn(s, ctx.shared, ctx.market, false, vec![name]));
    }
    if ctx.market == Market::Spot {
        return (
            StatusCode::NOT_FOUND,
            "spot user data uses the WebSocket API",
        )
            .into_response();
    }
    let valid = ctx.shared.lock().listen_key_valid(&name);
    if !valid {
        return (
            StatusCode::BAD_REQUEST,
            json!({"code": -1125, "msg": "This listenKey does not exist."}).to_string(),
        )
            .into_response();
    }
    ws.on_upgrade(move |s| futures_user_conn(s, ctx.shared, name))
}

/// `GET /ws-api/v3`: the spot WebSocket API.
pub(crate) async fn ws_api(AxState(ctx): AxState<Ctx>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |s| spot_ws_api_conn(s, ctx.shared))
}

/// Waits `ms` without reading or writing, then drops what was published meanwhile.
async fn stall<T: Clone>(ms: u64, rx: &mut broadcast::Receiver<T>) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    *rx = rx.resubscribe();
}

async fn market_conn(
    socket: WebSocket,
    shared: Arc<Shared>,
    market: Market,
    combined: bool,
    initial: Vec<String>,
) {
    let kind = market_kind(market);
    count_conn(&shared, kind);
    let mut rx = shared.tx.market[market.idx()].subscribe();
    let mut ctl = shared.tx.control[kind.idx()].subscribe();
    let (mut sink, mut stream) = socket.split();
    let mut subs: Vec<String> = initial;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(Ok(msg)) = msg else { break };
                match msg {
                    Message::Text(t) => {
                        let reply = handle_subscription(&mut subs, t.as_str());
                        if !send_text(&mut sink, &reply).await { break; }
                    }
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    let Some(name) = subs.iter().find(|s| canonical(s) == ev.stream) else { continue };
                    let frame = if combined {
                        json!({"stream": name, "data": *ev.payload})
                    } else {
                        (*ev.payload).clone()
                    };
                    if !send_text(&mut sink, &frame).await { break; }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            c = ctl.recv() => match c {
                Ok(Control::Stall(ms)) => stall(ms, &mut rx).await,
                Ok(Control::Disconnect) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
}

fn handle_subscription(subs: &mut Vec<String>, text: &str) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return json!({"error": {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}, "id": null});
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let names: Vec<String> = req
        .get("params")
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    match req.get("method").and_then(|m| m.as_str()) {
        Some("SUBSCRIBE") => {
            for n in names {
                if !subs.contains(&n) {
                    subs.push(n);
                }
            }
            json!({"result": null, "id": id})
        }
        Some("UNSUBSCRIBE") => {
            subs.retain(|s| !names.contains(s));
            json!({"result": null, "id": id})
        }
        Some("LIST_SUBSCRIPTIONS") => json!({"result": subs.clone(), "id": id}),
        _ => json!({"error": {"code": 2, "msg": "Invalid request: unknown variant"}, "id": id}),
    }
}

async fn futures_user_conn(socket: WebSocket, shared: Arc<Shared>, key: String) {
    let kind = StreamKind::FuturesUser;
    count_conn(&shared, kind);
    let mut rx = shared.tx.user[Market::Futures.idx()].subscribe();
    let mut ctl = shared.tx.control[kind.idx()].subscribe();
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            msg = stream.next() => {
                match msg {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    _ => {}
                }
            }
            ev = rx.recv() => match ev {
                Ok(UserMsg::Event(v)) => {
                    shared.lock().stats.user_events_sent += 1;
                    if !send_text(&mut sink, &v).await { break; }
                }
                Ok(UserMsg::ListenKeyExpired(k)) if k == key => {
                    let now = shared.clock.now_ms();
                    // Live USD-M sends E as a string here (go-binance#510).
                    let ev = json!({"e": "listenKeyExpired", "E": now.to_string(), "listenKey": k});
                    let _ = send_text(&mut sink, &ev).await;
                    shared.lock().stats.disconnects_forced += 1;
                    return;
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            c = ctl.recv() => match c {
                Ok(Control::Stall(ms)) => stall(ms, &mut rx).await,
                Ok(Control::Disconnect) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
}

fn ws_error(id: &Value, e: &crate::binance::params::ApiError) -> Value {
    json!({"id": id, "status": e.status, "error": {"code": e.code, "msg": e.msg}})
}

struct ApiConn {
    subs: Vec<u64>,
    next_sub: u64,
    logged_on: bool,
    connected_since: i64,
}

fn ws_api_request(shared: &Shared, conn: &mut ApiConn, text: &str) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return json!({"id": null, "status": 400, "error": {"code": -1102, "msg": "Malformed request."}});
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let params = req
        .get("params")
        .and_then(|p| p.as_object())
        .cloned()
        .unwrap_or_default();
    let mut st = shared.lock();
    let now = st.now();
    match req.get("method").and_then(|m| m.as_str()).unwrap_or("") {
        "ping" => json!({"id": id, "status": 200, "result": {}}),
        "time" => json!({"id": id, "status": 200, "result": {"serverTime": now}}),
        "session.logon" => match st.check_ws_signed(&params) {
            Ok(()) => {
                conn.logged_on = true;
                json!({"id": id, "status": 200, "result": {
                    "apiKey": st.cfg.api_key, "authorizedSince": now, "connectedSince": conn.connected_since,
                    "returnRateLimits": false, "serverTime": now, "userDataStream": !conn.subs.is_empty(),
                }})
            }
            Err(e) => ws_error(&id, &e),
        },
        "session.status" => json!({"id": id, "status": 200, "result": {
            "apiKey": if conn.logged_on { json!(st.cfg.api_key) } else { Value::Null },
            "connectedSince": conn.connected_since, "serverTime": now, "userDataStream": !conn.subs.is_empty(),
        }}),
        "session.logout" => {
            conn.logged_on = false;
            json!({"id": id, "status": 200, "result": {}})
        }
        m @ ("userDataStream.subscribe" | "userDataStream.subscribe.signature") => {
            let auth = if m == "userDataStream.subscribe" {
                if conn.logged_on {
                    Ok(())
                } else {
                    Err(crate::binance::params::ApiError::new(
                        -2015,
                        "Invalid API-key, IP, or permissions for action.",
                    )
                    .with_status(401))
                }
            } else {
                st.check_ws_signed(&params)
            };
            match auth {
                Ok(()) => {
                    let sid = conn.next_sub;
                    conn.next_sub += 1;
                    conn.subs.push(sid);
                    json!({"id": id, "status": 200, "result": {"subscriptionId": sid}})
                }
                Err(e) => ws_error(&id, &e),
            }
        }
        "userDataStream.unsubscribe" => {
            match params.get("subscriptionId").and_then(|v| v.as_u64()) {
                Some(sid) => conn.subs.retain(|s| *s != sid),
                None => conn.subs.clear(),
            }
            json!({"id": id, "status": 200, "result": {}})
        }
        "session.subscriptions" => json!({"id": id, "status": 200,
            "result": conn.subs.iter().map(|s| json!({"subscriptionId": s})).collect::<Vec<_>>()}),
        _ => {
            json!({"id": id, "status": 400, "error": {"code": -1020, "msg": "Unsupported operation."}})
        }
    }
}

async fn spot_ws_api_conn(socket: WebSocket, shared: Arc<Shared>) {
    let kind = StreamKind::SpotUser;
    count_conn(&shared, kind);
    let mut rx = shared.tx.user[Market::Spot.idx()].subscribe();
    let mut ctl = shared.tx.control[kind.idx()].subscribe();
    let (mut sink, mut stream) = socket.split();
    let mut conn = ApiConn {
        subs: Vec::new(),
        next_sub: 0,
        logged_on: false,
        connected_since: shared.clock.now_ms(),
    };
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(Ok(msg)) = msg else { break };
                match msg {
                    Message::Text(t) => {
                        let reply = ws_api_request(&shared, &mut conn, t.as_str());
                        if !send_text(&mut sink, &reply).await { break; }
                    }
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            ev = rx.recv() => match ev {
                Ok(UserMsg::Event(v)) => {
                    for sid in conn.subs.clone() {
                        shared.lock().stats.user_events_sent += 1;
                        let frame = json!({"subscriptionId": sid, "event": *v});
                        if !send_text(&mut sink, &frame).await { return; }
                    }
                }
                Ok(UserMsg::Terminated) => {
                    let now = shared.clock.now_ms();
                    for sid in std::mem::take(&mut conn.subs) {
                        let frame = json!({"subscriptionId": sid, "event": {"e": "eventStreamTerminated", "E": now}});
                        if !send_text(&mut sink, &frame).await { return; }
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            c = ctl.recv() => match c {
                Ok(Control::Stall(ms)) => stall(ms, &mut rx).await,
                Ok(Control::Disconnect) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn canonical_names() {
        assert_eq!(canonical("BTCUSDT@depth@100ms"), "btcusdt@depth");
        assert_eq!(canonical("btcusdt@markPrice@1s"), "btcusdt@markPrice");
        assert_eq!(canonical("btcusdt@kline_1m"), "btcusdt@kline_1m");
    }
}
