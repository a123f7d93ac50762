//! Market data for backtests: candle downloads from any connected venue (paged, resumable, with
//! progress, gap detection and cancel), CSV import, recording sessions of live market events,
//! and session replay with pacing.
//!
//! Downloads store each page in one transaction together with the job's progress, so a crash
//! leaves whole pages and a re-run fetches only the open times still missing. Recordings write
//! batches every [`FLUSH_EVERY`] or [`FLUSH_ROWS`] events, whichever comes first.

use crate::api::{AppError, AppResult, ErrorCode};
use crate::engine::Engine;
use keel_domain::Candle;
use keel_exchange::{MarketData, MarketEvent};
use keel_store::csv_import::{ImportError, ImportSummary};
use keel_store::{
    DatasetRef, DatasetUsage, DownloadJob, DownloadState, DownloadStatus, GapRange, NewSession,
    RecordedEvent, RecordedPayload, RecordingSession, SessionStatus, Store,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use ts_rs::TS;

/// Candles asked for per request (Binance's klines maximum on spot).
pub const DOWNLOAD_PAGE: usize = 1_000;
/// A recording writes its buffered events at least this often...
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// ...or as soon as this many are buffered.
pub const FLUSH_ROWS: usize = 500;
/// Book snapshots recorded per symbol at most once per this many ms, unless asked otherwise.
pub const DEFAULT_BOOK_EVERY_MS: i64 = 1_000;

/// Milliseconds of an interval name: `1s`, `1m`, `5m`, `1h`, `4h`, `1d`, `1w` (a number and
/// one of s, m, h, d, w).
pub fn interval_ms(name: &str) -> Option<i64> {
    let name = name.trim();
    let unit = name.chars().last()?;
    let n: i64 = name[..name.len() - unit.len_utf8()].parse().ok()?;
    let ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => return None,
    };
    (n > 0).then_some(n * ms)
}

/// The shortest name of an interval (`300000` -> `5m`).
pub fn interval_name(ms: i64) -> String {
    for (unit, len) in [
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms > 0 && ms % len == 0 {
            return format!("{}{unit}", ms / len);
        }
    }
    format!("{ms}ms")
}

// ---------------------------------------------------------------------------------------------
// Downloads

/// A candle download: `[start_ms, end_ms)` of one symbol's `interval_ms` candles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadRequest {
    pub account_id: String,
    pub symbol: String,
    #[ts(type = "number")]
    pub interval_ms: i64,
    #[ts(type = "number")]
    pub start_ms: i64,
    #[ts(type = "number")]
    pub end_ms: i64,
}

/// Where a download is: `fraction` of the range covered (stored before, fetched, or found
/// missing at the venue), never decreasing, 1 when done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadProgress {
    #[ts(type = "number")]
    pub job_id: i64,
    pub fraction: f64,
    /// Candles of the range that were stored before this run.
    #[ts(type = "number")]
    pub stored_before: i64,
    #[ts(type = "number")]
    pub fetched: i64,
    #[ts(type = "number")]
    pub requests: i64,
    /// Open times the venue had no candle for so far.
    #[ts(type = "number")]
    pub venue_missing: i64,
    pub status: DownloadStatus,
}

/// A download running in the background: watch `progress`, send `true` on `cancel`, await
/// `task` for the final job.
pub struct DownloadHandle {
    pub progress: watch::Receiver<Option<DownloadProgress>>,
    pub cancel: watch::Sender<bool>,
    pub task: JoinHandle<AppResult<DownloadJob>>,
}

fn push_gap(gaps: &mut Vec<GapRange>, gap: GapRange, interval_ms: i64) {
    match gaps.last_mut() {
        Some(last) if last.end_ms == gap.start_ms => {
            *last = GapRange::new(last.start_ms, gap.end_ms, interval_ms);
        }
        _ => gaps.push(gap),
    }
}

