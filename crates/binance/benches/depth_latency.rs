//! Depth-diff latency on loopback: from a depth diff being written to the socket to the
//! updated book being received by a strategy (a subscriber task of `market_events()`), for
//! Binance spot and USD-M futures.
//!
//! Setup: the test kit's `MockBinance` serves REST (exchangeInfo, time, the depth snapshot);
//! the market stream is a WebSocket server in this file (spot: the combined stream
//! `/stream?streams=..` with `{"stream","data"}` frames; USD-M: `/ws` with raw frames, both
//! answering SUBSCRIBE), so the clock can start right before the frame is written. The server
//! (and the clock's start) lives on its own thread (current-thread runtime); the real adapter
//! (`BinanceSpot::connect` / `BinanceUsdm::connect_with`, market data only) and the subscriber
//! run on a multi-thread runtime with 2 workers.
//!
//! Each sample, one at a time (no queueing): build a `depthUpdate` that removes the previous
//! best bid and adds a new, never-used higher one, then stamp `t0`, write the frame, and wait
//! until the subscriber task reports (with its own receipt stamp `t1`) a `MarketEvent::Book`
//! whose best bid is that price. Latency = `t1 - t0`.
//!
//! Also reported: the in-process part alone (parse + `BookSync` + top-20 book + broadcast
//! send, no socket), replaying the adapter's per-frame steps on the same frames.
//!
//! Run: `cargo bench -p keel-binance --bench depth_latency`

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use futures_util::{SinkExt, StreamExt};
use keel_binance::common::config::{BinanceConfig, Endpoints};
use keel_binance::spot::BinanceSpot;
use keel_binance::spot::market::{MarketMsg as SpotMsg, parse_market};
use keel_binance::usdm::{BinanceUsdm, MarketMsg as UsdmMsg, UsdmOptions, parse_market_msg};
use keel_domain::OrderBook;
use keel_exchange::{MarketData, MarketEvent};
use keel_testkit::{Market, MockBinance, MockConfig};
use keel_transport::{BookStatus, BookSync, DepthSnapshot, SequenceRule};
use rust_decimal::Decimal;
use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Handle};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Samples discarded before measuring (connection, snapshot, caches, allocator).
const WARMUP: usize = 2_000;
/// Measured samples per product.
const SAMPLES: usize = 10_000;
/// Samples of the in-process part alone.
const INPROC_SAMPLES: usize = 100_000;
/// Levels per side of the seeded book.
const LEVELS: i64 = 200;
/// Giving up on one sample (a lost update would be a bug, not a slow sample).
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(5);
const COMMAND: &str = "cargo bench -p keel-binance --bench depth_latency";
type BoxError = Box<dyn Error + Send + Sync>;
/// `(price, qty)` levels of one book side.
type Levels = Vec<(Decimal, Decimal)>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Product {
    Spot,
    Usdm,
}

impl Product {
    fn name(self) -> &'static str {
        match self {
            Product::Spot => "spot",
            Product::Usdm => "usdm",
        }
    }
    fn market(self) -> Market {
        match self {
            Product::Spot => Market::Spot,
            Product::Usdm => Market::Futures,
        }
    }
}

/// The seeded book: bids 39 999.50 and below, asks 60 000.00 and above (so the injected best
/// bids 40 000.01, 40 000.02, .. never cross).
fn seed_levels() -> (Levels, Levels) {
    let qty = Decimal::new(15, 1);
    let bids = (0..LEVELS)
        .map(|i| (Decimal::new(3_999_950 - i * 50, 2), qty))
        .collect();
    let asks = (0..LEVELS)
        .map(|i| (Decimal::new(6_000_000 + i * 50, 2), qty))
        .collect();
    (bids, asks)
}

/// The injected best bid of sample `k`.
fn bid_price(k: usize) -> Decimal {
    Decimal::new(4_000_001 + k as i64, 2)
}

/// Diff `k` (0-based) after a snapshot with `lastUpdateId = last`: removes bid `k - 1`, adds
/// bid `k`. Spot ids chain by `U = prev u + 1`; futures by `pu = prev u`, and the first futures
/// diff straddles the snapshot id.
fn depth_frame(product: Product, last: u64, k: usize) -> String {
    let price = bid_price(k);
    let removed = match k {
        0 => String::new(),
        _ => format!(r#"["{}","0.00000000"],"#, bid_price(k - 1)),
    };
    let event_ms = 1_718_000_000_000_i64 + k as i64;
    match product {
        Product::Spot => {
            let id = last + 1 + k as u64;
            format!(
                r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":{event_ms},"s":"BTCUSDT","U":{id},"u":{id},"b":[{removed}["{price}","1.25000000"]],"a":[]}}}}"#
            )
        }
        Product::Usdm => {
            let first = last + k as u64;
            let fin = first + 1;
            format!(
                r#"{{"e":"depthUpdate","E":{event_ms},"T":{event_ms},"s":"BTCUSDT","U":{first},"u":{fin},"pu":{first},"b":[{removed}["{price}","1.250"]],"a":[]}}"#
            )
        }
    }
}

/// Accepts the adapter's market stream connection and hands the socket to the driver.
async fn upgrade(
    State(tx): State<mpsc::UnboundedSender<WebSocket>>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| async move {
        let _ = tx.send(socket);
    })
}

