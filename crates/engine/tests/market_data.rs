//! Market data through the engine: candle downloads from Binance spot on a loopback mock
//! (resume, request counts, progress, venue gaps, cancel), a download from the Demo exchange, and
//! a Demo recording replayed in order.

use keel_binance::common::config::{BinanceConfig, Endpoints};
use keel_binance::spot::BinanceSpot;
use keel_engine::market_data::{
    DownloadProgress, DownloadRequest, RecordKind, RecordRequest, Speed, download,
};
use keel_engine::{Engine, EngineConfig};
use keel_exchange::MarketEvent;
use keel_store::{DownloadStatus, GapRange, SessionStatus, Store};
use keel_testkit::{Market, MockBinance, MockConfig};
use std::time::Duration;
use tokio::sync::watch;

const MINUTE: i64 = 60_000;
/// The mock's history: 2,500 one-minute bars ending (exclusive) at this open time.
const HISTORY_END: i64 = 1_700_000_040_000;
const BARS: i64 = 2_500;
const HISTORY_START: i64 = HISTORY_END - BARS * MINUTE;
const NOW: i64 = HISTORY_END + 3_600_000;

async fn mock_and_venue() -> (MockBinance, std::sync::Arc<BinanceSpot>) {
    let mut cfg = MockConfig::new(11, "key", "secret");
    cfg.kline_history_bars = BARS as u32;
    cfg.kline_history_end_ms = Some(HISTORY_END);
    let mock = MockBinance::start(cfg).await.expect("mock");
    let config = BinanceConfig {
        account_id: "acct".into(),
        credentials: None,
        testnet: false,
        proxy: None,
        endpoints: Endpoints::loopback(&mock.spot_rest_url(), &mock.spot_stream_url()),
    };
    let venue = BinanceSpot::connect(config).await.expect("connect");
    (mock, venue)
}

fn klines(mock: &MockBinance) -> u64 {
    mock.stats().requests(Market::Spot, "GET", "/api/v3/klines")
}

fn request(start_ms: i64, end_ms: i64) -> DownloadRequest {
    DownloadRequest {
        account_id: "acct".into(),
        symbol: "BTC/USDT".into(),
        interval_ms: MINUTE,
        start_ms,
        end_ms,
    }
}

async fn run(
    venue: &BinanceSpot,
    store: &Store,
    req: &DownloadRequest,
) -> (keel_store::DownloadJob, Vec<DownloadProgress>) {
    let mut seen = Vec::new();
    let (_cancel, cancel_rx) = watch::channel(false);
    let job = download(
        venue,
        "binance",
        store,
        req,
        NOW,
        |p| seen.push(p.clone()),
        cancel_rx,
    )
    .await
    .expect("download");
    (job, seen)
}

