//! RestClient against real loopback HTTP servers (axum): error classes, 429/418 blocks, the
//! weight header, endpoint failover.

// Test helpers outside #[test] functions unwrap setup steps: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use keel_exchange::ExchangeError;
use keel_transport::{Priority, RestClient, RestConfig, RestRequest};
use tokio::sync::Mutex;
use tokio::time::Instant;

const WEIGHT_HEADER: &str = "x-mbx-used-weight-1m";

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A port nothing listens on.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn config(key: &str, endpoints: Vec<String>) -> RestConfig {
    RestConfig {
        budget_key: key.to_string(),
        endpoints,
        proxy: None,
        timeout: Duration::from_secs(5),
        weight_header: Some(WEIGHT_HEADER.to_string()),
        weight_limit: 6000,
        window: Duration::from_secs(60),
    }
}

fn get_req(path: &str, priority: Priority) -> RestRequest {
    RestRequest {
        priority,
        ..RestRequest::get(path, "")
    }
}

/// A venue that answers one 429 (or 418) with Retry-After 1 s, counts requests that arrive
/// while its block lasts (a real venue would escalate those to a ban), and answers 200 otherwise.
#[derive(Default)]
struct LimitingVenue {
    total: AtomicU32,
    during_block: AtomicU32,
    blocked_until: Mutex<Option<Instant>>,
    limited_once: std::sync::atomic::AtomicBool,
}

async fn limiting_app(state: Arc<LimitingVenue>, status: StatusCode) -> String {
    let app = Router::new().route(
        "/api/v3/ping",
        get(move || {
            let state = Arc::clone(&state);
            async move {
                state.total.fetch_add(1, Ordering::SeqCst);
                let mut blocked = state.blocked_until.lock().await;
                if blocked.is_some_and(|until| Instant::now() < until) {
                    state.during_block.fetch_add(1, Ordering::SeqCst);
                    return (StatusCode::IM_A_TEAPOT, HeaderMap::new(), "banned").into_response();
                }
                let mut headers = HeaderMap::new();
                headers.insert(WEIGHT_HEADER, HeaderValue::from_static("42"));
                if !state.limited_once.swap(true, Ordering::SeqCst) {
                    *blocked = Some(Instant::now() + Duration::from_secs(1));
                    headers.insert("retry-after", HeaderValue::from_static("1"));
                    return (status, headers, "{\"code\":-1003}").into_response();
                }
                (StatusCode::OK, headers, "{}").into_response()
            }
        }),
    );
    serve(app).await
}

#[tokio::test]
async fn a_429_blocks_every_send_until_retry_after_passes() {
    let venue = Arc::new(LimitingVenue::default());
    let url = limiting_app(Arc::clone(&venue), StatusCode::TOO_MANY_REQUESTS).await;
    let client = Arc::new(RestClient::new(config("test-429", vec![url])).unwrap());

    let started = Instant::now();
    let err = client
        .send(get_req("/api/v3/ping", Priority::Trading))
        .await
        .unwrap_err();
    match err {
        ExchangeError::Transient { retry_after_ms, .. } => assert_eq!(retry_after_ms, Some(1000)),
        other => panic!("expected Transient, got {other:?}"),
    }
    let snap = client.budget().snapshot();
    assert!(snap.blocked_until_ms.is_some());
    assert!(!snap.banned);
    assert!(client.endpoints().is_cooling_down(0));

    // Ten requests of every priority right after the 429: they all wait, none is sent early.
    let mut sends = Vec::new();
    for i in 0..10 {
        let client = Arc::clone(&client);
        let priority = [
            Priority::Trading,
            Priority::Interactive,
            Priority::Background,
        ][i % 3];
        sends.push(tokio::spawn(async move {
            client.send(get_req("/api/v3/ping", priority)).await
        }));
    }
    for send in sends {
        let resp = send.await.unwrap().unwrap();
        assert_eq!(resp.status, 200);
    }
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(
        venue.during_block.load(Ordering::SeqCst),
        0,
        "no request may arrive during the block"
    );
    assert_eq!(venue.total.load(Ordering::SeqCst), 11);
    assert!(client.budget().snapshot().blocked_until_ms.is_none());
}

