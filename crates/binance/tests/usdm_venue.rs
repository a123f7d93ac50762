//! `BinanceUsdm` against a small Binance USD-M server on loopback (axum REST + WebSockets),
//! written here: it records every request's query, serves exchangeInfo, positions, orders and
//! userTrades, hands out listenKeys and pushes user-stream frames to the connection of a
//! given key. Bodies follow the fixtures in `tests/fixtures/binance_usdm`.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use keel_binance::common::{BinanceConfig, Endpoints};
use keel_binance::usdm::{BinanceUsdm, UsdmOptions};
use keel_domain::{
    Amount, MarginType, OrderKind, OrderOptions, OrderStatus, PositionSide, Side, SubmitOrder,
};
use keel_exchange::{
    AccountState, Derivatives, ExecutionEvent, MarketData, MarketEvent, Trading, Venue,
};
use keel_vault::{ApiCredentials, Secret};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

const API_KEY: &str = "usdm-test-key";

type Query = Vec<(String, String)>;

#[derive(Default)]
struct Ledger {
    /// (method, path, query params in order) of every REST request.
    requests: Vec<(String, String, Query)>,
    keys_created: u32,
    keepalives: u32,
    /// Answer keepalives with -1125.
    keepalive_gone: bool,
    /// listenKeys in the order their WebSocket connected.
    user_connections: Vec<String>,
    /// Frames received on market connections.
    market_frames: Vec<String>,
    next_order_id: u64,
    orders: BTreeMap<String, Value>,
    /// Algo orders by clientAlgoId.
    algos: BTreeMap<String, Value>,
    trades: Vec<Value>,
}

#[derive(Clone)]
struct Mock {
    ledger: Arc<Mutex<Ledger>>,
    user_tx: broadcast::Sender<(String, String)>,
    market_tx: broadcast::Sender<String>,
}

impl Mock {
    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().expect("ledger")
    }

    fn push_user(&self, key: &str, frame: Value) {
        self.user_tx
            .send((key.to_string(), frame.to_string()))
            .expect("a user connection listens");
    }

    fn requests_to(&self, method: &str, path: &str) -> Vec<Vec<(String, String)>> {
        self.ledger()
            .requests
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .map(|(_, _, q)| q.clone())
            .collect()
    }
}

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/binance_usdm")
        .join(name);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    v["expected"].clone()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn error(code: i64, msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"code": code, "msg": msg})),
    )
        .into_response()
}

fn ok(v: Value) -> Response {
    ([("x-mbx-used-weight-1m", "7")], axum::Json(v)).into_response()
}

fn exchange_info() -> Value {
    let mut info = fixture("rest_exchange_information.json");
    let btc = json!({
        "symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL", "status": "TRADING",
        "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT",
        "pricePrecision": 2, "quantityPrecision": 3,
        "filters": [
            {"filterType": "PRICE_FILTER", "maxPrice": "4529764", "minPrice": "556.80", "tickSize": "0.10"},
            {"filterType": "LOT_SIZE", "maxQty": "1000", "minQty": "0.001", "stepSize": "0.001"},
            {"filterType": "MARKET_LOT_SIZE", "maxQty": "120", "minQty": "0.001", "stepSize": "0.001"},
            {"filterType": "MIN_NOTIONAL", "notional": "100"}
        ]
    });
    info["symbols"].as_array_mut().expect("symbols").push(btc);
    info
}

