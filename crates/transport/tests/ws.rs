//! The reconnecting WebSocket client against real loopback servers (tokio-tungstenite
//! `accept_async`), timing under tokio's paused clock.

// Test helpers outside #[test] functions unwrap setup steps: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{connect_proxy, socks5_proxy};
use futures_util::{SinkExt, StreamExt};
use keel_exchange::{ConnectionState, ExchangeResult};
use keel_transport::ws::JITTER_SHARE;
use keel_transport::{WsConfig, WsControl, WsSender, WsSession, backoff_delay, spawn_ws};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

type ServerWs = WebSocketStream<TcpStream>;

#[derive(Debug)]
enum Event {
    Open(u64),
    Text(String),
    State(Instant, ConnectionState),
}

/// A session that subscribes on every open and reports everything to the test.
struct Recorder {
    url: String,
    events: mpsc::UnboundedSender<Event>,
}

#[async_trait]
impl WsSession for Recorder {
    async fn url(&self) -> ExchangeResult<String> {
        Ok(self.url.clone())
    }
    async fn on_open(&self, out: &WsSender, generation: u64) -> ExchangeResult<()> {
        assert!(out.send_text(format!("subscribe {generation}")));
        let _ = self.events.send(Event::Open(generation));
        Ok(())
    }
    async fn on_text(&self, text: &str, _out: &WsSender) -> WsControl {
        let _ = self.events.send(Event::Text(text.to_string()));
        if text == "please reconnect" {
            WsControl::Reconnect("asked to".into())
        } else {
            WsControl::Continue
        }
    }
    fn on_state(&self, state: ConnectionState) {
        let _ = self.events.send(Event::State(Instant::now(), state));
    }
}

/// A WebSocket server handing every accepted connection to the test.
async fn ws_server() -> (String, mpsc::UnboundedReceiver<ServerWs>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await
                && tx.send(ws).is_err()
            {
                break;
            }
        }
    });
    (url, rx)
}

fn cfg() -> WsConfig {
    WsConfig {
        ping_interval: Duration::from_secs(10),
        stall_timeout: Duration::from_secs(30),
        ..WsConfig::new("test")
    }
}

fn start(
    url: String,
    config: WsConfig,
) -> (keel_transport::WsHandle, mpsc::UnboundedReceiver<Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = spawn_ws(config, Arc::new(Recorder { url, events: tx }));
    (handle, rx)
}

async fn next_open(events: &mut mpsc::UnboundedReceiver<Event>) -> u64 {
    loop {
        if let Event::Open(generation) = events.recv().await.unwrap() {
            return generation;
        }
    }
}

async fn next_text(events: &mut mpsc::UnboundedReceiver<Event>) -> String {
    loop {
        if let Event::Text(text) = events.recv().await.unwrap() {
            return text;
        }
    }
}

/// The next Reconnecting state: (when, attempt, reason).
async fn next_reconnecting(events: &mut mpsc::UnboundedReceiver<Event>) -> (Instant, u32, String) {
    loop {
        if let Event::State(at, ConnectionState::Reconnecting { attempt, reason }) =
            events.recv().await.unwrap()
        {
            return (at, attempt, reason);
        }
    }
}

async fn read_text(ws: &mut ServerWs) -> String {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(t) => return t.to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Keeps reading (which answers pings) until the client goes away.
fn keep_serving(mut ws: ServerWs) {
    tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} });
}

#[test]
fn backoff_doubles_from_min_to_max_with_bounded_jitter() {
    let (min, max) = (Duration::from_secs(3), Duration::from_secs(60));
    let nominal = [3, 6, 12, 24, 48, 60, 60, 60];
    for (i, secs) in nominal.iter().enumerate() {
        let attempt = u32::try_from(i).unwrap() + 1;
        let full = Duration::from_secs(*secs);
        assert_eq!(backoff_delay(attempt, min, max, 0.0), full);
        assert_eq!(
            backoff_delay(attempt, min, max, 1.0),
            full.mul_f64(1.0 - JITTER_SHARE)
        );
        for jitter in [0.1, 0.5, 0.99] {
            let d = backoff_delay(attempt, min, max, jitter);
            assert!(
                d <= full && d >= full.mul_f64(1.0 - JITTER_SHARE),
                "{attempt} {d:?}"
            );
        }
    }
    assert_eq!(backoff_delay(1000, min, max, 0.0), max);
    assert_eq!(backoff_delay(0, min, max, 0.0), min);
}