/// Downloads the candles of `request` that `store` lacks from `venue` (stored as `venue_id`),
/// reporting progress after every page. Only closed candles are stored (`open + interval <=
/// now_ms`). Sending `true` on `cancel` stops it between or during requests; the job is then
/// `cancelled` with every stored page kept.
#[allow(clippy::too_many_arguments)]
pub async fn download(
    venue: &dyn MarketData,
    venue_id: &str,
    store: &Store,
    request: &DownloadRequest,
    now_ms: i64,
    mut on_progress: impl FnMut(&DownloadProgress) + Send,
    mut cancel: watch::Receiver<bool>,
) -> AppResult<DownloadJob> {
    let interval = request.interval_ms;
    if interval <= 0 || request.start_ms >= request.end_ms {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Choose a positive interval and a start before the end",
        ));
    }
    let (symbol, start) = (request.symbol.as_str(), request.start_ms);
    // Only closed candles: open + interval <= now.
    let end = request.end_ms.min(now_ms - interval + 1).max(start);
    let stored_before = store
        .count_candles(venue_id, symbol, interval, start, end)
        .await?;
    let missing = store
        .candle_gaps(venue_id, symbol, interval, start, end)
        .await?;
    let total = (stored_before + missing.iter().map(|g| g.missing).sum::<i64>()).max(1);
    let job_id = store
        .create_download(
            &request.account_id,
            venue_id,
            symbol,
            interval,
            request.start_ms,
            request.end_ms,
            stored_before,
            now_ms,
        )
        .await?;
    let mut state = DownloadState {
        fetched: 0,
        requests: 0,
        progress: stored_before as f64 / total as f64,
        status: DownloadStatus::Running,
        error: None,
        venue_gaps: Vec::new(),
    };
    let mut covered = stored_before;
    let report = |state: &DownloadState, on_progress: &mut dyn FnMut(&DownloadProgress)| {
        on_progress(&DownloadProgress {
            job_id,
            fraction: state.progress,
            stored_before,
            fetched: state.fetched,
            requests: state.requests,
            venue_missing: state.venue_gaps.iter().map(|g| g.missing).sum(),
            status: state.status,
        });
    };
    report(&state, &mut on_progress);
    'ranges: for gap in &missing {
        let mut cursor = gap.start_ms;
        while cursor < gap.end_ms {
            if *cancel.borrow() {
                state.status = DownloadStatus::Cancelled;
                break 'ranges;
            }
            let want = usize::try_from((gap.end_ms - cursor + interval - 1) / interval)
                .unwrap_or(DOWNLOAD_PAGE)
                .min(DOWNLOAD_PAGE);
            let page = tokio::select! {
                page = venue.candles_since(symbol, interval, cursor, want) => page,
                _ = cancel.wait_for(|c| *c) => {
                    state.status = DownloadStatus::Cancelled;
                    break 'ranges;
                }
            };
            state.requests += 1;
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    let err = AppError::from(e);
                    state.status = DownloadStatus::Failed;
                    state.error = Some(err.message.clone());
                    store
                        .store_download_page(job_id, &[], &state, now_ms)
                        .await?;
                    report(&state, &mut on_progress);
                    return Err(err);
                }
            };
            let kept: Vec<Candle> = page
                .into_iter()
                .filter(|c| c.open_time_ms >= cursor && c.open_time_ms < gap.end_ms)
                .collect();
            let mut expect = cursor;
            for c in &kept {
                if c.open_time_ms > expect {
                    push_gap(
                        &mut state.venue_gaps,
                        GapRange::new(expect, c.open_time_ms, interval),
                        interval,
                    );
                }
                expect = c.open_time_ms + interval;
            }
            if kept.is_empty() {
                // The venue has nothing more in this range.
                push_gap(
                    &mut state.venue_gaps,
                    GapRange::new(cursor, gap.end_ms, interval),
                    interval,
                );
                expect = gap.end_ms;
            }
            covered += GapRange::new(cursor, expect.min(gap.end_ms), interval).missing;
            cursor = expect;
            state.fetched += kept.len() as i64;
            state.progress = (covered as f64 / total as f64).min(1.0);
            store
                .store_download_page(job_id, &kept, &state, now_ms)
                .await?;
            report(&state, &mut on_progress);
        }
    }
    if state.status == DownloadStatus::Running {
        state.status = DownloadStatus::Completed;
        state.progress = 1.0;
    }
    store
        .store_download_page(job_id, &[], &state, now_ms)
        .await?;
    report(&state, &mut on_progress);
    if !state.venue_gaps.is_empty() {
        tracing::info!(
            job_id,
            gaps = state.venue_gaps.len(),
            "the venue has gaps in the range"
        );
    }
    store
        .downloads(u32::MAX)
        .await?
        .into_iter()
        .find(|j| j.id == job_id)
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "the download job vanished"))
}

// ---------------------------------------------------------------------------------------------
// Recording

/// What a recording captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Trades,
    Candles,
    Books,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Trades => "trades",
            RecordKind::Candles => "candles",
            RecordKind::Books => "books",
        }
    }
}