fn assert_monotonic_to_done(progress: &[DownloadProgress]) {
    assert!(progress.len() >= 2);
    assert!(
        progress.windows(2).all(|w| w[0].fraction <= w[1].fraction
            && w[0].fetched <= w[1].fetched
            && w[0].requests <= w[1].requests),
        "{progress:?}"
    );
    let last = progress.last().expect("last");
    assert_eq!(last.fraction, 1.0);
    assert_eq!(last.status, DownloadStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_resumes_fetching_only_missing_pages_and_reports_venue_gaps() {
    let (mock, venue) = mock_and_venue().await;
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("keel.db"))
        .await
        .expect("store");

    // Half: 1,200 candles = a full page and a 200-candle page.
    let before = klines(&mock);
    let (job, progress) = run(
        &venue,
        &store,
        &request(HISTORY_START, HISTORY_START + 1_200 * MINUTE),
    )
    .await;
    assert_eq!(klines(&mock) - before, 2);
    assert_eq!(
        (job.fetched, job.requests, job.stored_before),
        (1_200, 2, 0)
    );
    assert_eq!(job.status, DownloadStatus::Completed);
    assert!(job.venue_gaps.is_empty());
    assert_monotonic_to_done(&progress);
    assert_eq!(progress.len(), 4, "start, two pages, done");

    // The whole history, starting 100 minutes before the venue has any: only the 1,300 missing
    // candles are requested (two pages), plus one request that finds the venue's gap.
    let before = klines(&mock);
    let whole = request(HISTORY_START - 100 * MINUTE, HISTORY_END);
    let (job, progress) = run(&venue, &store, &whole).await;
    assert_eq!(klines(&mock) - before, 3);
    assert_eq!((job.fetched, job.stored_before), (1_300, 1_200));
    assert_eq!(
        job.venue_gaps,
        vec![GapRange::new(
            HISTORY_START - 100 * MINUTE,
            HISTORY_START,
            MINUTE
        )]
    );
    assert_monotonic_to_done(&progress);
    assert!((progress[0].fraction - 1_200.0 / 2_600.0).abs() < 1e-12);
    assert_eq!(progress.last().expect("last").venue_missing, 100);

    let stored = store
        .candles_between("binance", "BTC/USDT", MINUTE, i64::MIN, i64::MAX)
        .await
        .expect("read");
    assert_eq!(stored.len() as i64, BARS);
    assert_eq!(stored[0].open_time_ms, HISTORY_START);
    assert!(
        stored
            .windows(2)
            .all(|w| w[1].open_time_ms - w[0].open_time_ms == MINUTE)
    );
    // The same candles as the venue serves for that range.
    let page = keel_exchange::MarketData::candles_since(
        venue.as_ref(),
        "BTC/USDT",
        MINUTE,
        HISTORY_START + 1_234 * MINUTE,
        3,
    )
    .await
    .expect("page");
    assert_eq!(page[..], stored[1_234..1_237]);

    // Again: nothing is missing but the venue's own gap (one request to confirm it).
    let before = klines(&mock);
    let (job, _) = run(&venue, &store, &whole).await;
    assert_eq!(klines(&mock) - before, 1);
    assert_eq!(job.fetched, 0);
    assert_eq!(store.downloads(10).await.expect("jobs").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_download_keeps_whole_pages_and_the_rerun_completes_it() {
    let (mock, venue) = mock_and_venue().await;
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("keel.db"))
        .await
        .expect("store");
    let req = request(HISTORY_START, HISTORY_END);
    let (cancel, cancel_rx) = watch::channel(false);
    let job = download(
        venue.as_ref(),
        "binance",
        &store,
        &req,
        NOW,
        |p| {
            if p.fetched >= 1_000 {
                let _ = cancel.send(true);
            }
        },
        cancel_rx,
    )
    .await
    .expect("download");
    assert_eq!(job.status, DownloadStatus::Cancelled);
    assert_eq!(job.fetched, 1_000);
    assert_eq!(
        store
            .count_candles("binance", "BTC/USDT", MINUTE, i64::MIN, i64::MAX)
            .await
            .expect("count"),
        1_000
    );
    let before = klines(&mock);
    let (job, _) = run(&venue, &store, &req).await;
    assert_eq!(klines(&mock) - before, 2);
    assert_eq!((job.stored_before, job.fetched), (1_000, 1_500));
    assert!(
        store
            .candle_gaps("binance", "BTC/USDT", MINUTE, HISTORY_START, HISTORY_END)
            .await
            .expect("gaps")
            .is_empty()
    );
}

async fn demo_engine(dir: &tempfile::TempDir) -> Engine {
    let mut config = EngineConfig::new(dir.path().to_path_buf());
    config.secrets = keel_engine::SecretsMode::VaultFile;
    config.demo_tick_ms = 50;
    Engine::start(config).await.expect("engine")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_history_downloads_as_closed_candles() {
    let dir = tempfile::tempdir().expect("dir");
    let engine = demo_engine(&dir).await;
    let now = keel_domain::Clock::now_ms(&keel_engine::SystemClock);
    let start = now - now.rem_euclid(5 * MINUTE) - 300 * MINUTE;
    let req = DownloadRequest {
        account_id: "demo".into(),
        symbol: "ETH/USDT".into(),
        interval_ms: 5 * MINUTE,
        start_ms: start,
        end_ms: now + 3_600_000,
    };
    let mut progress = Vec::new();
    let (_cancel, cancel_rx) = watch::channel(false);
    let job = engine
        .download_candles(&req, |p| progress.push(p.clone()), cancel_rx)
        .await
        .expect("download");
    assert_eq!(job.status, DownloadStatus::Completed);
    assert_monotonic_to_done(&progress);
    // Closed candles only: the one still open is left for later.
    let stored = engine
        .stored_candles("demo", "ETH/USDT", 5 * MINUTE, start, now + 3_600_000)
        .await
        .expect("read");
    assert_eq!(stored.len(), 60, "{job:?}");
    assert!(
        stored
            .iter()
            .all(|c| c.open_time_ms + 5 * MINUTE <= now + 1_000)
    );
    assert!(stored.iter().all(|c| c.low <= c.open && c.open <= c.high));
    // A venue that cannot aggregate seconds refuses with a clear error.
    let (_cancel, cancel_rx) = watch::channel(false);
    let err = engine
        .download_candles(
            &DownloadRequest {
                interval_ms: 1_000,
                ..req
            },
            |_| {},
            cancel_rx,
        )
        .await
        .expect_err("seconds");
    assert!(err.message.contains("whole minutes"), "{err:?}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_recording_replays_the_same_events_in_order() {
    let dir = tempfile::tempdir().expect("dir");
    let engine = demo_engine(&dir).await;
    let started = engine
        .start_recording(RecordRequest {
            account_id: "demo".into(),
            symbols: vec!["BTC/USDT".into()],
            kinds: vec![RecordKind::Trades, RecordKind::Candles, RecordKind::Books],
            name: Some("demo run".into()),
            book_every_ms: Some(500),
        })
        .await
        .expect("start");
    assert_eq!(started.status, SessionStatus::Recording);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let session = engine.stop_recording(started.id).await.expect("stop");
    assert_eq!(session.status, SessionStatus::Stopped);
    let end = session.end_ms.expect("end");
    assert!(end - session.start_ms >= 2_900, "{session:?}");
    assert!(
        session.trade_count > 0 && session.book_count > 0,
        "{session:?}"
    );
    assert!(
        session.book_count <= 7,
        "books at most every 500 ms: {session:?}"
    );

    let mut replay = engine
        .replay_session(session.id, Speed::Max)
        .await
        .expect("replay");
    let mut events = Vec::new();
    while let Some(e) = replay.recv().await {
        events.push(e);
    }
    let count = |f: fn(&MarketEvent) -> bool| events.iter().filter(|e| f(&e.event)).count() as i64;
    assert_eq!(
        count(|e| matches!(e, MarketEvent::Trade { .. })),
        session.trade_count
    );
    assert_eq!(
        count(|e| matches!(e, MarketEvent::Candle { .. })),
        session.candle_count
    );
    assert_eq!(
        count(|e| matches!(e, MarketEvent::Book { .. })),
        session.book_count
    );
    // Recorded order: consecutive sequence numbers, times never going back, only BTC/USDT,
    // trades in the venue's id order.
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as i64));
    assert!(events.windows(2).all(|w| w[0].recv_ms <= w[1].recv_ms));
    assert!(events.iter().all(|e| e.event.symbol() == "BTC/USDT"));
    assert!(
        events
            .iter()
            .all(|e| e.recv_ms >= session.start_ms && e.recv_ms <= end)
    );
    let trade_ids: Vec<u64> = events
        .iter()
        .filter_map(|e| match &e.event {
            MarketEvent::Trade { trade, .. } => Some(trade.id),
            _ => None,
        })
        .collect();
    assert!(trade_ids.windows(2).all(|w| w[0] < w[1]));
    // The reader pages through the same events.
    let mut reader = engine.session_reader(session.id).await.expect("reader");
    let mut paged = Vec::new();
    loop {
        let batch = reader.next_batch(7).await.expect("batch");
        if batch.is_empty() {
            break;
        }
        paged.extend(batch);
    }
    assert_eq!(paged, events);
    let listed = engine.recording_sessions().await.expect("list");
    assert_eq!(listed[0], session);
    assert!(engine.stop_recording(session.id).await.is_err());
    engine.shutdown().await;
}