#[tokio::test(start_paused = true)]
async fn reconnects_after_the_server_closes_and_subscribes_again() {
    let (url, mut conns) = ws_server().await;
    let (handle, mut events) = start(url, cfg());

    let mut first = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut first).await, "subscribe 1");
    assert_eq!(next_open(&mut events).await, 1);
    first.send(Message::text("hello 1")).await.unwrap();
    assert_eq!(next_text(&mut events).await, "hello 1");
    first.close(None).await.unwrap();
    drop(first);

    let (_, attempt, reason) = next_reconnecting(&mut events).await;
    assert_eq!(attempt, 1);
    assert!(reason.contains("closed"), "{reason}");
    let mut second = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut second).await, "subscribe 2");
    assert_eq!(next_open(&mut events).await, 2);
    second.send(Message::text("hello 2")).await.unwrap();
    assert_eq!(next_text(&mut events).await, "hello 2");
    keep_serving(second);
    handle.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_stall_is_detected_and_replaced() {
    let (url, mut conns) = ws_server().await;
    let config = WsConfig {
        ping_interval: Duration::from_secs(5),
        stall_timeout: Duration::from_secs(15),
        ..cfg()
    };
    let (handle, mut events) = start(url, config);

    // The first server never reads (so never answers pings) and never sends.
    let silent = conns.recv().await.unwrap();
    assert_eq!(next_open(&mut events).await, 1);
    let opened = Instant::now();
    let (at, attempt, reason) = next_reconnecting(&mut events).await;
    assert_eq!(attempt, 1);
    assert!(reason.contains("no frame"), "{reason}");
    let stalled_after = at - opened;
    assert!(
        stalled_after >= Duration::from_secs(15) && stalled_after < Duration::from_secs(16),
        "{stalled_after:?}"
    );

    // The second server answers pings: the connection stays up far beyond the stall timeout.
    let mut healthy = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut healthy).await, "subscribe 2");
    assert_eq!(next_open(&mut events).await, 2);
    let mut pings = 0;
    let up_since = Instant::now();
    while up_since.elapsed() < Duration::from_secs(120) {
        match healthy.next().await.unwrap().unwrap() {
            Message::Ping(_) => pings += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(pings >= 20, "{pings}");
    assert!(
        events.try_recv().is_err(),
        "no reconnect while pongs arrive"
    );
    drop(silent);
    keep_serving(healthy);
    handle.stop().await;
}

#[tokio::test(start_paused = true)]
async fn server_pings_are_answered() {
    let (url, mut conns) = ws_server().await;
    let config = WsConfig {
        ping_interval: Duration::from_secs(1000),
        stall_timeout: Duration::from_secs(2000),
        ..cfg()
    };
    let (handle, _events) = start(url, config);
    let mut ws = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut ws).await, "subscribe 1");
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    match ws.next().await.unwrap().unwrap() {
        Message::Pong(payload) => assert_eq!(&payload[..], b"are you there"),
        other => panic!("expected a pong, got {other:?}"),
    }
    keep_serving(ws);
    handle.stop().await;
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_between_failed_attempts() {
    // Nothing listens: every attempt is refused.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    drop(listener);
    let (handle, mut events) = start(url, cfg());
    let mut times = Vec::new();
    for expected in 1..=8u32 {
        let (at, attempt, reason) = next_reconnecting(&mut events).await;
        assert_eq!(attempt, expected);
        assert!(reason.contains("connect failed"), "{reason}");
        times.push(at);
    }
    let nominal = [3u64, 6, 12, 24, 48, 60, 60];
    for (i, secs) in nominal.iter().enumerate() {
        let gap = times[i + 1] - times[i];
        let full = Duration::from_secs(*secs);
        assert!(
            gap <= full + Duration::from_millis(50) && gap >= full.mul_f64(1.0 - JITTER_SHARE),
            "attempt {}: waited {gap:?}, nominal {full:?}",
            i + 1
        );
    }
    handle.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_connection_is_replaced_after_its_max_lifetime() {
    let (url, mut conns) = ws_server().await;
    let config = WsConfig {
        max_lifetime: Duration::from_secs(90),
        ..cfg()
    };
    let (handle, mut events) = start(url, config);
    let mut first = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut first).await, "subscribe 1");
    assert_eq!(next_open(&mut events).await, 1);
    let opened = Instant::now();
    keep_serving(first);

    let (at, _, reason) = next_reconnecting(&mut events).await;
    assert!(reason.contains("lifetime"), "{reason}");
    let lived = at - opened;
    assert!(
        lived >= Duration::from_secs(90) && lived < Duration::from_secs(91),
        "{lived:?}"
    );
    let mut second = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut second).await, "subscribe 2");
    assert_eq!(next_open(&mut events).await, 2);
    // Rotation reconnects at once, without backoff.
    assert!(Instant::now() - at < Duration::from_millis(100));
    keep_serving(second);
    handle.stop().await;
}

