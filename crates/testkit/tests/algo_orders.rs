//! USD-M conditional orders go through the algo service, as on Binance since 2025-12-09:
//! `/fapi/v1/order` refuses them with -4120; `/fapi/v1/algoOrder` places, queries and cancels
//! them; a crossing print places the real order, which fills, and `ALGO_UPDATE` reports each
//! step.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use keel_testkit::{AlgoStatus, Market, OrderStatus};
use rust_decimal_macros::dec;
use serde_json::Value;
use std::time::Duration;

async fn user_stream(mock: &keel_testkit::MockBinance) -> Ws {
    let lk: Value = serde_json::from_str(
        &http()
            .post(format!("{}/fapi/v1/listenKey", mock.futures_rest_url()))
            .header("X-MBX-APIKEY", KEY)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let key = lk["listenKey"].as_str().unwrap();
    let ws = ws(&format!("{}/ws/{key}", mock.futures_stream_url())).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    ws
}

/// `ALGO_UPDATE:<X>` and `ORDER_TRADE_UPDATE:<x>:<X>` of the frames, in order.
fn steps(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f["e"].as_str()? {
            "ALGO_UPDATE" => Some(format!("ALGO:{}", f["o"]["X"].as_str()?)),
            "ORDER_TRADE_UPDATE" => Some(format!(
                "ORDER:{}:{}",
                f["o"]["x"].as_str()?,
                f["o"]["X"].as_str()?
            )),
            _ => None,
        })
        .collect()
}

async fn open_long(base: &str) {
    let r = signed(
        base,
        "POST",
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.010"),
            ("newClientOrderId", "open-1"),
        ],
        0,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn conditional_types_on_the_order_endpoint_get_4120() {
    let mock = mock(41).await;
    let base = mock.futures_rest_url();
    for ty in ["STOP_MARKET", "STOP", "TAKE_PROFIT", "TAKE_PROFIT_MARKET"] {
        let r = signed(
            &base,
            "POST",
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", ty),
                ("quantity", "0.010"),
                ("price", "44000.00"),
                ("stopPrice", "45000.00"),
                ("newClientOrderId", "old-way"),
            ],
            0,
        )
        .await;
        assert_eq!(r.status, 400, "{ty}: {}", r.body);
        assert_eq!(r.body["code"], -4120, "{ty}");
        assert_eq!(
            r.body["msg"],
            "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead."
        );
    }
    let l = mock.ledger();
    assert!(l.orders.is_empty() && l.algo_orders.is_empty());
}

#[tokio::test]
async fn a_stop_market_triggers_on_a_print_fills_and_finishes() {
    let mock = mock(42).await;
    let base = mock.futures_rest_url();
    open_long(&base).await;
    let mut ws = user_stream(&mock).await;
    let placed = signed(
        &base,
        "POST",
        "/fapi/v1/algoOrder",
        &[
            ("algoType", "CONDITIONAL"),
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_MARKET"),
            ("quantity", "0.010"),
            ("triggerPrice", "45000.00"),
            ("reduceOnly", "true"),
            ("clientAlgoId", "sl-1"),
        ],
        0,
    )
    .await;
    assert_eq!(placed.status, 200, "{}", placed.body);
    let b = &placed.body;
    assert_eq!(
        (
            &b["clientAlgoId"],
            &b["algoStatus"],
            &b["orderType"],
            &b["algoType"]
        ),
        (
            &Value::from("sl-1"),
            &Value::from("NEW"),
            &Value::from("STOP_MARKET"),
            &Value::from("CONDITIONAL")
        )
    );
    assert_eq!(b["actualOrderId"], "");
    let algo_id = b["algoId"].as_u64().unwrap();
    assert!(algo_id > 1_000_000_000_000, "algo ids have their own range");
    // Not a regular order: the regular endpoints do not know it.
    let q = signed(
        &base,
        "GET",
        "/fapi/v1/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "sl-1")],
        0,
    )
    .await;
    assert_eq!(q.body["code"], -2013);
    let open = signed(&base, "GET", "/fapi/v1/openAlgoOrders", &[], 0).await;
    assert_eq!(open.body.as_array().unwrap().len(), 1);
    // The ledger shows the order it stands for.
    let pending = mock
        .ledger()
        .order_by_client_id(Market::Futures, "sl-1")
        .cloned()
        .unwrap();
    assert!(pending.reduce_only && pending.stop_price == dec!(45000) && !pending.working);

    // A print through the trigger: TRIGGERING, the placed order, TRIGGERED, its fill, FINISHED.
    mock.trade(Market::Futures, "BTCUSDT", dec!(44990), dec!(1));
    let frames = ws_drain(&mut ws, 400).await;
    let s = steps(&frames);
    assert_eq!(
        s,
        [
            "ALGO:NEW",
            "ALGO:TRIGGERING",
            "ORDER:NEW:NEW",
            "ALGO:TRIGGERED",
            "ORDER:TRADE:FILLED",
            "ALGO:FINISHED"
        ],
        "{frames:?}"
    );
    let l = mock.ledger();
    let algo = l.algo_order("sl-1").unwrap();
    assert_eq!(algo.status, AlgoStatus::Finished);
    let actual_id = algo.actual_order_id.unwrap();
    let actual = l.order(Market::Futures, actual_id).unwrap();
    assert_eq!(
        (
            actual.client_order_id.as_str(),
            actual.order_type.as_str(),
            actual.orig_type.as_str()
        ),
        ("sl-1", "MARKET", "STOP_MARKET"),
        "the placed order carries the client algo id"
    );
    assert_eq!(actual.status, OrderStatus::Filled);
    assert_eq!(l.fills_for_order(Market::Futures, actual_id).len(), 1);
    assert_eq!(
        l.order_by_client_id(Market::Futures, "sl-1")
            .unwrap()
            .order_id,
        actual_id
    );
    assert!(l.position("BTCUSDT", "BOTH").unwrap().amount.is_zero());
    assert_eq!(mock.stats().orders_created_per_client_id["sl-1"], 1);
    let triggered = frames
        .iter()
        .find(|f| f["e"] == "ALGO_UPDATE" && f["o"]["X"] == "TRIGGERED")
        .unwrap();
    assert_eq!(triggered["o"]["ai"], actual_id.to_string());
    let finished = frames.last().unwrap();
    assert_eq!(finished["o"]["aq"], "0.010");

    // The query now names the placed order; its trades are the order's trades.
    let q = signed(
        &base,
        "GET",
        "/fapi/v1/algoOrder",
        &[("algoId", &algo_id.to_string())],
        0,
    )
    .await;
    assert_eq!(q.body["algoStatus"], "FINISHED");
    assert_eq!(q.body["actualOrderId"], actual_id.to_string());
    let trades = signed(
        &base,
        "GET",
        "/fapi/v1/userTrades",
        &[("symbol", "BTCUSDT"), ("orderId", &actual_id.to_string())],
        0,
    )
    .await;
    assert_eq!(trades.body.as_array().unwrap().len(), 1);
    let open = signed(&base, "GET", "/fapi/v1/openAlgoOrders", &[], 0).await;
    assert!(open.body.as_array().unwrap().is_empty());
    // A finished algo order cannot be cancelled.
    let c = signed(
        &base,
        "DELETE",
        "/fapi/v1/algoOrder",
        &[("clientAlgoId", "sl-1")],
        0,
    )
    .await;
    assert_eq!(c.body["code"], -2011);
}