/// A recording to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordRequest {
    pub account_id: String,
    pub symbols: Vec<String>,
    pub kinds: Vec<RecordKind>,
    /// Default: the symbols and the start time.
    #[ts(optional)]
    pub name: Option<String>,
    /// At most one book snapshot per symbol per this many ms (default 1,000).
    #[ts(optional, type = "number")]
    pub book_every_ms: Option<i64>,
}

struct Recorder {
    stop: oneshot::Sender<()>,
    task: JoinHandle<AppResult<RecordingSession>>,
}

/// The engine's running recordings, by session id.
#[derive(Default)]
pub(crate) struct Recordings {
    running: std::sync::Mutex<HashMap<i64, Recorder>>,
}

impl Recordings {
    fn take(&self, id: i64) -> Option<Recorder> {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
    }

    fn ids(&self) -> Vec<i64> {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect()
    }
}

/// Keeps the events a recording wants: its symbols and kinds, books at most every
/// `book_every_ms` per symbol.
struct Filter {
    symbols: Vec<String>,
    kinds: Vec<RecordKind>,
    book_every_ms: i64,
    last_book: HashMap<String, i64>,
}

impl Filter {
    fn keep(&mut self, event: MarketEvent, now_ms: i64) -> Option<RecordedPayload> {
        if !self.symbols.iter().any(|s| s == event.symbol()) {
            return None;
        }
        match event {
            MarketEvent::Trade { symbol, trade } if self.kinds.contains(&RecordKind::Trades) => {
                Some(RecordedPayload::Trade { symbol, trade })
            }
            MarketEvent::Candle {
                symbol,
                interval_ms,
                candle,
                closed,
            } if self.kinds.contains(&RecordKind::Candles) => Some(RecordedPayload::Candle {
                symbol,
                interval_ms,
                candle,
                closed,
            }),
            MarketEvent::Book { symbol, book } if self.kinds.contains(&RecordKind::Books) => {
                let last = self.last_book.get(&symbol).copied();
                if last.is_some_and(|t| now_ms - t < self.book_every_ms) {
                    return None;
                }
                self.last_book.insert(symbol.clone(), now_ms);
                Some(RecordedPayload::Book { symbol, book })
            }
            _ => None,
        }
    }
}

async fn record(
    engine: Engine,
    venue: std::sync::Arc<dyn keel_exchange::Venue>,
    session_id: i64,
    mut filter: Filter,
    mut events: broadcast::Receiver<MarketEvent>,
    mut stop: oneshot::Receiver<()>,
) -> AppResult<RecordingSession> {
    let store = engine.inner.store.clone();
    let clock = engine.inner.clock.clone();
    let mut buffer: Vec<RecordedEvent> = Vec::with_capacity(FLUSH_ROWS);
    let mut seq = 0i64;
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let write = |buffer: &mut Vec<RecordedEvent>| {
        let batch = std::mem::take(buffer);
        let store = store.clone();
        async move {
            if let Err(e) = store.append_session_events(session_id, &batch).await {
                tracing::error!(session_id, error = %e, lost = batch.len(), "could not write recorded events");
            }
        }
    };
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = events.recv() => match event {
                Ok(event) => {
                    let now = clock.now_ms();
                    if let Some(payload) = filter.keep(event, now) {
                        buffer.push(RecordedEvent { seq, recv_ms: now, payload });
                        seq += 1;
                        if buffer.len() >= FLUSH_ROWS {
                            write(&mut buffer).await;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(session_id, n, "recording fell behind the market; events lost");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = flush.tick() => write(&mut buffer).await,
        }
    }
    write(&mut buffer).await;
    for symbol in &filter.symbols {
        venue.unwatch(symbol).await;
    }
    store
        .finish_session(session_id, clock.now_ms(), SessionStatus::Stopped)
        .await?;
    session(&store, session_id).await
}

async fn session(store: &Store, id: i64) -> AppResult<RecordingSession> {
    store.session(id).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidInput,
            format!("No recording session {id}"),
        )
    })
}