#[tokio::test]
async fn a_418_bans_without_sending_until_it_passes() {
    let venue = Arc::new(LimitingVenue::default());
    let url = limiting_app(Arc::clone(&venue), StatusCode::IM_A_TEAPOT).await;
    let client = RestClient::new(config("test-418", vec![url])).unwrap();

    let err = client
        .send(get_req("/api/v3/ping", Priority::Trading))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ExchangeError::Transient {
                retry_after_ms: Some(1000),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(client.budget().snapshot().banned);

    // While banned, sends fail at once without reaching the venue.
    let again = client
        .send(get_req("/api/v3/ping", Priority::Trading))
        .await
        .unwrap_err();
    match again {
        ExchangeError::Transient {
            retry_after_ms,
            message,
        } => {
            // Retry-After (1 s) plus the safety margin.
            assert!(retry_after_ms.is_some_and(|ms| ms <= 2000), "{message}");
            assert!(message.contains("banned"), "{message}");
        }
        other => panic!("expected Transient, got {other:?}"),
    }
    assert_eq!(venue.total.load(Ordering::SeqCst), 1);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let resp = client
        .send(get_req("/api/v3/ping", Priority::Trading))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(venue.during_block.load(Ordering::SeqCst), 0);
    assert!(!client.budget().snapshot().banned);
}

#[tokio::test]
async fn the_weight_header_updates_the_snapshot_and_other_statuses_pass_through() {
    let app = Router::new()
        .route(
            "/w",
            get(|| async {
                let mut headers = HeaderMap::new();
                headers.insert(WEIGHT_HEADER, HeaderValue::from_static("1234"));
                (StatusCode::OK, headers, "ok")
            }),
        )
        .route(
            "/bad",
            get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}",
                )
            }),
        );
    let url = serve(app).await;
    let client = RestClient::new(config("test-weight", vec![url.clone()])).unwrap();
    assert_eq!(client.budget().snapshot().used, 0);
    let resp = client
        .send(get_req("/w", Priority::Interactive))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(&resp.body[..], b"ok");
    assert_eq!(resp.endpoint, url);
    let snap = client.budget().snapshot();
    assert_eq!(snap.used, 1234);
    assert_eq!(snap.limit, 6000);

    let bad = client
        .send(get_req("/bad", Priority::Interactive))
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    assert!(String::from_utf8_lossy(&bad.body).contains("-1121"));
}

#[tokio::test]
async fn query_body_and_headers_reach_the_server() {
    let app = Router::new().route(
        "/api/v3/order",
        axum::routing::post(
            |headers: HeaderMap,
             axum::extract::RawQuery(query): axum::extract::RawQuery,
             body: String| async move {
                format!(
                    "{}|{}|{}|{}",
                    headers
                        .get("x-mbx-apikey")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                    headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                    query.unwrap_or_default(),
                    body
                )
            },
        ),
    );
    let url = serve(app).await;
    let client = RestClient::new(config("test-echo", vec![url])).unwrap();
    let req = RestRequest {
        method: reqwest::Method::POST,
        path: "/api/v3/order".into(),
        query: "a=1&signature=abc".into(),
        body: Some("symbol=BTCUSDT&side=BUY".into()),
        headers: vec![("X-MBX-APIKEY".into(), "key123".into())],
        weight: 1,
        priority: Priority::Trading,
    };
    let debug = format!("{req:?}");
    assert!(
        !debug.contains("key123") && !debug.contains("signature"),
        "{debug}"
    );
    let resp = client.send(req).await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&resp.body),
        "key123|application/x-www-form-urlencoded|a=1&signature=abc|symbol=BTCUSDT&side=BUY"
    );
}

#[tokio::test]
async fn a_timeout_after_the_server_received_the_request_is_unknown() {
    let received = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&received);
    let app = Router::new().route(
        "/slow",
        get(move || {
            let seen = Arc::clone(&seen);
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }
        }),
    );
    let url = serve(app).await;
    let mut cfg = config("test-timeout", vec![url]);
    cfg.timeout = Duration::from_millis(300);
    let client = RestClient::new(cfg).unwrap();
    let err = client
        .send(get_req("/slow", Priority::Trading))
        .await
        .unwrap_err();
    assert!(matches!(err, ExchangeError::Unknown { .. }), "{err:?}");
    assert_eq!(
        received.load(Ordering::SeqCst),
        1,
        "the server got the request exactly once"
    );
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let client = RestClient::new(config("test-refused", vec![refused_url().await])).unwrap();
    let err = client
        .send(get_req("/x", Priority::Trading))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ExchangeError::Transient {
                retry_after_ms: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(client.endpoints().is_cooling_down(0));
}