#[tokio::test]
async fn an_untriggered_take_profit_is_cancelled_and_never_fires() {
    let mock = mock(43).await;
    let base = mock.futures_rest_url();
    open_long(&base).await;
    let mut ws = user_stream(&mock).await;
    let placed = signed(
        &base,
        "POST",
        "/fapi/v1/algoOrder",
        &[
            ("algoType", "CONDITIONAL"),
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "TAKE_PROFIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.010"),
            ("price", "60000.00"),
            ("triggerPrice", "59000.00"),
            ("reduceOnly", "true"),
            ("clientAlgoId", "tp-1"),
        ],
        0,
    )
    .await;
    assert_eq!(placed.status, 200, "{}", placed.body);
    let missing = signed(
        &base,
        "GET",
        "/fapi/v1/algoOrder",
        &[("clientAlgoId", "nope")],
        0,
    )
    .await;
    assert_eq!(missing.body["code"], -2013);
    let c = signed(
        &base,
        "DELETE",
        "/fapi/v1/algoOrder",
        &[("clientAlgoId", "tp-1")],
        0,
    )
    .await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(
        (&c.body["clientAlgoId"], &c.body["msg"]),
        (&Value::from("tp-1"), &Value::from("success"))
    );
    let q = signed(
        &base,
        "GET",
        "/fapi/v1/algoOrder",
        &[("clientAlgoId", "tp-1")],
        0,
    )
    .await;
    assert_eq!(q.body["algoStatus"], "CANCELED");
    // A print through the trigger does nothing now.
    mock.trade(Market::Futures, "BTCUSDT", dec!(59500), dec!(1));
    let frames = ws_drain(&mut ws, 300).await;
    assert_eq!(steps(&frames), ["ALGO:NEW", "ALGO:CANCELED"]);
    let l = mock.ledger();
    assert_eq!(l.algo_order("tp-1").unwrap().status, AlgoStatus::Canceled);
    assert!(l.algo_order("tp-1").unwrap().actual_order_id.is_none());
    assert_eq!(l.orders.len(), 1, "only the opening order");
    // The same client id may be used again once the first is closed.
    let again = signed(
        &base,
        "POST",
        "/fapi/v1/algoOrder",
        &[
            ("algoType", "CONDITIONAL"),
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_MARKET"),
            ("quantity", "0.010"),
            ("triggerPrice", "40000.00"),
            ("reduceOnly", "true"),
            ("clientAlgoId", "tp-1"),
        ],
        0,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let dup = signed(
        &base,
        "POST",
        "/fapi/v1/algoOrder",
        &[
            ("algoType", "CONDITIONAL"),
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_MARKET"),
            ("quantity", "0.010"),
            ("triggerPrice", "40000.00"),
            ("reduceOnly", "true"),
            ("clientAlgoId", "tp-1"),
        ],
        0,
    )
    .await;
    assert_eq!(dup.body["code"], -4116);
}