/// Stops every running recording (at shutdown), finalising each session.
pub(crate) async fn stop_all(engine: &Engine) {
    for id in engine.inner.recordings.ids() {
        if let Err(e) = engine.stop_recording(id).await {
            tracing::warn!(session_id = id, error = %e, "could not finish a recording");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Replay

/// How fast a replay runs: as recorded, N times faster, or as fast as it can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "factor", rename_all = "camelCase")]
pub enum Speed {
    RealTime,
    /// N times faster than recorded (`Times(0)` is treated as `Max`).
    Times(u32),
    Max,
}

/// Pacing of a replay: the wall-clock wait before each event, from the events' recorded times.
/// Pure: tests (and a backtest) compute it without sleeping.
#[derive(Debug, Clone)]
pub struct Pacer {
    speed: Speed,
    previous_ms: Option<i64>,
}

impl Pacer {
    pub fn new(speed: Speed) -> Pacer {
        Pacer {
            speed,
            previous_ms: None,
        }
    }

    /// The wait before an event recorded at `time_ms`: zero for the first event, for `Max`, and
    /// for a time not after the previous one; else the recorded gap divided by the speed-up.
    pub fn delay_before(&mut self, time_ms: i64) -> Duration {
        let gap_ms = self
            .previous_ms
            .map_or(0, |p| time_ms.saturating_sub(p).max(0));
        self.previous_ms = Some(self.previous_ms.map_or(time_ms, |p| p.max(time_ms)));
        let gap_us = u64::try_from(gap_ms).unwrap_or(0).saturating_mul(1_000);
        match self.speed {
            Speed::Max | Speed::Times(0) => Duration::ZERO,
            Speed::RealTime => Duration::from_micros(gap_us),
            Speed::Times(n) => Duration::from_micros(gap_us / u64::from(n)),
        }
    }
}

/// The wait before each event of a replay at `speed` (see [`Pacer::delay_before`]).
pub fn pacing_delays(times_ms: &[i64], speed: Speed) -> Vec<Duration> {
    let mut pacer = Pacer::new(speed);
    times_ms.iter().map(|t| pacer.delay_before(*t)).collect()
}

/// A replayed event: the market event as the venue pushed it, with its place in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayEvent {
    pub seq: i64,
    /// When the recorder received it.
    pub recv_ms: i64,
    pub event: MarketEvent,
}

impl From<RecordedEvent> for ReplayEvent {
    fn from(e: RecordedEvent) -> Self {
        let event = match e.payload {
            RecordedPayload::Trade { symbol, trade } => MarketEvent::Trade { symbol, trade },
            RecordedPayload::Candle {
                symbol,
                interval_ms,
                candle,
                closed,
            } => MarketEvent::Candle {
                symbol,
                interval_ms,
                candle,
                closed,
            },
            RecordedPayload::Book { symbol, book } => MarketEvent::Book { symbol, book },
        };
        ReplayEvent {
            seq: e.seq,
            recv_ms: e.recv_ms,
            event,
        }
    }
}

/// Reads a session's events in recorded order, a batch at a time.
pub struct SessionReader {
    store: Store,
    session_id: i64,
    after_seq: i64,
}

impl SessionReader {
    pub fn new(store: Store, session_id: i64) -> SessionReader {
        SessionReader {
            store,
            session_id,
            after_seq: -1,
        }
    }

    /// The next up to `max` events; empty at the end.
    pub async fn next_batch(&mut self, max: u32) -> AppResult<Vec<ReplayEvent>> {
        let events = self
            .store
            .session_events(self.session_id, self.after_seq, max.max(1))
            .await?;
        if let Some(last) = events.last() {
            self.after_seq = last.seq;
        }
        Ok(events.into_iter().map(ReplayEvent::from).collect())
    }
}

/// Sends a session's events to `out` in recorded order, paced by `speed`. Returns how many were
/// sent (fewer when `out` closed early).
pub async fn replay_session(
    store: Store,
    session_id: i64,
    speed: Speed,
    out: mpsc::Sender<ReplayEvent>,
) -> AppResult<u64> {
    let mut reader = SessionReader::new(store, session_id);
    let mut pacer = Pacer::new(speed);
    let mut sent = 0;
    loop {
        let batch = reader.next_batch(1_000).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        for event in batch {
            let wait = pacer.delay_before(event.recv_ms);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            if out.send(event).await.is_err() {
                return Ok(sent);
            }
            sent += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The engine's API

impl From<ImportError> for AppError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Csv(e) => AppError::new(ErrorCode::InvalidInput, e.to_string()),
            ImportError::Store(e) => e.into(),
        }
    }
}

impl Engine {
    /// Imports a CSV file of candles or trades (see `keel_store::csv_import`): the whole file is
    /// validated first and stored in one transaction; gaps come back as warnings.
    pub async fn import_csv(
        &self,
        path: &std::path::Path,
        venue: &str,
        symbol: &str,
        interval_ms: Option<i64>,
    ) -> AppResult<ImportSummary> {
        let text = tokio::fs::read_to_string(path).await.map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("Cannot read {}: {e}", path.display()),
            )
        })?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let summary = self
            .inner
            .store
            .import_csv(&name, &text, venue, symbol, interval_ms)
            .await?;
        tracing::info!(file = %name, rows = summary.rows, gaps = summary.gaps.len(), "imported CSV");
        Ok(summary)
    }

    /// Waits until an account is connected (stored accounts connect in the background).
    pub async fn wait_for_account(&self, account_id: &str, timeout: Duration) -> AppResult<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.account(account_id) {
                Ok(_) => return Ok(()),
                Err(e)
                    if e.code == ErrorCode::VenueUnavailable
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Downloads candles from the account's venue into the store (see [`download`]), calling
    /// `on_progress` after every page.
    pub async fn download_candles(
        &self,
        request: &DownloadRequest,
        on_progress: impl FnMut(&DownloadProgress) + Send,
        cancel: watch::Receiver<bool>,
    ) -> AppResult<DownloadJob> {
        let account = self.account(&request.account_id)?;
        account.instrument(&request.symbol)?;
        let now = self.inner.clock.now_ms();
        download(
            account.venue.as_ref(),
            account.venue.venue_id(),
            &self.inner.store,
            request,
            now,
            on_progress,
            cancel,
        )
        .await
    }

    /// Starts a download in the background (for the Data page's progress bar and cancel).
    pub fn start_download(&self, request: DownloadRequest) -> DownloadHandle {
        let (progress_tx, progress) = watch::channel(None);
        let (cancel, cancel_rx) = watch::channel(false);
        let engine = self.clone();
        let task = self.inner.runtime.spawn(async move {
            engine
                .download_candles(
                    &request,
                    |p| {
                        let _ = progress_tx.send(Some(p.clone()));
                    },
                    cancel_rx,
                )
                .await
        });
        DownloadHandle {
            progress,
            cancel,
            task,
        }
    }

    /// Download jobs, newest first.
    pub async fn downloads(&self, limit: u32) -> AppResult<Vec<DownloadJob>> {
        Ok(self.inner.store.downloads(limit).await?)
    }

    /// Stored candles in `[start_ms, end_ms)`, oldest first (what a backtest reads).
    pub async fn stored_candles(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        end_ms: i64,
    ) -> AppResult<Vec<Candle>> {
        Ok(self
            .inner
            .store
            .candles_between(venue, symbol, interval_ms, start_ms, end_ms)
            .await?)
    }

    /// Open times missing from the store in `[start_ms, end_ms)`.
    pub async fn candle_gaps(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        end_ms: i64,
    ) -> AppResult<Vec<GapRange>> {
        Ok(self
            .inner
            .store
            .candle_gaps(venue, symbol, interval_ms, start_ms, end_ms)
            .await?)
    }

    /// Storage used per dataset (candle series and sessions).
    pub async fn datasets(&self) -> AppResult<Vec<DatasetUsage>> {
        Ok(self.inner.store.dataset_usage().await?)
    }

    /// Deletes a dataset; a session that is still recording is refused.
    pub async fn delete_dataset(&self, dataset: &DatasetRef) -> AppResult<u64> {
        if let DatasetRef::Session { session_id } = dataset
            && self.inner.recordings.ids().contains(session_id)
        {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Stop the recording before deleting it",
            ));
        }
        Ok(self.inner.store.delete_dataset(dataset).await?)
    }

    /// Starts recording the account's market events of `symbols` into a new session.
    pub async fn start_recording(&self, request: RecordRequest) -> AppResult<RecordingSession> {
        let account = self.account(&request.account_id)?;
        if request.symbols.is_empty() || request.kinds.is_empty() {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Choose at least one symbol and one kind of data to record",
            ));
        }
        for symbol in &request.symbols {
            account.instrument(symbol)?;
        }
        let now = self.inner.clock.now_ms();
        let name = request
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{} from {now}", request.symbols.join(", ")));
        let store = &self.inner.store;
        let id = store
            .create_session(&NewSession {
                name,
                account_id: request.account_id.clone(),
                venue: account.venue.venue_id().to_string(),
                symbols: request.symbols.clone(),
                kinds: request
                    .kinds
                    .iter()
                    .map(|k| k.as_str().to_string())
                    .collect(),
                start_ms: now,
            })
            .await?;
        // Subscribe before watching, so the first events are not missed.
        let events = account.venue.market_events();
        for symbol in &request.symbols {
            account.venue.watch(symbol).await?;
        }
        let filter = Filter {
            symbols: request.symbols.clone(),
            kinds: request.kinds.clone(),
            book_every_ms: request
                .book_every_ms
                .unwrap_or(DEFAULT_BOOK_EVERY_MS)
                .max(0),
            last_book: HashMap::new(),
        };
        let (stop, stop_rx) = oneshot::channel();
        let task = self.inner.runtime.spawn(record(
            self.clone(),
            account.venue.clone(),
            id,
            filter,
            events,
            stop_rx,
        ));
        self.inner
            .recordings
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Recorder { stop, task });
        tracing::info!(session_id = id, symbols = ?request.symbols, "recording started");
        session(store, id).await
    }

    /// Stops a recording: writes what is buffered and finalises the end time and counts.
    pub async fn stop_recording(&self, session_id: i64) -> AppResult<RecordingSession> {
        let Some(recorder) = self.inner.recordings.take(session_id) else {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                format!("Session {session_id} is not recording"),
            ));
        };
        let _ = recorder.stop.send(());
        let finished = recorder
            .task
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("recording task: {e}")))??;
        tracing::info!(
            session_id,
            trades = finished.trade_count,
            "recording stopped"
        );
        Ok(finished)
    }

    /// Every recording session (and imported trade file), newest first.
    pub async fn recording_sessions(&self) -> AppResult<Vec<RecordingSession>> {
        Ok(self.inner.store.sessions().await?)
    }

    /// A reader of a session's events in recorded order.
    pub async fn session_reader(&self, session_id: i64) -> AppResult<SessionReader> {
        session(&self.inner.store, session_id).await?;
        Ok(SessionReader::new(self.inner.store.clone(), session_id))
    }

    /// Replays a session at `speed` into the returned channel (closed at the end).
    pub async fn replay_session(
        &self,
        session_id: i64,
        speed: Speed,
    ) -> AppResult<mpsc::Receiver<ReplayEvent>> {
        session(&self.inner.store, session_id).await?;
        let (tx, rx) = mpsc::channel(1_024);
        let store = self.inner.store.clone();
        self.inner.runtime.spawn(async move {
            if let Err(e) = replay_session(store, session_id, speed, tx).await {
                tracing::warn!(session_id, error = %e, "replay stopped");
            }
        });
        Ok(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(d: &[Duration]) -> Vec<u128> {
        d.iter().map(Duration::as_millis).collect()
    }

    #[test]
    fn pacing_follows_the_recorded_gaps_divided_by_the_speed_up() {
        let times = [1_000, 1_000, 1_500, 3_500, 3_400, 4_000];
        assert_eq!(
            ms(&pacing_delays(&times, Speed::RealTime)),
            [0, 0, 500, 2_000, 0, 500]
        );
        assert_eq!(
            ms(&pacing_delays(&times, Speed::Times(10))),
            [0, 0, 50, 200, 0, 50]
        );
        assert_eq!(
            pacing_delays(&times, Speed::Times(1)),
            pacing_delays(&times, Speed::RealTime)
        );
        assert!(
            pacing_delays(&times, Speed::Max)
                .iter()
                .all(|d| d.is_zero())
        );
        assert!(
            pacing_delays(&times, Speed::Times(0))
                .iter()
                .all(|d| d.is_zero())
        );
        // Sub-millisecond precision at high speed-ups: 7 ms at 4x is 1.75 ms.
        assert_eq!(
            pacing_delays(&[0, 7], Speed::Times(4))[1],
            Duration::from_micros(1_750)
        );
        // The total wall time of a replay is the recorded span over the factor.
        let span: Duration = pacing_delays(&times, Speed::Times(10)).iter().sum();
        assert_eq!(span, Duration::from_millis(300));
    }

    #[test]
    fn interval_names_round_trip() {
        for (name, ms) in [
            ("1s", 1_000),
            ("1m", 60_000),
            ("5m", 300_000),
            ("1h", 3_600_000),
            ("4h", 14_400_000),
            ("1d", 86_400_000),
            ("1w", 604_800_000),
        ] {
            assert_eq!(interval_ms(name), Some(ms));
            assert_eq!(interval_name(ms), name);
        }
        assert_eq!(interval_ms("0m"), None);
        assert_eq!(interval_ms("5x"), None);
        assert_eq!(interval_ms(""), None);
    }
}