#[tokio::test]
async fn the_pool_moves_to_the_second_endpoint_and_cools_the_first_down() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&hits);
    let app = Router::new().route(
        "/api/v3/time",
        get(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                "{}"
            }
        }),
    );
    let good = serve(app).await;
    let bad = refused_url().await;
    let client = RestClient::new(config("test-pool", vec![bad.clone(), good.clone()])).unwrap();

    let resp = client
        .send(get_req("/api/v3/time", Priority::Trading))
        .await
        .unwrap();
    assert_eq!(resp.endpoint, good);
    assert!(client.endpoints().is_cooling_down(0));
    assert!(!client.endpoints().is_cooling_down(1));
    // While the first cools down, requests go straight to the second.
    assert_eq!(client.endpoints().pick().map(|p| p.0), Some(1));
    let resp = client
        .send(get_req("/api/v3/time", Priority::Trading))
        .await
        .unwrap();
    assert_eq!(resp.endpoint, good);
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let reports = client.test_endpoints("/api/v3/time").await;
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].url, bad);
    assert!(!reports[0].healthy && reports[0].cooling_down && reports[0].error.is_some());
    assert_eq!(reports[1].url, good);
    assert!(reports[1].healthy && !reports[1].cooling_down && reports[1].latency_ms.is_some());
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

/// Waits until the current wall-clock minute has at least `margin` left, so a test about one
/// window is not split by a rollover.
async fn away_from_minute_boundary(margin: Duration) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into_minute = Duration::from_millis(u64::try_from(now.as_millis() % 60_000).unwrap());
    let left = Duration::from_secs(60) - into_minute;
    if left < margin {
        tokio::time::sleep(left + Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn background_waits_at_70_percent_while_trading_proceeds() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&hits);
    let app = Router::new().route(
        "/x",
        get(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut headers = HeaderMap::new();
                headers.insert(WEIGHT_HEADER, HeaderValue::from_static("70"));
                (StatusCode::OK, headers, "{}")
            }
        }),
    );
    let url = serve(app).await;
    let mut cfg = config("test-background", vec![url]);
    cfg.weight_limit = 100;
    away_from_minute_boundary(Duration::from_secs(5)).await;
    let client = Arc::new(RestClient::new(cfg).unwrap());
    client.send(get_req("/x", Priority::Trading)).await.unwrap();
    assert_eq!(client.budget().snapshot().used, 70);

    let background = {
        let client = Arc::clone(&client);
        tokio::spawn(async move { client.send(get_req("/x", Priority::Background)).await })
    };
    for _ in 0..3 {
        let resp = client.send(get_req("/x", Priority::Trading)).await.unwrap();
        assert_eq!(resp.status, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !background.is_finished(),
        "background must wait for the next window"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    background.abort();
}

#[tokio::test]
async fn requests_go_through_a_socks5_proxy() {
    let app = Router::new().route("/api/v3/ping", get(|| async { "{}" }));
    let url = serve(app).await;
    let (proxy, tunnels) = common::socks5_proxy().await;
    let mut cfg = config("test-socks", vec![url]);
    cfg.proxy = Some(proxy);
    let client = RestClient::new(cfg).unwrap();
    let resp = client
        .send(get_req("/api/v3/ping", Priority::Interactive))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_dead_proxy_means_not_sent() {
    let app = Router::new().route("/api/v3/ping", get(|| async { "{}" }));
    let url = serve(app).await;
    let mut cfg = config("test-dead-proxy", vec![url]);
    cfg.proxy = Some(refused_url().await.replace("http://", "socks5://"));
    let client = RestClient::new(cfg).unwrap();
    let err = client
        .send(get_req("/api/v3/ping", Priority::Interactive))
        .await
        .unwrap_err();
    assert!(matches!(err, ExchangeError::Transient { .. }), "{err:?}");
}
