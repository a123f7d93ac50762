//! The ledger is the truth: fills happen exactly once, duplicates are refused, ambiguous submits
//! leave exactly one order, and futures positions carry entry price and realized PnL.

mod common;

use common::*;
use keel_testkit::{Fault, Market, OrderStatus, RestMatch};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::time::Duration;

fn limit_buy<'a>(cid: &'a str, qty: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", qty),
        ("price", price),
        ("newClientOrderId", cid),
    ]
}

#[tokio::test]
async fn resting_limit_fills_once_on_a_crossing_print() {
    let mock = mock(10).await;
    let base = mock.spot_rest_url();
    let r = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("buy-1", "0.10000", "49000.00"),
        0,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "NEW");
    assert_eq!(r.body["price"], "49000.00000000");
    assert!(r.body["orderId"].is_u64());
    assert_eq!(r.body["fills"], serde_json::json!([]));
    let usdt = mock.ledger().spot_balance("USDT");
    assert_eq!(usdt.locked, dec!(4900));
    // A print above the limit does not fill.
    mock.trade(Market::Spot, "BTCUSDT", dec!(49500), dec!(1));
    assert_eq!(mock.ledger().fills.len(), 0);
    // A crossing print fills it; a second one does not fill it again.
    mock.trade(Market::Spot, "BTCUSDT", dec!(48900), dec!(1));
    mock.trade(Market::Spot, "BTCUSDT", dec!(48800), dec!(1));
    let l = mock.ledger();
    assert_eq!(l.fills.len(), 1);
    let o = l.order_by_client_id(Market::Spot, "buy-1").unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(o.executed_qty, dec!(0.1));
    assert_eq!(l.fills[0].price, dec!(49000));
    assert!(l.fills[0].is_maker);
    assert_eq!(l.spot_balance("USDT").free, dec!(5100));
    assert_eq!(l.spot_balance("USDT").locked, Decimal::ZERO);
    assert_eq!(l.spot_balance("BTC").free, dec!(1.0999)); // 0.1 minus 0.1 % commission in BTC
    // REST agrees with the ledger.
    let q = signed(
        &base,
        "GET",
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "buy-1")],
        0,
    )
    .await;
    assert_eq!(q.body["status"], "FILLED");
    assert_eq!(q.body["executedQty"], "0.10000000");
    assert_eq!(q.body["cummulativeQuoteQty"], "4900.00000000");
    let t = signed(
        &base,
        "GET",
        "/api/v3/myTrades",
        &[("symbol", "BTCUSDT")],
        0,
    )
    .await;
    assert_eq!(t.body.as_array().unwrap().len(), 1);
    assert_eq!(t.body[0]["id"].as_u64().unwrap(), l.fills[0].trade_id);
    assert_eq!(t.body[0]["isMaker"], true);
}

#[tokio::test]
async fn duplicate_open_client_id_is_refused_and_reuse_after_close_is_allowed() {
    let mock = mock(11).await;
    let base = mock.spot_rest_url();
    let first = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("dup", "0.01000", "40000.00"),
        0,
    )
    .await;
    assert_eq!(first.status, 200);
    let second = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("dup", "0.01000", "40000.00"),
        0,
    )
    .await;
    assert_eq!(second.status, 400);
    assert_eq!(second.body["code"], -2010);
    assert_eq!(second.body["msg"], "Duplicate order sent.");
    let c = signed(
        &base,
        "DELETE",
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "dup")],
        0,
    )
    .await;
    assert_eq!(c.body["status"], "CANCELED");
    assert_eq!(c.body["origClientOrderId"], "dup");
    let again = signed(
        &base,
        "DELETE",
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "dup")],
        0,
    )
    .await;
    assert_eq!(again.body["code"], -2011);
    let missing = signed(
        &base,
        "GET",
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "nope")],
        0,
    )
    .await;
    assert_eq!(missing.body["code"], -2013);
    assert_eq!(missing.body["msg"], "Order does not exist.");
    let third = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("dup", "0.01000", "40000.00"),
        0,
    )
    .await;
    assert_eq!(third.status, 200);
    assert_eq!(mock.stats().orders_created_per_client_id["dup"], 2);
    assert_eq!(mock.ledger().open_orders(Market::Spot).len(), 1);
}

