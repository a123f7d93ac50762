//! Plain HTTP / WebSocket clients that hand-sign requests the way Binance documents it.
#![allow(dead_code, clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use futures_util::{SinkExt, StreamExt};
use keel_testkit::{MockBinance, MockConfig, hmac_hex};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message;

pub const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
pub const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

pub async fn mock(seed: u64) -> MockBinance {
    MockBinance::start(MockConfig::new(seed, KEY, SECRET))
        .await
        .unwrap()
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub used_weight: Option<u32>,
    pub retry_after: Option<u64>,
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn finish(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let h = resp.headers().clone();
    let get = |n: &str| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    };
    let used_weight = get("x-mbx-used-weight-1m").map(|v: u64| v as u32);
    let retry_after = get("retry-after");
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        body,
        used_weight,
        retry_after,
    }
}

/// Unsigned GET.
pub async fn get(base: &str, path: &str, query: &str) -> Reply {
    let url = if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{query}")
    };
    finish(http().get(url).send().await.unwrap()).await
}

/// A SIGNED request: `timestamp` (local clock + `ts_offset`) appended, HMAC over the string that
/// is sent. POST sends the parameters as a form body, other methods as the query string.
pub async fn signed(
    base: &str,
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    ts_offset: i64,
) -> Reply {
    signed_with(&http(), base, method, path, params, ts_offset, SECRET).await
}

pub async fn signed_with(
    client: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    ts_offset: i64,
    secret: &str,
) -> Reply {
    let mut qs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    qs.push(format!("timestamp={}", now_ms() + ts_offset));
    let payload = qs.join("&");
    let sig = hmac_hex(secret, &payload);
    let signed = format!("{payload}&signature={sig}");
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let req = if method == "POST" {
        client
            .request(m, format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(signed)
    } else {
        client.request(m, format!("{base}{path}?{signed}"))
    };
    let resp = req.header("X-MBX-APIKEY", KEY).send().await.unwrap();
    finish(resp).await
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn ws(url: &str) -> Ws {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

pub async fn ws_send(ws: &mut Ws, v: &Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// Next JSON text frame within `ms`, or None on timeout / close.
pub async fn ws_next(ws: &mut Ws, ms: u64) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return Some(serde_json::from_str(t.as_str()).unwrap());
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Frames until `ms` pass without one.
pub async fn ws_drain(ws: &mut Ws, ms: u64) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(v) = ws_next(ws, ms).await {
        out.push(v);
    }
    out
}

/// Spot WS-API user-data subscription (signature over sorted params). Returns the subscription id.
pub async fn spot_user_stream(mock: &MockBinance) -> (Ws, u64) {
    let mut ws = ws(&mock.spot_ws_api_url()).await;
    let ts = now_ms();
    let payload = format!("apiKey={KEY}&timestamp={ts}");
    let sig = hmac_hex(SECRET, &payload);
    ws_send(
        &mut ws,
        &serde_json::json!({"id": "sub-1", "method": "userDataStream.subscribe.signature",
            "params": {"apiKey": KEY, "timestamp": ts, "signature": sig}}),
    )
    .await;
    let reply = ws_next(&mut ws, 2000).await.unwrap();
    assert_eq!(reply["status"], 200, "{reply}");
    let sid = reply["result"]["subscriptionId"].as_u64().unwrap();
    (ws, sid)
}
