//! Market-data commands for the Data page: datasets and their storage, candle downloads with
//! progress (a `Channel`) and cancel, CSV import, recording sessions. Thin calls into
//! `keel_engine::market_data`.

use crate::state::AppState;
use keel_engine::api::{AppError, ErrorCode};
use keel_engine::market_data::{DownloadProgress, DownloadRequest, RecordRequest};
use keel_store::csv_import::ImportSummary;
use keel_store::{DatasetRef, DatasetUsage, DownloadJob, GapRange, RecordingSession};
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tokio::sync::watch;

type Cmd<T> = Result<T, AppError>;

/// Downloads running now: each one's progress (which carries its job id) and cancel switch.
#[derive(Default)]
pub struct Downloads {
    running: Mutex<Vec<RunningDownload>>,
}

struct RunningDownload {
    key: u64,
    progress: watch::Receiver<Option<DownloadProgress>>,
    cancel: watch::Sender<bool>,
}

impl Downloads {
    fn add(
        &self,
        key: u64,
        progress: watch::Receiver<Option<DownloadProgress>>,
        cancel: watch::Sender<bool>,
    ) {
        self.lock().push(RunningDownload {
            key,
            progress,
            cancel,
        });
    }

    fn remove(&self, key: u64) {
        self.lock().retain(|d| d.key != key);
    }

    /// Asks the download of `job_id` to stop; false when no such download is running.
    fn cancel(&self, job_id: i64) -> bool {
        let running = self.lock();
        let found = running.iter().find(|d| {
            d.progress
                .borrow()
                .as_ref()
                .is_some_and(|p| p.job_id == job_id)
        });
        match found {
            Some(d) => d.cancel.send(true).is_ok(),
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RunningDownload>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

static NEXT_DOWNLOAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Storage used per dataset (candle series and recorded sessions).
#[tauri::command]
pub async fn list_datasets(state: State<'_, AppState>) -> Cmd<Vec<DatasetUsage>> {
    state.engine.datasets().await
}

/// Deletes a dataset; resolves with the rows removed.
#[tauri::command]
pub async fn delete_dataset(state: State<'_, AppState>, dataset: DatasetRef) -> Cmd<u64> {
    state.engine.delete_dataset(&dataset).await
}

/// Open times missing from the store in `[start_ms, end_ms)`.
#[tauri::command]
pub async fn candle_gaps(
    state: State<'_, AppState>,
    venue: String,
    symbol: String,
    interval_ms: i64,
    start_ms: i64,
    end_ms: i64,
) -> Cmd<Vec<GapRange>> {
    if interval_ms <= 0 {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "The interval must be positive",
        ));
    }
    state
        .engine
        .candle_gaps(&venue, &symbol, interval_ms, start_ms, end_ms)
        .await
}

/// Downloads candles from an account's venue, sending progress after every page; resolves with
/// the finished job (its `status` says completed, cancelled or failed; `venueGaps` lists the
/// open times the venue had no candle for). [`cancel_download`] stops it, keeping what arrived.
#[tauri::command]
pub async fn download_candles(
    state: State<'_, AppState>,
    downloads: State<'_, Downloads>,
    request: DownloadRequest,
    on_progress: Channel<DownloadProgress>,
) -> Cmd<DownloadJob> {
    let handle = state.engine.start_download(request);
    let key = NEXT_DOWNLOAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    downloads.add(key, handle.progress.clone(), handle.cancel);
    let mut progress = handle.progress;
    let forward = tauri::async_runtime::spawn(async move {
        // Ends when the download task drops its sender.
        while progress.changed().await.is_ok() {
            let latest = progress.borrow_and_update().clone();
            if let Some(p) = latest
                && on_progress.send(p).is_err()
            {
                break;
            }
        }
    });
    let result = handle.task.await;
    downloads.remove(key);
    let _ = forward.await;
    result.map_err(|e| AppError::new(ErrorCode::Internal, format!("the download stopped: {e}")))?
}

/// Stops the running download of `job_id` (the job id its progress carries).
#[tauri::command]
pub fn cancel_download(downloads: State<'_, Downloads>, job_id: i64) -> Cmd<()> {
    if downloads.cancel(job_id) {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("Download {job_id} is not running"),
        ))
    }
}

/// Download jobs, newest first.
#[tauri::command]
pub async fn list_downloads(state: State<'_, AppState>, limit: u32) -> Cmd<Vec<DownloadJob>> {
    state.engine.downloads(limit.clamp(1, 1_000)).await
}

/// Imports a CSV file of candles or trades (validated whole first, stored in one transaction).
#[tauri::command]
pub async fn import_csv(
    state: State<'_, AppState>,
    path: String,
    venue: String,
    symbol: String,
    interval_ms: Option<i64>,
) -> Cmd<ImportSummary> {
    let path = path.trim();
    if path.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Choose the CSV file to import",
        ));
    }
    let (venue, symbol) = (venue.trim(), symbol.trim());
    if venue.is_empty() || symbol.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Name the venue and the symbol the file holds (e.g. binance, ETH/BTC)",
        ));
    }
    if interval_ms.is_some_and(|i| i <= 0) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "The interval must be positive",
        ));
    }
    state
        .engine
        .import_csv(&PathBuf::from(path), venue, symbol, interval_ms)
        .await
}

/// Asks for a CSV file with the native open dialog; None when the trader canceled.
#[tauri::command]
pub async fn pick_csv_file(app: AppHandle) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("CSV", &["csv"])
        .set_title("Import candles or trades from CSV")
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await
        .ok()
        .flatten()
        .map(|p| p.to_string_lossy().into_owned())
}

#[tauri::command]
pub async fn start_recording(
    state: State<'_, AppState>,
    request: RecordRequest,
) -> Cmd<RecordingSession> {
    state.engine.start_recording(request).await
}

#[tauri::command]
pub async fn stop_recording(state: State<'_, AppState>, session_id: i64) -> Cmd<RecordingSession> {
    state.engine.stop_recording(session_id).await
}

/// Every recording session (and imported trade file), newest first.
#[tauri::command]
pub async fn list_recordings(state: State<'_, AppState>) -> Cmd<Vec<RecordingSession>> {
    state.engine.recording_sessions().await
}