#[tokio::test]
async fn accept_then_timeout_leaves_exactly_one_order_that_query_finds() {
    let mock = mock(12).await;
    let base = mock.spot_rest_url();
    mock.faults().push(Fault::accept_then_timeout(
        RestMatch::new(Market::Spot, "POST", "/api/v3/order"),
        1_500,
    ));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut qs: Vec<String> = limit_buy("amb-1", "0.01000", "40000.00")
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    qs.push(format!("timestamp={}", now_ms()));
    let payload = qs.join("&");
    let sig = keel_testkit::hmac_hex(SECRET, &payload);
    let res = client
        .post(format!("{base}/api/v3/order"))
        .header("X-MBX-APIKEY", KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{payload}&signature={sig}"))
        .send()
        .await;
    let outcome = match res {
        Ok(r) => r.text().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(outcome.is_err(), "the client must not see the result");
    // Recovery by client id finds the one order.
    let q = signed(
        &base,
        "GET",
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "amb-1")],
        0,
    )
    .await;
    assert_eq!(q.status, 200);
    assert_eq!(q.body["status"], "NEW");
    // A naive retry with the same client id is refused while the first is open.
    let retry = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("amb-1", "0.01000", "40000.00"),
        0,
    )
    .await;
    assert_eq!(retry.body["code"], -2010);
    let l = mock.ledger();
    assert_eq!(l.orders_with_client_id(Market::Spot, "amb-1").len(), 1);
    assert_eq!(mock.stats().orders_created_per_client_id["amb-1"], 1);
    assert_eq!(mock.stats().responses_broken, 1);
}

#[tokio::test]
async fn server_error_after_accept_applies_and_plain_server_error_does_not() {
    let mock = mock(13).await;
    let base = mock.futures_rest_url();
    let at = RestMatch::new(Market::Futures, "POST", "/fapi/v1/order");
    mock.faults()
        .push(Fault::server_error_after_accept(at.clone(), 503));
    let p = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.010"),
        ("price", "45000.00"),
        ("newClientOrderId", "f-1"),
    ];
    let r = signed(&base, "POST", "/fapi/v1/order", &p, 0).await;
    assert_eq!(r.status, 503);
    assert_eq!(
        mock.ledger()
            .orders_with_client_id(Market::Futures, "f-1")
            .len(),
        1
    );
    mock.faults().push(Fault::server_error(at, 500));
    let p2 = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.010"),
        ("price", "45000.00"),
        ("newClientOrderId", "f-2"),
    ];
    let r = signed(&base, "POST", "/fapi/v1/order", &p2, 0).await;
    assert_eq!(r.status, 500);
    assert!(
        mock.ledger()
            .order_by_client_id(Market::Futures, "f-2")
            .is_none()
    );
    let dup = signed(&base, "POST", "/fapi/v1/order", &p, 0).await;
    assert_eq!(dup.body["code"], -4116);
}