#[tokio::test(start_paused = true)]
async fn force_reconnect_and_session_requests_open_a_new_generation() {
    let (url, mut conns) = ws_server().await;
    let (handle, mut events) = start(url, cfg());
    let first = conns.recv().await.unwrap();
    assert_eq!(next_open(&mut events).await, 1);
    keep_serving(first);
    handle.force_reconnect("listen key expired");
    let (_, _, reason) = next_reconnecting(&mut events).await;
    assert_eq!(reason, "listen key expired");
    let mut second = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut second).await, "subscribe 2");
    assert_eq!(next_open(&mut events).await, 2);

    second
        .send(Message::text("please reconnect"))
        .await
        .unwrap();
    let (_, _, reason) = next_reconnecting(&mut events).await;
    assert_eq!(reason, "asked to");
    let third = conns.recv().await.unwrap();
    assert_eq!(next_open(&mut events).await, 3);
    keep_serving(third);
    handle.stop().await;
}

#[tokio::test]
async fn stop_reports_down_and_closes_the_socket() {
    let (url, mut conns) = ws_server().await;
    let (handle, mut events) = start(url, cfg());
    let mut ws = conns.recv().await.unwrap();
    assert_eq!(next_open(&mut events).await, 1);
    handle.stop().await;
    let mut states = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let Event::State(_, state) = event {
            states.push(state);
        }
    }
    assert!(
        matches!(states.last(), Some(ConnectionState::Down { .. })),
        "{states:?}"
    );
    // The server sees the subscribe, then the close.
    assert_eq!(read_text(&mut ws).await, "subscribe 1");
    assert!(matches!(
        ws.next().await,
        Some(Ok(Message::Close(_))) | None
    ));
}

async fn through_proxy(proxy: String, tunnels: Arc<std::sync::atomic::AtomicU32>) {
    let (url, mut conns) = ws_server().await;
    let config = WsConfig {
        proxy: Some(proxy),
        ..cfg()
    };
    let (handle, mut events) = start(url, config);
    let mut ws = conns.recv().await.unwrap();
    assert_eq!(read_text(&mut ws).await, "subscribe 1");
    assert_eq!(next_open(&mut events).await, 1);
    ws.send(Message::text("via proxy")).await.unwrap();
    assert_eq!(next_text(&mut events).await, "via proxy");
    assert_eq!(tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);
    keep_serving(ws);
    handle.stop().await;
}

#[tokio::test]
async fn connects_through_an_http_connect_proxy() {
    let (proxy, tunnels) = connect_proxy().await;
    through_proxy(proxy, tunnels).await;
}

#[tokio::test]
async fn connects_through_a_socks5_proxy() {
    let (proxy, tunnels) = socks5_proxy().await;
    through_proxy(proxy, tunnels).await;
}
