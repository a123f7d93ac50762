//! Market streams (depth continuity and injected gaps), user-data events under drop / duplicate /
//! reorder faults, listenKey expiry and -1125, WebSocket stalls and forced disconnects.

mod common;

use common::*;
use keel_testkit::{Action, Fault, Market, RestMatch, Side, StreamKind};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use std::time::Duration;

async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn spot_depth_diffs_continue_the_snapshot_and_a_gap_is_visible() {
    let mock = mock(20).await;
    let mut ws = ws(&format!(
        "{}/stream?streams=btcusdt@depth@100ms/btcusdt@trade",
        mock.spot_stream_url()
    ))
    .await;
    settle().await;
    mock.set_book(
        Market::Spot,
        "BTCUSDT",
        &[(dec!(49990), dec!(1)), (dec!(49980), dec!(2))],
        &[(dec!(50010), dec!(1))],
    );
    let snap = get(&mock.spot_rest_url(), "/api/v3/depth", "symbol=BTCUSDT")
        .await
        .body;
    let last_id = snap["lastUpdateId"].as_u64().unwrap();
    let first = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(first["stream"], "btcusdt@depth@100ms");
    assert_eq!(first["data"]["e"], "depthUpdate");
    assert_eq!(
        first["data"]["u"].as_u64().unwrap(),
        last_id,
        "snapshot includes the first diff"
    );
    mock.set_level(Market::Spot, "BTCUSDT", Side::Buy, dec!(49990), dec!(3));
    let d2 = ws_next(&mut ws, 2000).await.unwrap()["data"].clone();
    assert_eq!(d2["U"].as_u64().unwrap(), last_id + 1);
    assert_eq!(d2["b"], json!([["49990.00000000", "3.00000000"]]));
    // Inject a gap: the next diff is applied but never sent.
    mock.faults().push(Fault::now(Action::DepthGap {
        market: Market::Spot,
        symbol: "BTCUSDT".into(),
    }));
    mock.set_level(Market::Spot, "BTCUSDT", Side::Sell, dec!(50020), dec!(4));
    mock.set_level(Market::Spot, "BTCUSDT", Side::Sell, dec!(50030), dec!(5));
    let d3 = ws_next(&mut ws, 2000).await.unwrap()["data"].clone();
    let prev_u = d2["u"].as_u64().unwrap();
    assert!(
        d3["U"].as_u64().unwrap() > prev_u + 1,
        "gap detectable: U={} prev u={prev_u}",
        d3["U"]
    );
    assert_eq!(mock.stats().depth_gaps_injected, 1);
    // The snapshot has the swallowed level: a resync repairs the book.
    let snap = get(&mock.spot_rest_url(), "/api/v3/depth", "symbol=BTCUSDT")
        .await
        .body;
    assert_eq!(snap["asks"][1], json!(["50020.00000000", "4.00000000"]));
    assert_eq!(
        snap["lastUpdateId"].as_u64().unwrap(),
        d3["u"].as_u64().unwrap()
    );
    // A print yields a trade frame.
    mock.trade(Market::Spot, "BTCUSDT", dec!(50000), dec!(0.5));
    let frames = ws_drain(&mut ws, 300).await;
    let trade = frames
        .iter()
        .find(|f| f["stream"] == "btcusdt@trade")
        .unwrap();
    assert_eq!(trade["data"]["p"], "50000.00000000");
    assert!(trade["data"]["t"].is_u64());
}