#[tokio::test]
async fn futures_positions_track_entry_and_realized_pnl_in_one_way_and_hedge_mode() {
    let mock = mock(14).await;
    let base = mock.futures_rest_url();
    mock.set_book(
        Market::Futures,
        "BTCUSDT",
        &[(dec!(49990), dec!(5))],
        &[(dec!(50010), dec!(5))],
    );
    let buy = signed(
        &base,
        "POST",
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.100"),
            ("newOrderRespType", "RESULT"),
        ],
        0,
    )
    .await;
    assert_eq!(buy.status, 200, "{}", buy.body);
    assert_eq!(buy.body["status"], "FILLED");
    assert_eq!(buy.body["avgPrice"], "50010.00");
    let pos = mock.ledger().position("BTCUSDT", "BOTH").cloned().unwrap();
    assert_eq!(pos.amount, dec!(0.1));
    assert_eq!(pos.entry_price, dec!(50010));
    // Reduce-only sell rests, then a print fills it as maker.
    let tp = signed(
        &base,
        "POST",
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.100"),
            ("price", "51000.00"),
            ("reduceOnly", "true"),
        ],
        0,
    )
    .await;
    assert_eq!(tp.status, 200, "{}", tp.body);
    mock.trade(Market::Futures, "BTCUSDT", dec!(51000), dec!(1));
    let l = mock.ledger();
    let pos = l.position("BTCUSDT", "BOTH").unwrap();
    assert_eq!(pos.amount, Decimal::ZERO);
    assert_eq!(pos.realized_pnl, dec!(99));
    let fees: Decimal = l.fills.iter().map(|f| f.commission).sum();
    assert_eq!(l.futures_balances["USDT"], dec!(10000) + dec!(99) - fees);
    let ut = signed(
        &base,
        "GET",
        "/fapi/v1/userTrades",
        &[("symbol", "BTCUSDT")],
        0,
    )
    .await;
    assert_eq!(ut.body.as_array().unwrap().len(), 2);
    assert_eq!(ut.body[1]["realizedPnl"], "99.00000000");
    // A reduce-only order without a position is rejected.
    let bad = signed(
        &base,
        "POST",
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quantity", "0.100"),
            ("reduceOnly", "true"),
        ],
        0,
    )
    .await;
    assert_eq!(bad.body["code"], -2022);
    // Hedge mode: LONG and SHORT legs side by side.
    let d = signed(
        &base,
        "POST",
        "/fapi/v1/positionSide/dual",
        &[("dualSidePosition", "true")],
        0,
    )
    .await;
    assert_eq!(d.body["code"], 200);
    let wrong = signed(
        &base,
        "POST",
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.010"),
        ],
        0,
    )
    .await;
    assert_eq!(wrong.body["code"], -4061);
    for (side, ps) in [("BUY", "LONG"), ("SELL", "SHORT")] {
        let r = signed(
            &base,
            "POST",
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", side),
                ("positionSide", ps),
                ("type", "MARKET"),
                ("quantity", "0.010"),
            ],
            0,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let l = mock.ledger();
    assert_eq!(l.position("BTCUSDT", "LONG").unwrap().amount, dec!(0.01));
    assert_eq!(l.position("BTCUSDT", "SHORT").unwrap().amount, dec!(-0.01));
    let risk = signed(
        &base,
        "GET",
        "/fapi/v3/positionRisk",
        &[("symbol", "BTCUSDT")],
        0,
    )
    .await;
    assert_eq!(risk.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn spot_order_types_behave_like_binance() {
    let mock = mock(15).await;
    let base = mock.spot_rest_url();
    mock.set_book(
        Market::Spot,
        "BTCUSDT",
        &[(dec!(49990), dec!(1))],
        &[(dec!(50010), dec!(0.05)), (dec!(50020), dec!(1))],
    );
    // LIMIT_MAKER that would take.
    let lm = signed(
        &base,
        "POST",
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.01000"),
            ("price", "50010.00"),
        ],
        0,
    )
    .await;
    assert_eq!(lm.body["code"], -2010);
    assert_eq!(lm.body["msg"], "Order would immediately match and take.");
    // MARKET walks the book: FULL response with two fills.
    let m = signed(
        &base,
        "POST",
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.10000"),
        ],
        0,
    )
    .await;
    assert_eq!(m.body["status"], "FILLED", "{}", m.body);
    let fills = m.body["fills"].as_array().unwrap();
    assert_eq!(fills.len(), 2);
    assert_eq!(fills[0]["price"], "50010.00000000");
    assert_eq!(fills[0]["qty"], "0.05000000");
    assert!(fills[0]["tradeId"].is_u64());
    // Depth snapshot reflects the consumed liquidity.
    let d = get(&base, "/api/v3/depth", "symbol=BTCUSDT&limit=5").await;
    assert_eq!(
        d.body["asks"][0],
        serde_json::json!(["50020.00000000", "0.95000000"])
    );
    // quoteOrderQty market sell by quote amount.
    let q = signed(
        &base,
        "POST",
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quoteOrderQty", "4999.00"),
        ],
        0,
    )
    .await;
    assert_eq!(q.body["status"], "FILLED", "{}", q.body);
    assert_eq!(q.body["origQty"], "0.10000000");
    // Insufficient balance.
    let big = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("big", "1.00000", "40000.00"),
        0,
    )
    .await;
    assert_eq!(
        big.body["msg"],
        "Account has insufficient balance for requested action."
    );
    // Filter failure.
    let tick = signed(
        &base,
        "POST",
        "/api/v3/order",
        &limit_buy("tick", "0.01000", "40000.005"),
        0,
    )
    .await;
    assert_eq!(tick.body["code"], -1013);
    // Stop-loss-limit triggered by a print.
    let sl = signed(
        &base,
        "POST",
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_LOSS_LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01000"),
            ("price", "48000.00"),
            ("stopPrice", "48500.00"),
            ("newClientOrderId", "sl"),
        ],
        0,
    )
    .await;
    assert_eq!(sl.status, 200, "{}", sl.body);
    mock.trade(Market::Spot, "BTCUSDT", dec!(49000), dec!(1));
    assert!(
        !mock
            .ledger()
            .order_by_client_id(Market::Spot, "sl")
            .unwrap()
            .working
    );
    mock.trade(Market::Spot, "BTCUSDT", dec!(48400), dec!(1));
    let o = mock
        .ledger()
        .order_by_client_id(Market::Spot, "sl")
        .cloned()
        .unwrap();
    assert!(o.working);
    assert_eq!(
        o.status,
        OrderStatus::Filled,
        "the triggering print crosses the 48000 limit"
    );
}