async fn rest(State(m): State<Mock>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_string();
    let q = parse_query(uri.query().unwrap_or(""));
    m.ledger()
        .requests
        .push((method.to_string(), path.clone(), q.clone()));
    let signed = param(&q, "signature").is_some();
    let keyed = headers.get("x-mbx-apikey").and_then(|v| v.to_str().ok()) == Some(API_KEY);
    let needs_key = path.contains("listenKey") || signed;
    if needs_key && !keyed {
        return error(-2015, "Invalid API-key, IP, or permissions for action.");
    }
    if signed && (param(&q, "timestamp").is_none() || param(&q, "recvWindow") != Some("5000")) {
        return error(-1102, "Mandatory parameter 'timestamp' was not sent.");
    }
    let now = 1_700_000_000_000i64;
    match (method.as_str(), path.as_str()) {
        ("GET", "/fapi/v1/time") => ok(json!({"serverTime": now})),
        ("GET", "/fapi/v1/exchangeInfo") => ok(exchange_info()),
        ("GET", "/fapi/v1/symbolConfig") => ok(json!([
            {"symbol": "BTCUSDT", "marginType": "CROSSED", "isAutoAddMargin": "false", "leverage": 10, "maxNotionalValue": "1000000"}
        ])),
        ("GET", "/fapi/v1/positionSide/dual") => ok(json!({"dualSidePosition": false})),
        ("POST", "/fapi/v1/listenKey") => {
            let mut l = m.ledger();
            l.keys_created += 1;
            l.keepalive_gone = false;
            ok(json!({"listenKey": format!("key-{}", l.keys_created)}))
        }
        ("PUT", "/fapi/v1/listenKey") => {
            let mut l = m.ledger();
            l.keepalives += 1;
            if l.keepalive_gone {
                return error(-1125, "This listenKey does not exist.");
            }
            ok(json!({"listenKey": format!("key-{}", l.keys_created)}))
        }
        ("DELETE", "/fapi/v1/listenKey") => ok(json!({})),
        ("GET", "/fapi/v3/positionRisk") => {
            let mut rows = fixture("rest_position_information_v3.json");
            rows[0]["symbol"] = json!("BTCUSDT");
            ok(rows)
        }
        ("GET", "/fapi/v3/balance") => ok(fixture("rest_futures_account_balance_v3.json")),
        ("GET", "/fapi/v1/commissionRate") => ok(fixture("rest_user_commission_rate.json")),
        ("POST", "/fapi/v1/marginType") => error(-4046, "No need to change margin type."),
        ("POST", "/fapi/v1/leverage") => {
            ok(json!({"leverage": 5, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"}))
        }
        ("GET", "/sapi/v1/account/apiRestrictions") => ok(json!({
            "ipRestrict": true, "createTime": 1_698_645_219_000i64, "enableReading": true,
            "enableWithdrawals": false, "enableInternalTransfer": false, "enableMargin": false,
            "enableFutures": true, "permitsUniversalTransfer": false, "enableVanillaOptions": false,
            "enableSpotAndMarginTrading": false
        })),
        ("POST", "/fapi/v1/order")
            if param(&q, "type")
                .is_some_and(|t| t.contains("STOP") || t.contains("TAKE_PROFIT")) =>
        {
            error(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
            )
        }
        ("POST", "/fapi/v1/algoOrder") => {
            let mut l = m.ledger();
            l.next_order_id += 1;
            let caid = param(&q, "clientAlgoId").unwrap_or_default().to_string();
            // Shape: Binance USD-M "New Algo Order" / "Query Algo Order" response.
            let algo = json!({
                "algoId": 2_146_000 + l.next_order_id, "clientAlgoId": caid, "algoType": "CONDITIONAL",
                "orderType": param(&q, "type"), "symbol": param(&q, "symbol"), "side": param(&q, "side"),
                "positionSide": "BOTH", "timeInForce": "GTC", "quantity": param(&q, "quantity"),
                "algoStatus": "NEW", "actualOrderId": "", "actualPrice": "0.00000",
                "triggerPrice": param(&q, "triggerPrice"), "price": "0.000", "icebergQuantity": null,
                "selfTradePreventionMode": "EXPIRE_TAKER", "workingType": "CONTRACT_PRICE",
                "priceMatch": "NONE", "closePosition": false, "priceProtect": false,
                "reduceOnly": param(&q, "reduceOnly") == Some("true"), "createTime": now,
                "updateTime": now, "triggerTime": 0, "goodTillDate": 0
            });
            l.algos.insert(caid, algo.clone());
            ok(algo)
        }
        (verb @ ("GET" | "DELETE"), "/fapi/v1/algoOrder") => {
            let mut l = m.ledger();
            let found = match (param(&q, "clientAlgoId"), param(&q, "algoId")) {
                (Some(cid), _) => l.algos.get_mut(cid),
                (None, Some(id)) => l
                    .algos
                    .values_mut()
                    .find(|o| o["algoId"].as_u64() == id.parse().ok()),
                _ => None,
            };
            match found {
                None if verb == "GET" => error(-2013, "Order does not exist."),
                None => error(-2011, "Unknown order sent."),
                Some(o) if verb == "DELETE" => {
                    if o["algoStatus"] != "NEW" {
                        return error(-2011, "Unknown order sent.");
                    }
                    o["algoStatus"] = json!("CANCELED");
                    ok(
                        json!({"algoId": o["algoId"], "clientAlgoId": o["clientAlgoId"], "code": "200", "msg": "success"}),
                    )
                }
                Some(o) => ok(o.clone()),
            }
        }
        ("POST", "/fapi/v1/order") => {
            let mut l = m.ledger();
            l.next_order_id += 1;
            let cid = param(&q, "newClientOrderId")
                .unwrap_or_default()
                .to_string();
            let ty = param(&q, "type").unwrap_or_default();
            let order = json!({
                "orderId": 5_000_000 + l.next_order_id, "symbol": param(&q, "symbol"), "status": "NEW",
                "clientOrderId": cid, "price": param(&q, "price").unwrap_or("0"), "avgPrice": "0.00",
                "origQty": param(&q, "quantity").unwrap_or("0"), "executedQty": "0", "cumQuote": "0",
                "timeInForce": param(&q, "timeInForce").unwrap_or("GTC"), "type": ty, "origType": ty,
                "reduceOnly": param(&q, "reduceOnly") == Some("true"), "closePosition": false,
                "side": param(&q, "side"), "positionSide": "BOTH", "stopPrice": param(&q, "stopPrice").unwrap_or("0"),
                "workingType": "CONTRACT_PRICE", "priceProtect": false, "priceMatch": "NONE",
                "selfTradePreventionMode": "EXPIRE_TAKER", "goodTillDate": 0, "updateTime": now
            });
            l.orders.insert(cid, order.clone());
            ok(order)
        }
        (verb @ ("GET" | "DELETE"), "/fapi/v1/order") => {
            let mut l = m.ledger();
            let found = match (param(&q, "origClientOrderId"), param(&q, "orderId")) {
                (Some(cid), _) => l.orders.get_mut(cid),
                (None, Some(id)) => l
                    .orders
                    .values_mut()
                    .find(|o| o["orderId"].as_u64() == id.parse().ok()),
                _ => None,
            };
            match found {
                None if verb == "GET" => error(-2013, "Order does not exist."),
                None => error(-2011, "Unknown order sent."),
                Some(o) => {
                    if verb == "DELETE" {
                        o["status"] = json!("CANCELED");
                    }
                    ok(o.clone())
                }
            }
        }
        ("GET", "/fapi/v1/userTrades") => {
            let id = param(&q, "orderId").unwrap_or_default().to_string();
            let rows: Vec<Value> = m
                .ledger()
                .trades
                .iter()
                .filter(|t| t["orderId"].as_u64() == id.parse().ok())
                .cloned()
                .collect();
            ok(Value::Array(rows))
        }
        ("GET", "/fapi/v1/depth") => ok(json!({
            "lastUpdateId": 100, "E": now, "T": now,
            "bids": [["60000.0", "1.500"], ["59999.9", "2.000"]], "asks": [["60000.1", "0.700"]]
        })),
        _ => (StatusCode::NOT_FOUND, format!("no route {method} {path}")).into_response(),
    }
}

async fn ws_user(Path(key): Path<String>, State(m): State<Mock>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| user_conn(socket, key, m))
}

async fn user_conn(mut socket: WebSocket, key: String, m: Mock) {
    let mut rx = m.user_tx.subscribe();
    m.ledger().user_connections.push(key.clone());
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok((k, text)) if k == key => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                _ => {}
            }
        }
    }
}