#[tokio::test]
async fn futures_depth_carries_pu_and_subscribe_frames_work() {
    let mock = mock(21).await;
    let mut ws = ws(&format!("{}/ws", mock.futures_stream_url())).await;
    ws_send(&mut ws, &json!({"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms", "btcusdt@markPrice@1s"], "id": 7})).await;
    assert_eq!(
        ws_next(&mut ws, 2000).await.unwrap(),
        json!({"result": null, "id": 7})
    );
    mock.set_level(Market::Futures, "BTCUSDT", Side::Buy, dec!(49990), dec!(1));
    let a = ws_next(&mut ws, 2000).await.unwrap();
    mock.set_level(Market::Futures, "BTCUSDT", Side::Buy, dec!(49980), dec!(1));
    let b = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(b["pu"], a["u"]);
    assert_eq!(b["b"], json!([["49980.00", "1.000"]]));
    mock.faults().push(Fault::now(Action::DepthGap {
        market: Market::Futures,
        symbol: "BTCUSDT".into(),
    }));
    mock.set_level(Market::Futures, "BTCUSDT", Side::Buy, dec!(49970), dec!(1));
    mock.set_level(Market::Futures, "BTCUSDT", Side::Buy, dec!(49960), dec!(1));
    let c = ws_next(&mut ws, 2000).await.unwrap();
    assert_ne!(c["pu"], b["u"], "pu no longer chains: gap");
    mock.set_mark_price("BTCUSDT", dec!(50100));
    let m = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(m["e"], "markPriceUpdate");
    assert_eq!(m["p"], "50100.00");
    ws_send(&mut ws, &json!({"method": "LIST_SUBSCRIPTIONS", "id": 8})).await;
    assert_eq!(
        ws_next(&mut ws, 2000).await.unwrap()["result"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

fn event_kinds(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .map(|f| {
            let e = &f["event"];
            format!(
                "{}:{}",
                e["e"].as_str().expect("event type"),
                e["x"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn place_and_fill_spot(mock: &keel_testkit::MockBinance, cid: &str) {
    let r = signed(
        &mock.spot_rest_url(),
        "POST",
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01000"),
            ("price", "49000.00"),
            ("newClientOrderId", cid),
        ],
        0,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    mock.trade(Market::Spot, "BTCUSDT", dec!(48000), dec!(1));
}

#[tokio::test]
async fn spot_user_events_arrive_wrapped_and_faults_never_change_the_ledger() {
    // Baseline: NEW, account position, TRADE, account position.
    let mock = mock(22).await;
    let (mut ws, sid) = spot_user_stream(&mock).await;
    place_and_fill_spot(&mock, "u-1").await;
    let frames = ws_drain(&mut ws, 300).await;
    assert!(frames.iter().all(|f| f["subscriptionId"] == sid));
    assert_eq!(
        event_kinds(&frames),
        [
            "executionReport:NEW",
            "outboundAccountPosition:",
            "executionReport:TRADE",
            "outboundAccountPosition:"
        ]
    );
    let trade = &frames[2]["event"];
    assert_eq!(trade["c"], "u-1");
    assert_eq!(trade["X"], "FILLED");
    assert_eq!(trade["L"], "49000.00000000");
    let baseline = mock.ledger();

    // Same script with the fill event dropped, the NEW duplicated, the account event reordered.
    let faulty = common::mock(22).await;
    let (mut ws2, _) = spot_user_stream(&faulty).await;
    faulty
        .faults()
        .push(Fault::duplicate_event(Market::Spot, 1));
    faulty.faults().push(Fault::reorder_event(Market::Spot, 2));
    faulty.faults().push(Fault::drop_event(Market::Spot, 3));
    place_and_fill_spot(&faulty, "u-1").await;
    let frames = ws_drain(&mut ws2, 300).await;
    assert_eq!(
        event_kinds(&frames),
        [
            "executionReport:NEW",
            "executionReport:NEW",
            "outboundAccountPosition:",
            "outboundAccountPosition:"
        ],
        "NEW twice; the first account update arrives after the (dropped) TRADE"
    );
    let s = faulty.stats();
    assert_eq!(
        (
            s.user_events_dropped,
            s.user_events_duplicated,
            s.user_events_reordered
        ),
        (1, 1, 1)
    );
    // The ledger is unchanged by event faults, and REST recovers the dropped fill.
    let l = faulty.ledger();
    assert_eq!(l.fills.len(), baseline.fills.len());
    assert_eq!(l.spot_balances, baseline.spot_balances);
    let t = signed(
        &faulty.spot_rest_url(),
        "GET",
        "/api/v3/myTrades",
        &[("symbol", "BTCUSDT")],
        0,
    )
    .await;
    assert_eq!(t.body.as_array().unwrap().len(), 1);
    let q = signed(
        &faulty.spot_rest_url(),
        "GET",
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "u-1")],
        0,
    )
    .await;
    assert_eq!(q.body["status"], "FILLED");

    // eventStreamTerminated.
    faulty
        .faults()
        .push(Fault::now(Action::UserStreamTerminated));
    let end = ws_next(&mut ws2, 2000).await.unwrap();
    assert_eq!(end["event"]["e"], "eventStreamTerminated");
}

#[tokio::test]
async fn ws_api_subscription_rejects_a_bad_signature() {
    let mock = mock(23).await;
    let mut ws = ws(&mock.spot_ws_api_url()).await;
    ws_send(
        &mut ws,
        &json!({"id": 1, "method": "userDataStream.subscribe.signature",
        "params": {"apiKey": KEY, "timestamp": now_ms(), "signature": "00"}}),
    )
    .await;
    let r = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(r["status"], 400);
    assert_eq!(r["error"]["code"], -1022);
}

#[tokio::test]
async fn futures_listen_key_stream_expiry_and_minus_1125() {
    let mock = mock(24).await;
    let base = mock.futures_rest_url();
    let client = http();
    let lk: Value = serde_json::from_str(
        &client
            .post(format!("{base}/fapi/v1/listenKey"))
            .header("X-MBX-APIKEY", KEY)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let key = lk["listenKey"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);
    let mut ws = ws(&format!("{}/ws/{key}", mock.futures_stream_url())).await;
    settle().await;
    let r = signed(
        &base,
        "POST",
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.010"),
            ("newClientOrderId", "fm-1"),
        ],
        0,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "NEW", "ACK response type by default");
    let frames = ws_drain(&mut ws, 300).await;
    let kinds: Vec<String> = frames
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["e"].as_str().unwrap(),
                f["o"]["x"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ORDER_TRADE_UPDATE:NEW",
            "ORDER_TRADE_UPDATE:TRADE",
            "ACCOUNT_UPDATE:"
        ]
    );
    assert_eq!(frames[1]["o"]["X"], "FILLED");
    assert_eq!(frames[2]["a"]["P"][0]["pa"], "0.010");
    // Keepalive works, then the key expires.
    let ka = client
        .put(format!("{base}/fapi/v1/listenKey"))
        .header("X-MBX-APIKEY", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(ka.status().as_u16(), 200);
    mock.faults().push(Fault::now(Action::ListenKeyExpire));
    let exp = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(exp["e"], "listenKeyExpired");
    assert!(exp["E"].is_string(), "E arrives as a string, as seen live");
    assert_eq!(exp["listenKey"], key.as_str());
    assert!(ws_next(&mut ws, 500).await.is_none(), "stream closed");
    let ka = client
        .put(format!("{base}/fapi/v1/listenKey"))
        .header("X-MBX-APIKEY", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(ka.status().as_u16(), 400);
    let body: Value = serde_json::from_str(&ka.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], -1125);
    assert_eq!(mock.stats().minus_1125_sent, 1);
    // The expired key cannot be connected; a new key can.
    assert!(
        tokio_tungstenite::connect_async(format!("{}/ws/{key}", mock.futures_stream_url()))
            .await
            .is_err()
    );
    let lk: Value = serde_json::from_str(
        &client
            .post(format!("{base}/fapi/v1/listenKey"))
            .header("X-MBX-APIKEY", KEY)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_ne!(lk["listenKey"], key.as_str());
}

#[tokio::test]
async fn ws_stall_goes_silent_without_closing_and_then_resumes() {
    let mock = mock(25).await;
    let mut ws = ws(&format!("{}/ws/btcusdt@aggTrade", mock.spot_stream_url())).await;
    settle().await;
    mock.faults().push(Fault::now(Action::WsStall {
        stream: StreamKind::SpotMarket,
        ms: 800,
    }));
    settle().await;
    mock.trade(Market::Spot, "BTCUSDT", dec!(50000), dec!(1));
    assert!(
        ws_next(&mut ws, 400).await.is_none(),
        "no frames while stalled"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    mock.trade(Market::Spot, "BTCUSDT", dec!(50001), dec!(1));
    let f = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(f["e"], "aggTrade");
    assert_eq!(
        f["p"], "50001.00000000",
        "the stalled frame is lost, the stream resumes"
    );
    assert_eq!(mock.stats().stalls, 1);
}

#[tokio::test]
async fn forced_disconnect_fires_on_a_scripted_request() {
    let mock = mock(26).await;
    let mut ws = ws(&format!("{}/ws/btcusdt@trade", mock.futures_stream_url())).await;
    settle().await;
    mock.faults().push(Fault::on(
        RestMatch::new(Market::Futures, "GET", "/fapi/v1/time").nth(2),
        Action::ForcedDisconnect {
            stream: StreamKind::FuturesMarket,
        },
    ));
    get(&mock.futures_rest_url(), "/fapi/v1/time", "").await;
    mock.trade(Market::Futures, "BTCUSDT", dec!(50000), dec!(1));
    assert!(
        ws_next(&mut ws, 1000).await.is_some(),
        "still connected after the first request"
    );
    get(&mock.futures_rest_url(), "/fapi/v1/time", "").await;
    settle().await;
    mock.trade(Market::Futures, "BTCUSDT", dec!(50000), dec!(1));
    assert!(
        ws_next(&mut ws, 500).await.is_none(),
        "dropped on the second request"
    );
    assert_eq!(mock.stats().disconnects_forced, 1);
    assert_eq!(mock.stats().ws_connections["futures_market"], 1);
}

#[test]
fn seeded_scripts_are_deterministic() {
    let syms = [(Market::Spot, "BTCUSDT"), (Market::Futures, "BTCUSDT")];
    let a = keel_testkit::FaultScript::seeded(99, 40, &syms);
    let b = keel_testkit::FaultScript::seeded(99, 40, &syms);
    let c = keel_testkit::FaultScript::seeded(100, 40, &syms);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.faults.len(), 40);
}