/// Starts the stream server on the current runtime; returns its `ws://` base.
async fn start_stream_server(conns: mpsc::UnboundedSender<WebSocket>) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // As an exchange's edge would: no Nagle delay on small frames.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = Router::new()
        .route("/stream", get(upgrade))
        .route("/ws", get(upgrade))
        .with_state(conns);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("ws://{addr}"))
}

/// The snapshot id the adapter will fetch (`GET depth`), read the same way.
async fn snapshot_id(product: Product, rest: &str) -> Result<u64, BoxError> {
    let path = match product {
        Product::Spot => "/api/v3/depth",
        Product::Usdm => "/fapi/v1/depth",
    };
    let text = reqwest::get(format!("{rest}{path}?symbol=BTCUSDT&limit=5"))
        .await?
        .text()
        .await?;
    let body: serde_json::Value = serde_json::from_str(&text)?;
    body["lastUpdateId"]
        .as_u64()
        .ok_or_else(|| "depth snapshot without lastUpdateId".into())
}

/// Runs on the server thread: serves the stream, drives the ping-pong, returns latencies (ns).
async fn drive(
    product: Product,
    last: u64,
    socket: WebSocket,
    mut books: mpsc::UnboundedReceiver<(Instant, Option<Decimal>)>,
) -> Result<Vec<u64>, BoxError> {
    let (mut sink, mut stream) = socket.split();
    // Requests from the client (SUBSCRIBE ids) are answered between samples.
    let (req_tx, mut req_rx) = mpsc::unbounded_channel::<u64>();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if let Message::Text(text) = msg
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(text.as_str())
                && let Some(id) = v.get("id").and_then(serde_json::Value::as_u64)
            {
                let _ = req_tx.send(id);
            }
        }
    });
    // The book exists once the adapter subscribes.
    let first = tokio::time::timeout(SAMPLE_TIMEOUT, req_rx.recv())
        .await?
        .ok_or("stream closed before SUBSCRIBE")?;
    let ack = |id: u64| Message::Text(format!(r#"{{"result":null,"id":{id}}}"#).into());
    sink.send(ack(first)).await?;
    let mut out = Vec::with_capacity(SAMPLES);
    for k in 0..WARMUP + SAMPLES {
        while let Ok(id) = req_rx.try_recv() {
            sink.send(ack(id)).await?;
        }
        let want = bid_price(k);
        let frame = Message::Text(depth_frame(product, last, k).into());
        let t0 = Instant::now();
        sink.send(frame).await?;
        let t1 = loop {
            let (t1, best) = tokio::time::timeout(SAMPLE_TIMEOUT, books.recv())
                .await
                .map_err(|_| {
                    format!(
                        "{}: no book with best bid {want} (sample {k})",
                        product.name()
                    )
                })?
                .ok_or("subscriber stopped")?;
            if best == Some(want) {
                break t1;
            }
        };
        if k >= WARMUP {
            out.push(t1.duration_since(t0).as_nanos() as u64);
        }
    }
    Ok(out)
}

/// The strategy: a task on the adapter's runtime that stamps each book it receives.
fn spawn_subscriber(
    mut rx: broadcast::Receiver<MarketEvent>,
    tx: mpsc::UnboundedSender<(Instant, Option<Decimal>)>,
) {
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(MarketEvent::Book { symbol, book }) if symbol == "BTC/USDT" => {
                    let t1 = Instant::now();
                    if tx.send((t1, book.best_bid())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("subscriber lagged by {n} events");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Keeps whichever venue is connected alive for the run.
enum Venue {
    Spot(#[allow(dead_code)] std::sync::Arc<BinanceSpot>),
    Usdm(#[allow(dead_code)] BinanceUsdm),
}

async fn measure_product(
    product: Product,
    server: &Handle,
    mock: &MockBinance,
) -> Result<Vec<u64>, BoxError> {
    let (bids, asks) = seed_levels();
    mock.set_book(product.market(), "BTCUSDT", &bids, &asks);
    let rest = match product {
        Product::Spot => mock.spot_rest_url(),
        Product::Usdm => mock.futures_rest_url(),
    };
    let last = snapshot_id(product, &rest).await?;
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel();
    let ws_base = server.spawn(start_stream_server(conn_tx)).await??;

    let endpoints = Endpoints::loopback(&rest, &ws_base);
    let (book_tx, book_rx) = mpsc::unbounded_channel();
    let venue = match product {
        Product::Spot => {
            let mut config = BinanceConfig::spot("bench", None, false);
            config.endpoints = endpoints;
            let venue = BinanceSpot::connect(config).await?;
            spawn_subscriber(venue.market_events(), book_tx);
            venue.watch("BTC/USDT").await?;
            Venue::Spot(venue)
        }
        Product::Usdm => {
            let mut config = BinanceConfig::usdm("bench", None, false);
            config.endpoints = endpoints;
            let mut options = UsdmOptions::for_config(&config);
            options.spot_rest = vec![mock.spot_rest_url()];
            let venue = BinanceUsdm::connect_with(config, options).await?;
            spawn_subscriber(venue.market_events(), book_tx);
            venue.watch("BTC/USDT").await?;
            Venue::Usdm(venue)
        }
    };
    let socket = tokio::time::timeout(SAMPLE_TIMEOUT, conn_rx.recv())
        .await?
        .ok_or("the adapter never connected")?;
    let samples = server
        .spawn(drive(product, last, socket, book_rx))
        .await??;
    drop(venue);
    Ok(samples)
}

/// The in-process part alone: the adapter's per-frame steps (parse, `BookSync`, top 20,
/// broadcast send to one subscribed receiver), timed per frame on one thread.
fn in_process(product: Product) -> Vec<u64> {
    let (bids, asks) = seed_levels();
    let last = 1_000;
    let rule = match product {
        Product::Spot => SequenceRule::BinanceSpot,
        Product::Usdm => SequenceRule::BinanceFutures,
    };
    let mut sync = BookSync::new(rule);
    let status = sync.on_snapshot(DepthSnapshot {
        last_update_id: last,
        bids,
        asks,
        ts_ms: 0,
    });
    assert_eq!(status, BookStatus::Synced);
    let (tx, mut rx) = broadcast::channel::<MarketEvent>(4096);
    let frames: Vec<String> = (0..WARMUP + INPROC_SAMPLES)
        .map(|k| depth_frame(product, last, k))
        .collect();
    let mut out = Vec::with_capacity(INPROC_SAMPLES);
    for (k, frame) in frames.iter().enumerate() {
        let t0 = Instant::now();
        let diff = match product {
            Product::Spot => match parse_market(frame) {
                Ok(SpotMsg::DepthDiff(d)) => d.to_diff().ok(),
                _ => None,
            },
            Product::Usdm => match parse_market_msg(frame) {
                Ok(UsdmMsg::Depth { diff, .. }) => Some(diff),
                _ => None,
            },
        };
        let book: Option<OrderBook> = diff.and_then(|d| match sync.on_diff(d) {
            BookStatus::Synced => Some(sync.top(20)),
            _ => None,
        });
        if let Some(book) = book {
            let _ = tx.send(MarketEvent::Book {
                symbol: "BTC/USDT".into(),
                book,
            });
        }
        let t1 = Instant::now();
        // Drained outside the timed part (keeps the channel from lagging).
        let got = rx.try_recv();
        let ok = matches!(&got, Ok(MarketEvent::Book { book, .. }) if book.best_bid() == Some(bid_price(k)));
        assert!(
            ok,
            "{}: in-process frame {k} did not update the book",
            product.name()
        );
        black_box(got.ok());
        if k >= WARMUP {
            out.push(t1.duration_since(t0).as_nanos() as u64);
        }
    }
    out
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1_000.0
}

fn report(label: &str, mut ns: Vec<u64>) {
    ns.sort_unstable();
    let max = ns.last().copied().unwrap_or(0) as f64 / 1_000.0;
    println!(
        "{label:<37} n={:>6}  p50 {:>7.1}  p90 {:>7.1}  p99 {:>7.1}  p99.9 {:>7.1}  max {:>8.1}  (µs)",
        ns.len(),
        percentile(&ns, 50.0),
        percentile(&ns, 90.0),
        percentile(&ns, 99.0),
        percentile(&ns, 99.9),
        max,
    );
}

fn main() -> Result<(), BoxError> {
    // The "exchange": its own thread and current-thread runtime.
    let server_rt = Builder::new_current_thread().enable_all().build()?;
    let server = server_rt.handle().clone();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server_thread = std::thread::spawn(move || {
        server_rt.block_on(async {
            let _ = stop_rx.await;
        });
    });

    // Keel: the adapter and the strategy on a 2-worker runtime.
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mock = rt.block_on(server.spawn(MockBinance::start(MockConfig::new(
        7,
        "bench-key",
        "bench-secret",
    ))))??;

    println!("Depth diff -> book visible to a subscriber, loopback ({COMMAND})");
    println!(
        "adapter runtime: tokio multi-thread, 2 workers; server: own thread; warm-up {WARMUP}, then one diff at a time"
    );
    for product in [Product::Spot, Product::Usdm] {
        let samples = rt.block_on(measure_product(product, &server, &mock))?;
        assert_eq!(samples.len(), SAMPLES);
        report(
            &format!("{} socket write -> subscriber", product.name()),
            samples,
        );
    }
    for product in [Product::Spot, Product::Usdm] {
        report(
            &format!("{} in-process (parse+sync+publish)", product.name()),
            in_process(product),
        );
    }
    drop(rt);
    drop(mock);
    let _ = stop_tx.send(());
    let _ = server_thread.join();
    Ok(())
}