async fn ws_market(State(m): State<Mock>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| market_conn(socket, m))
}

async fn market_conn(mut socket: WebSocket, m: Mock) {
    let mut rx = m.market_tx.subscribe();
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Err(_) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    let id = serde_json::from_str::<Value>(t.as_str()).ok().and_then(|v| v.get("id").cloned());
                    m.ledger().market_frames.push(t.to_string());
                    let reply = json!({"result": null, "id": id}).to_string();
                    if socket.send(Message::Text(reply.into())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                _ => {}
            }
        }
    }
}

async fn start_mock() -> (Mock, String) {
    let (user_tx, _) = broadcast::channel(64);
    let (market_tx, _) = broadcast::channel(64);
    let mock = Mock {
        ledger: Arc::new(Mutex::new(Ledger::default())),
        user_tx,
        market_tx,
    };
    let app = Router::new()
        .route("/ws", get(ws_market))
        .route("/ws/{key}", get(ws_user))
        .fallback(rest)
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (mock, format!("127.0.0.1:{}", addr.port()))
}

async fn connect(addr: &str, keepalive: Duration) -> BinanceUsdm {
    let mut config = BinanceConfig::usdm(
        "acc1",
        Some(ApiCredentials {
            api_key: Secret::new(API_KEY),
            secret: Secret::new("usdm-test-secret"),
            passphrase: None,
        }),
        false,
    );
    config.endpoints = Endpoints::loopback(&format!("http://{addr}"), &format!("ws://{addr}"));
    let mut options = UsdmOptions::for_config(&config);
    options.spot_rest = vec![format!("http://{addr}")];
    options.keepalive_interval = keepalive;
    options.backoff_min = Duration::from_millis(50);
    options.backoff_max = Duration::from_millis(200);
    BinanceUsdm::connect_with(config, options)
        .await
        .expect("connect")
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn next_exec(rx: &mut broadcast::Receiver<ExecutionEvent>) -> ExecutionEvent {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("execution event in time")
        .expect("execution event")
}

fn trade_update(cid: &str, order_id: u64, trade_id: u64, status: &str) -> Value {
    let mut v = fixture("ws_user_order_trade_update_trade.json");
    v["o"]["c"] = json!(cid);
    v["o"]["i"] = json!(order_id);
    v["o"]["t"] = json!(trade_id);
    v["o"]["X"] = json!(status);
    v
}

fn stop_order(cid: &str) -> SubmitOrder {
    SubmitOrder {
        client_order_id: cid.into(),
        symbol: "BTC/USDT".into(),
        side: Side::Sell,
        kind: OrderKind::StopMarket,
        price: None,
        amount: Amount::Base(dec!(0.010)),
        options: OrderOptions {
            stop_price: Some(dec!(58000.0)),
            reduce_only: true,
            ..OrderOptions::default()
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_trade_and_user_stream() {
    let (mock, addr) = start_mock().await;
    let venue = connect(&addr, Duration::from_secs(1800)).await;
    assert_eq!(venue.venue_id(), "binance-usdm");
    assert!(venue.derivatives().is_some());
    let mut exec = venue.execution_events();

    let instruments = venue.instruments().await.expect("instruments");
    let btc = instruments
        .iter()
        .find(|i| i.symbol == "BTC/USDT")
        .expect("BTC/USDT");
    assert_eq!(
        (btc.tick_size, btc.step_size, btc.min_notional),
        (dec!(0.1), dec!(0.001), dec!(100))
    );
    assert!(
        instruments.iter().any(|i| i.symbol == "BLZ/USDT"),
        "the flattened mock symbol"
    );

    wait_until("user stream on key-1", || {
        mock.ledger().user_connections == ["key-1"]
    })
    .await;

    // Positions with leverage from symbolConfig.
    let positions = venue.positions().await.expect("positions");
    assert_eq!(positions.len(), 1);
    assert_eq!(
        (positions[0].symbol.as_str(), positions[0].qty),
        ("BTC/USDT", dec!(30))
    );
    assert_eq!(
        (positions[0].leverage, positions[0].margin_type),
        (10, MarginType::Cross)
    );

    // A reduce-only STOP_MARKET goes to the algo service (since 2025-12-09 /fapi/v1/order
    // answers -4120): the exact parameters, in order.
    let ack = venue
        .submit_order(&stop_order("k1stop"))
        .await
        .expect("submit");
    assert_eq!(
        (ack.order.kind, ack.order.status),
        (OrderKind::StopMarket, OrderStatus::Open)
    );
    assert_eq!(ack.order.client_order_id, "k1stop");
    assert_eq!(ack.order.venue_order_id, "2146001", "the algoId");
    assert!(mock.requests_to("POST", "/fapi/v1/order").is_empty());
    let sent = mock.requests_to("POST", "/fapi/v1/algoOrder");
    assert_eq!(sent.len(), 1);
    let keys: Vec<&str> = sent[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "algoType",
            "symbol",
            "side",
            "type",
            "quantity",
            "triggerPrice",
            "reduceOnly",
            "clientAlgoId",
            "selfTradePreventionMode",
            "recvWindow",
            "timestamp",
            "signature"
        ]
    );
    let q = &sent[0];
    for (k, v) in [
        ("algoType", "CONDITIONAL"),
        ("symbol", "BTCUSDT"),
        ("side", "SELL"),
        ("type", "STOP_MARKET"),
        ("quantity", "0.01"),
        ("triggerPrice", "58000"),
        ("reduceOnly", "true"),
        ("clientAlgoId", "k1stop"),
        ("selfTradePreventionMode", "EXPIRE_TAKER"),
        ("recvWindow", "5000"),
    ] {
        assert_eq!(param(q, k), Some(v), "{k}");
    }
    assert_eq!(
        param(q, "signature").map(str::len),
        Some(64),
        "hex HMAC-SHA256"
    );

    // Query by Keel's id: the algo service; an order the venue never saw is None (-2013 from
    // both the regular and the algo lookup).
    let found = venue
        .query_order("BTC/USDT", "k1stop")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(
        (found.venue_order_id.as_str(), found.status),
        ("2146001", OrderStatus::Open)
    );
    assert_eq!(
        param(
            &mock.requests_to("GET", "/fapi/v1/algoOrder")[0],
            "clientAlgoId"
        ),
        Some("k1stop")
    );
    assert_eq!(
        venue
            .query_order("BTC/USDT", "knever")
            .await
            .expect("query"),
        None
    );
    let q = mock.requests_to("GET", "/fapi/v1/order");
    assert_eq!(param(&q[0], "origClientOrderId"), Some("knever"));
    let algo_q = mock.requests_to("GET", "/fapi/v1/algoOrder");
    assert_eq!(param(&algo_q[1], "clientAlgoId"), Some("knever"));

    let canceled = venue
        .cancel_order("BTC/USDT", "k1stop")
        .await
        .expect("cancel");
    assert_eq!(
        (canceled.status, canceled.client_order_id.as_str()),
        (OrderStatus::Canceled, "k1stop")
    );
    assert_eq!(
        param(
            &mock.requests_to("DELETE", "/fapi/v1/algoOrder")[0],
            "clientAlgoId"
        ),
        Some("k1stop")
    );
    assert!(mock.requests_to("DELETE", "/fapi/v1/order").is_empty());

    // A second stop triggers: ALGO_UPDATE names the order it placed (`ai`); that order's
    // fill, whatever client id Binance gave it, is Keel's order's fill.
    venue
        .submit_order(&stop_order("k3stop"))
        .await
        .expect("submit");
    let mut triggered = fixture("ws_user_algo_update_new.json");
    triggered["o"]["caid"] = json!("k3stop");
    triggered["o"]["aid"] = json!(2146002);
    triggered["o"]["s"] = json!("BTCUSDT");
    triggered["o"]["o"] = json!("STOP_MARKET");
    triggered["o"]["X"] = json!("TRIGGERED");
    triggered["o"]["ai"] = json!("88937381063");
    triggered["o"]["rm"] = json!("");
    mock.push_user("key-1", triggered);
    match next_exec(&mut exec).await {
        ExecutionEvent::Order(o) => {
            assert_eq!(
                (
                    o.client_order_id.as_str(),
                    o.venue_order_id.as_str(),
                    o.status
                ),
                ("k3stop", "2146002", OrderStatus::Open)
            );
        }
        other => panic!("{other:?}"),
    }
    mock.push_user(
        "key-1",
        trade_update("x-generated-by-venue", 88937381063, 9100, "FILLED"),
    );
    match next_exec(&mut exec).await {
        ExecutionEvent::Fill(f) => assert_eq!(
            (
                f.client_order_id.as_str(),
                f.venue_order_id.as_str(),
                f.trade_id.as_str()
            ),
            ("k3stop", "88937381063", "9100")
        ),
        other => panic!("{other:?}"),
    }
    match next_exec(&mut exec).await {
        ExecutionEvent::Order(o) => assert_eq!(
            (
                o.client_order_id.as_str(),
                o.venue_order_id.as_str(),
                o.status
            ),
            ("k3stop", "2146002", OrderStatus::Filled)
        ),
        other => panic!("{other:?}"),
    }
    // Its fills over REST, by the algoId: the algo query gives the placed order, whose trades
    // are read.
    {
        let mut l = mock.ledger();
        let a = l.algos.get_mut("k3stop").expect("algo");
        a["algoStatus"] = json!("FINISHED");
        a["actualOrderId"] = json!("88937381063");
        l.trades.push(json!({
            "buyer": false, "commission": "0.02", "commissionAsset": "USDT", "id": 9100,
            "maker": false, "orderId": 88937381063u64, "positionSide": "BOTH", "price": "57990.0",
            "qty": "0.010", "quoteQty": "579.9", "realizedPnl": "0", "side": "SELL",
            "symbol": "BTCUSDT", "time": 1_700_000_000_000i64
        }));
    }
    let fills = venue
        .order_fills("BTC/USDT", "2146002")
        .await
        .expect("fills");
    assert_eq!(fills.len(), 1);
    assert_eq!(
        (
            fills[0].client_order_id.as_str(),
            fills[0].trade_id.as_str(),
            fills[0].qty
        ),
        ("k3stop", "9100", dec!(0.010))
    );
    let by_id = mock.requests_to("GET", "/fapi/v1/algoOrder");
    assert_eq!(
        param(by_id.last().expect("algo query"), "algoId"),
        Some("2146002")
    );
    assert_eq!(
        param(
            mock.requests_to("GET", "/fapi/v1/userTrades")
                .last()
                .expect("trades"),
            "orderId"
        ),
        Some("88937381063")
    );

    // A fill on the user stream: the Fill first, then the order.
    mock.push_user(
        "key-1",
        trade_update("k2lim", 8886774, 9001, "PARTIALLY_FILLED"),
    );
    match next_exec(&mut exec).await {
        ExecutionEvent::Fill(f) => {
            assert_eq!(
                (f.trade_id.as_str(), f.client_order_id.as_str()),
                ("9001", "k2lim")
            );
            assert_eq!(
                (f.symbol.as_str(), f.qty, f.price),
                ("BTC/USDT", dec!(0.001), dec!(7100.50))
            );
            assert_eq!(
                (f.venue.as_str(), f.account_id.as_str()),
                ("binance-usdm", "acc1")
            );
        }
        other => panic!("{other:?}"),
    }
    match next_exec(&mut exec).await {
        ExecutionEvent::Order(o) => assert_eq!(o.status, OrderStatus::PartiallyFilled),
        other => panic!("{other:?}"),
    }

    // ACCOUNT_UPDATE: balances, then positions.
    mock.push_user("key-1", fixture("ws_user_account_update.json"));
    match next_exec(&mut exec).await {
        ExecutionEvent::Balances(b) => assert_eq!(
            (b[0].asset.as_str(), b[0].free),
            ("USDT", dec!(100.12345678))
        ),
        other => panic!("{other:?}"),
    }
    match next_exec(&mut exec).await {
        ExecutionEvent::Positions(p) => {
            assert_eq!(p.len(), 3);
            assert_eq!(
                (p[2].position_side, p[2].qty),
                (PositionSide::Short, dec!(-10))
            );
            assert_eq!(p[1].leverage, 10, "leverage from the symbolConfig cache");
        }
        other => panic!("{other:?}"),
    }

    // Account settings and the rest of the account API.
    venue
        .set_margin_type("BTC/USDT", MarginType::Isolated)
        .await
        .expect("-4046 is success");
    venue.set_leverage("BTC/USDT", 5).await.expect("leverage");
    assert_eq!(
        param(
            &mock.requests_to("POST", "/fapi/v1/leverage")[0],
            "leverage"
        ),
        Some("5")
    );
    assert_eq!(venue.positions().await.expect("p")[0].leverage, 5);
    assert!(!venue.hedge_mode().await.expect("hedge mode"));
    let fees = venue.fee_rates("BTC/USDT").await.expect("fees");
    assert_eq!((fees.maker, fees.taker), (dec!(0.0002), dec!(0.0004)));
    let balances = venue.balances().await.expect("balances");
    assert_eq!(balances[0].total(), dec!(122607.35137903));
    let perms = venue
        .key_permissions()
        .await
        .expect("permissions")
        .expect("a key");
    assert!(perms.can_trade_futures && perms.can_read && perms.ip_restricted);
    assert!(!perms.can_withdraw && !perms.can_trade_spot);

    let health = venue.health().borrow().clone();
    assert_eq!(health.weight_limit, Some(2400));
    assert!(health.clock_offset_ms.is_some());
    assert_eq!(health.state, keel_exchange::ConnectionState::Connected);

    venue.close().await;
    assert_eq!(mock.requests_to("DELETE", "/fapi/v1/listenKey").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_key_expiry_recreates_the_key_without_missing_a_fill() {
    let (mock, addr) = start_mock().await;
    let venue = connect(&addr, Duration::from_secs(1800)).await;
    let mut exec = venue.execution_events();
    wait_until("user stream on key-1", || {
        mock.ledger().user_connections == ["key-1"]
    })
    .await;

    let mut resting = stop_order("k3lim");
    resting.kind = OrderKind::Limit;
    resting.price = Some(dec!(61000.0));
    resting.options.stop_price = None;
    let ack = venue.submit_order(&resting).await.expect("submit");
    let order_id: u64 = ack.order.venue_order_id.parse().expect("numeric id");
    // The order fills while the stream is about to die: the venue has the trade, the stream
    // never says so.
    let mut trade = fixture("rest_account_trade_list.json")[0].clone();
    trade["orderId"] = json!(order_id);
    trade["id"] = json!(777);
    mock.ledger().trades.push(trade);

    let expired = json!({"e": "listenKeyExpired", "E": "1693427319838", "listenKey": "key-1"});
    assert!(expired["E"].is_string());
    mock.push_user("key-1", expired);

    match next_exec(&mut exec).await {
        ExecutionEvent::Resynced => {}
        other => panic!("expected Resynced, got {other:?}"),
    }
    // The server registers the connection in its own task: give it a moment under load.
    wait_until("user stream on key-2", || {
        mock.ledger().user_connections == ["key-1", "key-2"]
    })
    .await;
    assert_eq!(mock.ledger().keys_created, 2);

    // The engine reconciles over REST and finds the fill the stream missed.
    let fills = venue
        .order_fills("BTC/USDT", &ack.order.venue_order_id)
        .await
        .expect("fills");
    assert_eq!(fills.len(), 1);
    assert_eq!(
        (
            fills[0].trade_id.as_str(),
            fills[0].client_order_id.as_str()
        ),
        ("777", "k3lim")
    );
    assert_eq!(
        param(&mock.requests_to("GET", "/fapi/v1/userTrades")[0], "symbol"),
        Some("BTCUSDT")
    );

    // The new stream delivers.
    mock.push_user("key-2", trade_update("k3lim", order_id, 778, "FILLED"));
    match next_exec(&mut exec).await {
        ExecutionEvent::Fill(f) => assert_eq!(f.trade_id, "778"),
        other => panic!("{other:?}"),
    }
    venue.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_extends_the_key_and_recreates_it_on_1125() {
    let (mock, addr) = start_mock().await;
    let venue = connect(&addr, Duration::from_millis(150)).await;
    let mut exec = venue.execution_events();
    wait_until("user stream on key-1", || {
        mock.ledger().user_connections == ["key-1"]
    })
    .await;
    wait_until("two keepalives", || mock.ledger().keepalives >= 2).await;
    assert_eq!(mock.ledger().keys_created, 1, "keepalive keeps the key");

    mock.ledger().keepalive_gone = true;
    wait_until("a new key", || mock.ledger().keys_created == 2).await;
    match next_exec(&mut exec).await {
        ExecutionEvent::Resynced => {}
        other => panic!("expected Resynced, got {other:?}"),
    }
    wait_until("user stream on key-2", || {
        mock.ledger().user_connections.last().map(String::as_str) == Some("key-2")
    })
    .await;
    venue.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_streams_trades_mark_prices_and_the_local_book() {
    let (mock, addr) = start_mock().await;
    let venue = connect(&addr, Duration::from_secs(1800)).await;
    let mut market = venue.market_events();
    venue.watch("BTC/USDT").await.expect("watch");
    venue
        .watch("BTC/USDT")
        .await
        .expect("second watch is counted");
    wait_until("a SUBSCRIBE", || !mock.ledger().market_frames.is_empty()).await;
    let sub: Value = serde_json::from_str(&mock.ledger().market_frames[0]).expect("json");
    assert_eq!(sub["method"], "SUBSCRIBE");
    assert_eq!(
        sub["params"],
        json!([
            "btcusdt@aggTrade",
            "btcusdt@kline_1m",
            "btcusdt@depth@100ms",
            "btcusdt@markPrice@1s"
        ])
    );

    let send = |v: Value| mock.market_tx.send(v.to_string()).expect("market listener");
    send(fixture("ws_agg_trade.json"));
    send(fixture("ws_mark_price.json"));
    // Diffs around the snapshot's lastUpdateId 100, chained by pu.
    send(
        json!({"e": "depthUpdate", "E": 1, "T": 1, "s": "BTCUSDT", "U": 95, "u": 101, "pu": 94,
        "b": [["60000.0", "1.200"]], "a": []}),
    );
    let mut got_trade = false;
    let mut got_mark = false;
    let mut book = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while book.is_none() || !got_trade || !got_mark {
        let ev = tokio::time::timeout_at(deadline, market.recv())
            .await
            .expect("in time")
            .expect("event");
        assert_eq!(ev.symbol(), "BTC/USDT");
        match ev {
            MarketEvent::Trade { trade, .. } => got_trade = trade.id == 5933014,
            MarketEvent::MarkPrice { mark, .. } => got_mark = mark.mark_price == dec!(11794.15),
            MarketEvent::Book { book: b, .. } => book = Some(b),
            MarketEvent::Candle { .. } => {}
        }
    }
    let book = book.expect("book");
    assert_eq!(
        mock.requests_to("GET", "/fapi/v1/depth").len(),
        1,
        "one snapshot"
    );
    assert_eq!(book.best_bid(), Some(dec!(60000.0)));
    assert_eq!(
        book.bids[0].qty,
        dec!(1.2),
        "the buffered diff applied over the snapshot"
    );
    assert_eq!(book.best_ask(), Some(dec!(60000.1)));

    // The next diff chained by pu updates the book.
    send(
        json!({"e": "depthUpdate", "E": 2, "T": 2, "s": "BTCUSDT", "U": 102, "u": 103, "pu": 101,
        "b": [], "a": [["60000.1", "0.300"]]}),
    );
    loop {
        let ev = tokio::time::timeout_at(deadline, market.recv())
            .await
            .expect("in time")
            .expect("event");
        if let MarketEvent::Book { book, .. } = ev {
            assert_eq!(book.asks[0].qty, dec!(0.3));
            break;
        }
    }

    venue.unwatch("BTC/USDT").await;
    assert_eq!(mock.ledger().market_frames.len(), 1, "still watched once");
    venue.unwatch("BTC/USDT").await;
    wait_until("an UNSUBSCRIBE", || mock.ledger().market_frames.len() == 2).await;
    assert!(mock.ledger().market_frames[1].contains("UNSUBSCRIBE"));
    venue.close().await;
}