#[tokio::test]
async fn klines_paginate_over_generated_history() {
    let mut cfg = keel_testkit::MockConfig::new(16, KEY, SECRET);
    cfg.kline_history_end_ms = Some(1_700_000_000_000 - 1_700_000_000_000 % 60_000);
    cfg.kline_history_bars = 3000;
    let end = cfg.kline_history_end_ms.unwrap();
    let mock = keel_testkit::MockBinance::start(cfg.clone()).await.unwrap();
    let other = keel_testkit::MockBinance::start(cfg).await.unwrap();
    let base = mock.spot_rest_url();
    let start = end - 3000 * 60_000;
    let page1 = get(
        &base,
        "/api/v3/klines",
        &format!("symbol=BTCUSDT&interval=1m&startTime={start}&limit=1000"),
    )
    .await;
    let rows = page1.body.as_array().unwrap();
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[0][0], start);
    assert!(rows[0][1].is_string() && rows[0][8].is_u64());
    let next = rows[999][0].as_i64().unwrap() + 60_000;
    let page2 = get(
        &base,
        "/api/v3/klines",
        &format!("symbol=BTCUSDT&interval=1m&startTime={next}&limit=1000"),
    )
    .await;
    assert_eq!(page2.body[0][0], next);
    let h = get(
        &base,
        "/api/v3/klines",
        "symbol=BTCUSDT&interval=1h&limit=10",
    )
    .await;
    assert_eq!(h.body.as_array().unwrap().len(), 10);
    assert_eq!(
        h.body[9][4], "50000.00000000",
        "history ends at the initial price"
    );
    // Same seed, same history.
    let same = get(
        &other.spot_rest_url(),
        "/api/v3/klines",
        &format!("symbol=BTCUSDT&interval=1m&startTime={start}&limit=1000"),
    )
    .await;
    assert_eq!(same.body, page1.body);
    let f = get(
        &mock.futures_rest_url(),
        "/fapi/v1/klines",
        "symbol=BTCUSDT&interval=5m&limit=3",
    )
    .await;
    assert_eq!(f.body.as_array().unwrap().len(), 3);
    assert_eq!(f.body[2][4], "50000.00");
}
