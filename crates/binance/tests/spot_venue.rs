//! `BinanceSpot` against a small Binance look-alike on loopback (axum: REST, the WebSocket API
//! and the combined market stream), serving the docs' bodies from `tests/fixtures/binance_spot`.
//! The server checks what a real Binance would: the API key header, a valid HMAC signature over
//! the query, the order parameters; the WebSocket API checks the subscribe signature.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use futures_util::{SinkExt, StreamExt};
use keel_binance::common::config::{BinanceConfig, Endpoints};
use keel_binance::common::sign::{Signer, ws_api_payload};
use keel_binance::spot::BinanceSpot;
use keel_domain::{Amount, OrderKind, OrderOptions, OrderStatus, Side, SubmitOrder};
use keel_exchange::{AccountState, ExecutionEvent, MarketData, MarketEvent, Trading, Venue};
use keel_vault::{ApiCredentials, Secret};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

const KEY: &str = "loopback-api-key";
const SECRET: &str = "loopback-secret";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/binance_spot/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    v["expected"].clone()
}

#[derive(Default)]
struct Mock {
    hits: HashMap<String, usize>,
    orders: Vec<HashMap<String, String>>,
    bad_signatures: usize,
    skew_next_account: bool,
    user_tx: Option<mpsc::UnboundedSender<String>>,
    subscribed: bool,
    market_subscribes: Vec<Value>,
}

type Shared = Arc<Mutex<Mock>>;

fn hit(s: &Shared, what: &str) {
    *s.lock().expect("lock").hits.entry(what.into()).or_default() += 1;
}

