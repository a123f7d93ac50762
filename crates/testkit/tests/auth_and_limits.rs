//! Signature, API key, timestamp window and weight / 429 -> 418 behaviour over real HTTP.

mod common;

use common::*;
use keel_testkit::{Fault, Market, MockBinance, MockConfig, RestMatch};

#[tokio::test]
async fn signature_key_and_timestamp_are_checked() {
    let mock = mock(1).await;
    let base = mock.spot_rest_url();
    // Good request.
    let ok = signed(&base, "GET", "/api/v3/account", &[], 0).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body["balances"].is_array());
    assert_eq!(ok.body["commissionRates"]["maker"], "0.00100000");
    // Wrong secret -> -1022.
    let bad = signed_with(
        &http(),
        &base,
        "GET",
        "/api/v3/account",
        &[],
        0,
        "not-the-secret",
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["code"], -1022);
    assert_eq!(bad.body["msg"], "Signature for this request is not valid.");
    // Missing key -> -2014 (401).
    let r = http()
        .get(format!(
            "{base}/api/v3/account?timestamp={}&signature=00",
            now_ms()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["code"], -2014);
    // A POST with the parameters in the body is verified over the body.
    let post = signed(
        &base,
        "POST",
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01000"),
            ("price", "40000.00"),
        ],
        0,
    )
    .await;
    assert_eq!(post.status, 200, "{}", post.body);
    // Too old / ahead.
    let old = signed(&base, "GET", "/api/v3/account", &[], -6_000).await;
    assert_eq!(old.body["code"], -1021);
    assert_eq!(
        old.body["msg"],
        "Timestamp for this request is outside of the recvWindow."
    );
    let ahead = signed(&base, "GET", "/api/v3/account", &[], 1_500).await;
    assert_eq!(ahead.body["code"], -1021);
    let widened = signed(
        &base,
        "GET",
        "/api/v3/account",
        &[("recvWindow", "10000")],
        -6_000,
    )
    .await;
    assert_eq!(widened.status, 200);
    assert_eq!(mock.stats().minus_1021_sent, 2);
    assert_eq!(mock.stats().minus_1022_sent, 1);
}

#[tokio::test]
async fn clock_skew_causes_minus_1021_until_the_client_resyncs() {
    let mock = mock(2).await;
    let base = mock.futures_rest_url();
    mock.set_clock_skew_ms(-7_000);
    let t = get(&base, "/fapi/v1/time", "").await;
    let server = t.body["serverTime"].as_i64().unwrap();
    let offset = server - now_ms();
    assert!((-7_500..=-6_500).contains(&offset), "offset {offset}");
    // Local clock is 7 s ahead of the server: rejected.
    let r = signed(&base, "GET", "/fapi/v3/balance", &[], 0).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], -1021);
    // Resynced with the measured offset: accepted.
    let r = signed(&base, "GET", "/fapi/v3/balance", &[], offset).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body[0]["asset"], "USDT");
    assert_eq!(r.body[0]["balance"], "10000.00000000");
    mock.set_clock_skew_ms(7_000);
    let r = signed(&base, "GET", "/fapi/v3/balance", &[], 0).await;
    assert_eq!(r.body["code"], -1021);
    assert_eq!(mock.stats().minus_1021_sent, 2);
}

#[tokio::test]
async fn weight_header_and_429_then_418_escalation_are_counted() {
    let mock = mock(3).await;
    let base = mock.spot_rest_url();
    let a = get(&base, "/api/v3/exchangeInfo", "").await;
    assert_eq!(a.used_weight, Some(20));
    let b = get(&base, "/api/v3/depth", "symbol=BTCUSDT&limit=500").await;
    assert_eq!(b.used_weight, Some(45));
    mock.faults().push(Fault::rate_limit_429(
        RestMatch::new(Market::Spot, "GET", "/api/v3/klines"),
        2,
    ));
    let k = get(
        &base,
        "/api/v3/klines",
        "symbol=BTCUSDT&interval=1m&limit=5",
    )
    .await;
    assert_eq!(k.status, 429);
    assert_eq!(k.retry_after, Some(2));
    assert_eq!(k.body["code"], -1003);
    assert_eq!(mock.stats().http_418_sent, 0);
    // Ignoring Retry-After (asking again once the 429 has surely arrived, beyond the grace for
    // requests already in flight): banned.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let banned = get(&base, "/api/v3/time", "").await;
    assert_eq!(banned.status, 418);
    assert!(banned.retry_after.unwrap() >= 100);
    let stats = mock.stats();
    assert_eq!(stats.http_429_sent, 1);
    assert_eq!(stats.http_418_sent, 1);
    assert_eq!(stats.requests_while_limited, 1);
    // The futures server has its own budget.
    let f = get(&mock.futures_rest_url(), "/fapi/v1/time", "").await;
    assert_eq!(f.status, 200);
}

#[tokio::test]
async fn a_client_that_waits_out_retry_after_is_not_banned() {
    let mock = mock(4).await;
    let base = mock.futures_rest_url();
    mock.faults().push(Fault::rate_limit_429(
        RestMatch::new(Market::Futures, "GET", "/fapi/v1/depth"),
        1,
    ));
    let r = get(&base, "/fapi/v1/depth", "symbol=BTCUSDT").await;
    assert_eq!(r.status, 429);
    tokio::time::sleep(
        std::time::Duration::from_secs(r.retry_after.unwrap())
            + std::time::Duration::from_millis(50),
    )
    .await;
    let r = get(&base, "/fapi/v1/depth", "symbol=BTCUSDT").await;
    assert_eq!(r.status, 200);
    assert_eq!(mock.stats().http_418_sent, 0);
}

#[tokio::test]
async fn weight_exhaustion_gives_429() {
    let mut cfg = keel_testkit::MockConfig::new(5, KEY, SECRET);
    cfg.spot_weight_limit = 50;
    let mock = keel_testkit::MockBinance::start(cfg).await.unwrap();
    let base = mock.spot_rest_url();
    assert_eq!(get(&base, "/api/v3/exchangeInfo", "").await.status, 200);
    assert_eq!(get(&base, "/api/v3/exchangeInfo", "").await.status, 200);
    let r = get(&base, "/api/v3/exchangeInfo", "").await;
    assert_eq!(r.status, 429);
    assert!(r.retry_after.unwrap() <= 60);
    assert_eq!(mock.stats().http_429_sent, 1);
}

#[tokio::test]
async fn api_restrictions_are_configurable() {
    let mut cfg = keel_testkit::MockConfig::new(6, KEY, SECRET);
    cfg.api_restrictions.enable_withdrawals = true;
    let mock = keel_testkit::MockBinance::start(cfg).await.unwrap();
    let r = signed(
        &mock.spot_rest_url(),
        "GET",
        "/sapi/v1/account/apiRestrictions",
        &[],
        0,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["enableWithdrawals"], true);
    assert_eq!(r.body["ipRestrict"], true);
}

/// A request already on its way when the 429 went out did not ignore it: another 429, no ban.
#[tokio::test]
async fn a_request_in_flight_with_the_429_is_not_banned() {
    let mock = MockBinance::start(MockConfig::new(5, "key", "secret"))
        .await
        .expect("mock");
    let base = mock.spot_rest_url();
    mock.faults().push(Fault::rate_limit_429(
        RestMatch::new(Market::Spot, "GET", "/api/v3/time"),
        2,
    ));
    let (a, b) = tokio::join!(
        get(&base, "/api/v3/time", ""),
        get(&base, "/api/v3/time", "")
    );
    assert_eq!((a.status, b.status), (429, 429));
    assert_eq!(mock.stats().http_418_sent, 0);
}