fn params(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn err(status: StatusCode, code: i64, msg: &str) -> Response {
    (status, axum::Json(json!({"code": code, "msg": msg}))).into_response()
}

/// Checks the API key header and the HMAC signature like Binance does.
fn verify(
    s: &Shared,
    headers: &HeaderMap,
    query: &Option<String>,
) -> Result<HashMap<String, String>, Box<Response>> {
    let q = query.clone().unwrap_or_default();
    if headers.get("x-mbx-apikey").and_then(|v| v.to_str().ok()) != Some(KEY) {
        return Err(Box::new(err(
            StatusCode::UNAUTHORIZED,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        )));
    }
    let (payload, sig) = q.rsplit_once("&signature=").unwrap_or((&q, ""));
    let signer = Signer::from_secret(&Secret::new(SECRET)).expect("signer");
    if signer.sign(payload) != sig {
        s.lock().expect("lock").bad_signatures += 1;
        return Err(Box::new(err(
            StatusCode::BAD_REQUEST,
            -1022,
            "Signature for this request is not valid.",
        )));
    }
    let p = params(payload);
    assert_eq!(p.get("recvWindow").map(String::as_str), Some("5000"));
    assert!(p.contains_key("timestamp"));
    Ok(p)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

fn exchange_info() -> Value {
    let mut info = fixture("rest_exchange_info_skeleton");
    let sym = &mut info["symbols"][0];
    sym["symbol"] = "BTCUSDT".into();
    sym["baseAsset"] = "BTC".into();
    sym["quoteAsset"] = "USDT".into();
    sym["filters"] = json!([
        {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
        fixture("filter_notional"),
        fixture("filter_percent_price_by_side"),
    ]);
    info
}

async fn time(State(s): State<Shared>) -> Response {
    hit(&s, "time");
    axum::Json(json!({"serverTime": now_ms()})).into_response()
}

async fn info(State(s): State<Shared>) -> Response {
    hit(&s, "exchangeInfo");
    axum::Json(exchange_info()).into_response()
}

async fn depth(State(s): State<Shared>, RawQuery(q): RawQuery) -> Response {
    hit(&s, "depth");
    let p = params(&q.unwrap_or_default());
    assert_eq!(p.get("symbol").map(String::as_str), Some("BTCUSDT"));
    axum::Json(fixture("rest_depth")).into_response()
}

async fn account(State(s): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    hit(&s, "account");
    if let Err(r) = verify(&s, &headers, &q) {
        return *r;
    }
    let skew = std::mem::take(&mut s.lock().expect("lock").skew_next_account);
    if skew {
        return err(
            StatusCode::BAD_REQUEST,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        );
    }
    axum::Json(fixture("rest_account")).into_response()
}

fn execution_report(client_id: &str, order_id: u64) -> String {
    let mut ev = fixture("uds_execution_report");
    let e = &mut ev["event"];
    e["s"] = "BTCUSDT".into();
    e["c"] = client_id.into();
    e["i"] = order_id.into();
    e["x"] = "TRADE".into();
    e["X"] = "PARTIALLY_FILLED".into();
    e["t"] = 9001.into();
    e["l"] = "0.00100000".into();
    e["L"] = "64000.01000000".into();
    e["z"] = "0.00100000".into();
    e["n"] = "0.00000100".into();
    e["N"] = "BTC".into();
    e["m"] = true.into();
    ev.to_string()
}

async fn order(
    State(s): State<Shared>,
    method: axum::http::Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = match verify(&s, &headers, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    hit(&s, &format!("order-{method}"));
    match method.as_str() {
        "POST" => {
            let mut body = fixture("rest_new_order_full");
            let cid = p["newClientOrderId"].clone();
            body["clientOrderId"] = cid.clone().into();
            body["side"] = p["side"].clone().into();
            body["type"] = p["type"].clone().into();
            let tx = {
                let mut m = s.lock().expect("lock");
                m.orders.push(p);
                m.user_tx.clone()
            };
            if let Some(tx) = tx {
                let _ = tx.send(execution_report(&cid, 28));
            }
            axum::Json(body).into_response()
        }
        "DELETE" => {
            let mut body = fixture("rest_cancel_order");
            body["symbol"] = "BTCUSDT".into();
            body["origClientOrderId"] = p["origClientOrderId"].clone().into();
            axum::Json(body).into_response()
        }
        _ => {
            if p.get("origClientOrderId").map(String::as_str) == Some("never-sent") {
                return err(StatusCode::BAD_REQUEST, -2013, "Order does not exist.");
            }
            let mut body = fixture("rest_query_order");
            body["symbol"] = "BTCUSDT".into();
            if let Some(c) = p.get("origClientOrderId") {
                body["clientOrderId"] = c.clone().into();
            }
            axum::Json(body).into_response()
        }
    }
}

async fn ws_api(State(s): State<Shared>, up: WebSocketUpgrade) -> Response {
    up.on_upgrade(move |socket| ws_api_conn(s, socket))
}

async fn ws_api_conn(s: Shared, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    s.lock().expect("lock").user_tx = Some(tx.clone());
    let writer = tokio::spawn(async move {
        while let Some(text) = rx.recv().await {
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(text) = msg else { continue };
        let req: Value = serde_json::from_str(text.as_str()).expect("request json");
        assert_eq!(req["method"], "userDataStream.subscribe.signature");
        let p = req["params"].as_object().expect("params");
        let fields: Vec<(String, String)> = p
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        let signer = Signer::from_secret(&Secret::new(SECRET)).expect("signer");
        let ok = p["apiKey"] == KEY
            && p["signature"].as_str() == Some(signer.sign(&ws_api_payload(&fields)).as_str());
        let reply = if ok {
            s.lock().expect("lock").subscribed = true;
            json!({"id": req["id"], "status": 200, "result": {"subscriptionId": 0}})
        } else {
            json!({"id": req["id"], "status": 400, "error": {"code": -1022, "msg": "Signature for this request is not valid."}})
        };
        let _ = tx.send(reply.to_string());
    }
    writer.abort();
}

async fn market(State(s): State<Shared>, RawQuery(q): RawQuery, up: WebSocketUpgrade) -> Response {
    let streams = q.unwrap_or_default();
    up.on_upgrade(move |socket| market_conn(s, streams, socket))
}

async fn market_conn(s: Shared, streams: String, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    assert!(streams.contains("btcusdt@aggTrade"), "{streams}");
    // A diff that straddles the snapshot's lastUpdateId (1027024), then a trade.
    let diff = json!({"stream": "btcusdt@depth@100ms", "data": {
        "e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 1027020, "u": 1027030,
        "b": [["4.00000100", "2.5"]], "a": []}});
    let mut trade = fixture("ws_agg_trade");
    trade["s"] = "BTCUSDT".into();
    let trade = json!({"stream": "btcusdt@aggTrade", "data": trade});
    let mut kline = fixture("ws_kline");
    kline["s"] = "BTCUSDT".into();
    let kline = json!({"stream": "btcusdt@kline_1m", "data": kline});
    for frame in [diff, trade, kline] {
        if sink
            .send(Message::Text(frame.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    while let Some(Ok(msg)) = stream.next().await {
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).expect("frame");
            let id = v["id"].clone();
            s.lock().expect("lock").market_subscribes.push(v);
            let _ = sink
                .send(Message::Text(
                    json!({"result": null, "id": id}).to_string().into(),
                ))
                .await;
        }
    }
}

async fn serve() -> (Shared, String) {
    let s: Shared = Arc::default();
    let app = Router::new()
        .route("/api/v3/time", get(time))
        .route("/api/v3/exchangeInfo", get(info))
        .route("/api/v3/depth", get(depth))
        .route("/api/v3/account", get(account))
        .route("/api/v3/order", any(order))
        .route("/ws-api/v3", get(ws_api))
        .route("/stream", get(market))
        .with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (s, addr.to_string())
}

async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn next_matching<T: Clone, R>(
    rx: &mut tokio::sync::broadcast::Receiver<T>,
    mut f: impl FnMut(&T) -> Option<R>,
) -> R {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let ev = rx.recv().await.expect("event");
            if let Some(r) = f(&ev) {
                return r;
            }
        }
    })
    .await
    .expect("event in time")
}

fn config(addr: &str) -> BinanceConfig {
    BinanceConfig {
        account_id: "acct-1".into(),
        credentials: Some(ApiCredentials {
            api_key: Secret::new(KEY),
            secret: Secret::new(SECRET),
            passphrase: None,
        }),
        testnet: false,
        proxy: None,
        endpoints: Endpoints::loopback(&format!("http://{addr}"), &format!("ws://{addr}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_trade_and_stream_against_loopback_binance() {
    let (mock, addr) = serve().await;
    let venue = BinanceSpot::connect(config(&addr)).await.expect("connect");
    assert_eq!(venue.venue_id(), "binance");

    // Instruments from exchangeInfo filters.
    let instruments = venue.instruments().await.expect("instruments");
    assert_eq!(instruments.len(), 1);
    let btc = &instruments[0];
    assert_eq!(
        (btc.symbol.as_str(), btc.tick_size, btc.min_notional),
        ("BTC/USDT", dec!(0.01), dec!(10))
    );

    // Balances and fees from the signed account endpoint.
    let balances = venue.balances().await.expect("balances");
    assert_eq!(balances[0].asset, "BTC");
    assert_eq!(balances[0].free, dec!(4723846.89208129));
    assert_eq!(
        venue.fee_rates("BTC/USDT").await.expect("fees").taker,
        dec!(0.0015)
    );

    // A -1021 is retried once (after a clock resync) and succeeds.
    mock.lock().expect("lock").skew_next_account = true;
    let before = mock.lock().expect("lock").hits["account"];
    venue.balances().await.expect("balances after -1021");
    assert_eq!(mock.lock().expect("lock").hits["account"], before + 2);

    // The user data stream subscribes over the WebSocket API with a valid signature.
    let mut exec = venue.execution_events();
    until("user stream subscription", || {
        mock.lock().expect("lock").subscribed.then_some(())
    })
    .await;

    // Place: every order carries the STP mode, FULL response and Keel's client id.
    let order = SubmitOrder {
        client_order_id: "keel0001".into(),
        symbol: "BTC/USDT".into(),
        side: Side::Buy,
        kind: OrderKind::Limit,
        price: Some(dec!(64000.01)),
        amount: Amount::Base(dec!(0.001)),
        options: OrderOptions::default(),
    };
    let ack = venue.submit_order(&order).await.expect("submit");
    assert_eq!(ack.order.client_order_id, "keel0001");
    assert_eq!(ack.order.venue_order_id, "28");
    assert_eq!(ack.order.status, OrderStatus::Filled);
    assert_eq!(ack.fills.len(), 5);
    assert!(
        ack.fills
            .iter()
            .all(|f| f.venue == "binance" && f.account_id == "acct-1")
    );
    {
        let m = mock.lock().expect("lock");
        let p = &m.orders[0];
        assert_eq!(p["symbol"], "BTCUSDT");
        assert_eq!(p["type"], "LIMIT");
        assert_eq!(p["timeInForce"], "GTC");
        assert_eq!(p["price"], "64000.01");
        assert_eq!(p["quantity"], "0.001");
        assert_eq!(p["selfTradePreventionMode"], "EXPIRE_TAKER");
        assert_eq!(p["newOrderRespType"], "FULL");
        assert_eq!(m.bad_signatures, 0);
    }

    // The fill arrives on the user stream.
    let fill = next_matching(&mut exec, |e| match e {
        ExecutionEvent::Fill(f) => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        (fill.trade_id.as_str(), fill.client_order_id.as_str()),
        ("9001", "keel0001")
    );
    assert_eq!(
        (fill.symbol.as_str(), fill.price, fill.qty),
        ("BTC/USDT", dec!(64000.01), dec!(0.001))
    );
    assert_eq!(
        (fill.venue.as_str(), fill.account_id.as_str(), fill.is_maker),
        ("binance", "acct-1", true)
    );

    // Cancel and query.
    let canceled = venue
        .cancel_order("BTC/USDT", "keel0001")
        .await
        .expect("cancel");
    assert_eq!(
        (canceled.status, canceled.client_order_id.as_str()),
        (OrderStatus::Canceled, "keel0001")
    );
    assert!(
        venue
            .query_order("BTC/USDT", "never-sent")
            .await
            .expect("query")
            .is_none()
    );
    let q = venue
        .query_order("BTC/USDT", "keel0001")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(
        (q.status, q.symbol.as_str()),
        (OrderStatus::Open, "BTC/USDT")
    );

    // Market streams on demand: trades, candles and a synced book.
    let mut market = venue.market_events();
    venue.watch("BTC/USDT").await.expect("watch");
    let mut got_trade = false;
    let mut got_candle = false;
    let mut book = None;
    tokio::time::timeout(Duration::from_secs(5), async {
        while !(got_trade && got_candle && book.is_some()) {
            match market.recv().await.expect("market event") {
                MarketEvent::Trade { symbol, trade } => {
                    assert_eq!(symbol, "BTC/USDT");
                    assert_eq!((trade.id, trade.price), (12345, dec!(0.001)));
                    got_trade = true;
                }
                MarketEvent::Candle {
                    symbol,
                    interval_ms,
                    closed,
                    ..
                } => {
                    assert_eq!(
                        (symbol.as_str(), interval_ms, closed),
                        ("BTC/USDT", 60_000, false)
                    );
                    got_candle = true;
                }
                MarketEvent::Book { symbol, book: b } => {
                    assert_eq!(symbol, "BTC/USDT");
                    book = Some(b);
                }
                MarketEvent::MarkPrice { .. } => {}
            }
        }
    })
    .await
    .expect("market events in time");
    let book = book.expect("book");
    // Snapshot bid 4.0 plus the diff's better bid 4.000001; ask from the snapshot.
    assert_eq!(book.best_bid(), Some(dec!(4.000001)));
    assert_eq!(book.best_ask(), Some(dec!(4.000002)));
    assert!(mock.lock().expect("lock").hits["depth"] >= 1);

    let health = venue.health().borrow().clone();
    assert_eq!(health.weight_limit, Some(6000));
    assert!(health.clock_offset_ms.is_some());

    // A second watcher shares the subscription; the last unwatch unsubscribes.
    venue.watch("BTC/USDT").await.expect("watch again");
    venue.unwatch("BTC/USDT").await;
    venue.unwatch("BTC/USDT").await;
    until("unsubscribe frame", || {
        mock.lock()
            .expect("lock")
            .market_subscribes
            .iter()
            .any(|v| v["method"] == "UNSUBSCRIBE")
            .then_some(())
    })
    .await;

    venue.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_with_a_clear_message() {
    let (_mock, addr) = serve().await;
    let mut cfg = config(&addr);
    cfg.credentials = Some(ApiCredentials {
        api_key: Secret::new(KEY),
        secret: Secret::new("not-the-secret"),
        passphrase: None,
    });
    let venue = BinanceSpot::connect(cfg)
        .await
        .expect("public connect works");
    let err = venue.balances().await.expect_err("bad signature");
    assert!(err.to_string().contains("API key or signature"), "{err}");
    venue.close().await;
}
