//! The IPC surface: each command is a thin call into the engine. Errors cross as
//! `{code, message}` (`keel_engine::api::AppError`).

use crate::state::AppState;
use keel_domain::{Candle, Fill, Instrument, OrderBook, OrderRecord, Trade};
use keel_engine::api::*;
use std::path::PathBuf;
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

type Cmd<T> = Result<T, AppError>;

/// Market batches reach the UI at most this often per stream (~20 a second).
const BATCH_INTERVAL: Duration = Duration::from_millis(50);

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.engine.app_info()
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Cmd<Vec<AccountView>> {
    state.engine.accounts().await
}

#[tauri::command]
pub async fn add_account(
    state: State<'_, AppState>,
    request: NewAccountRequest,
) -> Cmd<AccountView> {
    state.engine.add_account(request).await
}

#[tauri::command]
pub async fn update_account(
    state: State<'_, AppState>,
    request: UpdateAccountRequest,
) -> Cmd<AccountView> {
    state.engine.update_account(request).await
}

/// Opens (or returns) the paper account of a connected account: its market, simulated fills,
/// its own balances; orders never reach the venue.
#[tauri::command]
pub async fn open_paper_account(
    state: State<'_, AppState>,
    account_id: String,
) -> Cmd<AccountView> {
    state.engine.open_paper_account(&account_id).await
}

#[tauri::command]
pub async fn remove_account(state: State<'_, AppState>, account_id: String) -> Cmd<()> {
    state.engine.remove_account(&account_id).await
}

#[tauri::command]
pub async fn set_account_live(
    state: State<'_, AppState>,
    account_id: String,
    live: bool,
    password: Option<SecretInput>,
) -> Cmd<AccountView> {
    state
        .engine
        .set_account_live(&account_id, live, password.map(|p| p.0))
        .await
}

#[tauri::command]
pub async fn test_endpoints(
    state: State<'_, AppState>,
    account_id: String,
) -> Cmd<Vec<EndpointView>> {
    state.engine.test_endpoints(&account_id).await
}

#[tauri::command]
pub async fn list_positions(
    state: State<'_, AppState>,
    account_id: String,
) -> Cmd<Vec<keel_domain::Position>> {
    state.engine.positions(&account_id).await
}

#[tauri::command]
pub async fn secret_audit(
    state: State<'_, AppState>,
    account_id: Option<String>,
) -> Cmd<Vec<AuditView>> {
    state.engine.secret_audit(account_id.as_deref()).await
}

#[tauri::command]
pub async fn security_status(state: State<'_, AppState>) -> Cmd<SecurityView> {
    state.engine.security().await
}

#[tauri::command]
pub async fn set_app_lock(
    state: State<'_, AppState>,
    current: Option<SecretInput>,
    new: Option<SecretInput>,
) -> Cmd<SecurityView> {
    state
        .engine
        .set_app_lock(current.map(|p| p.0), new.map(|p| p.0))
        .await
}

#[tauri::command]
pub async fn unlock_app(state: State<'_, AppState>, password: SecretInput) -> Cmd<SecurityView> {
    state.engine.unlock_app(password.0).await
}

#[tauri::command]
pub async fn create_vault(state: State<'_, AppState>, password: SecretInput) -> Cmd<SecurityView> {
    state.engine.create_vault(password.0).await
}

#[tauri::command]
pub async fn unlock_vault(state: State<'_, AppState>, password: SecretInput) -> Cmd<SecurityView> {
    state.engine.unlock_vault(password.0).await
}

#[tauri::command]
pub fn list_instruments(state: State<'_, AppState>, account_id: String) -> Cmd<Vec<Instrument>> {
    state.engine.instruments(&account_id)
}

#[tauri::command]
pub async fn get_equity(state: State<'_, AppState>, account_id: String) -> Cmd<EquityView> {
    state.engine.equity(&account_id).await
}

#[tauri::command]
pub async fn get_candles(
    state: State<'_, AppState>,
    account_id: String,
    symbol: String,
    limit: usize,
) -> Cmd<Vec<Candle>> {
    state.engine.candles(&account_id, &symbol, limit).await
}

#[tauri::command]
pub async fn get_order_book(
    state: State<'_, AppState>,
    account_id: String,
    symbol: String,
    depth: usize,
) -> Cmd<OrderBook> {
    state.engine.order_book(&account_id, &symbol, depth).await
}

#[tauri::command]
pub async fn get_recent_trades(
    state: State<'_, AppState>,
    account_id: String,
    symbol: String,
    limit: usize,
) -> Cmd<Vec<Trade>> {
    state
        .engine
        .recent_trades(&account_id, &symbol, limit)
        .await
}

#[tauri::command]
pub async fn place_order(
    state: State<'_, AppState>,
    request: PlaceOrderRequest,
) -> Cmd<OrderRecord> {
    state.engine.place_order(request).await
}

#[tauri::command]
pub async fn cancel_order(
    state: State<'_, AppState>,
    account_id: String,
    order_id: i64,
) -> Cmd<OrderRecord> {
    state.engine.cancel_order(&account_id, order_id).await
}

#[tauri::command]
pub async fn list_open_orders(
    state: State<'_, AppState>,
    account_id: String,
) -> Cmd<Vec<OrderRecord>> {
    state.engine.open_orders(&account_id).await
}

#[tauri::command]
pub async fn list_fills(state: State<'_, AppState>, filter: FillFilter) -> Cmd<Vec<Fill>> {
    state.engine.fills(&filter).await
}

/// Exports fills to CSV. Rust asks where with the native save dialog and writes the file; the
/// webview never gets file access. A given `path` is honoured only when `KEEL_ALLOW_EXPORT_PATH=1`
/// (the end-to-end tests, which cannot drive a native dialog). `None` means the trader canceled.
#[tauri::command]
pub async fn export_fills_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    filter: FillFilter,
    path: Option<String>,
) -> Cmd<Option<ExportResult>> {
    let path = match path {
        Some(p) if std::env::var("KEEL_ALLOW_EXPORT_PATH").as_deref() == Ok("1") => {
            PathBuf::from(p)
        }
        Some(_) => {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Choose where to save the export in the dialog",
            ));
        }
        None => match ask_save_path(&app).await {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    state
        .engine
        .export_fills_csv(&filter, &path)
        .await
        .map(Some)
}

async fn ask_save_path(app: &AppHandle) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("CSV", &["csv"])
        .set_file_name("keel-fills.csv")
        .set_title("Export fills to CSV")
        .save_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

#[tauri::command]
pub fn subscribe_market(
    state: State<'_, AppState>,
    account_id: String,
    symbol: String,
    on_batch: Channel<MarketBatch>,
) -> Cmd<u32> {
    let mut batches = state
        .engine
        .market_batches(&account_id, &symbol, BATCH_INTERVAL)?;
    let task = tauri::async_runtime::spawn(async move {
        while let Some(batch) = batches.recv().await {
            if on_batch.send(batch).is_err() {
                break; // the page went away
            }
        }
    });
    Ok(state.add_subscription(task))
}

#[tauri::command]
pub fn subscribe_account(state: State<'_, AppState>, on_event: Channel<AccountEvent>) -> u32 {
    let mut events = state.engine.account_events();
    let task = tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if on_event.send(event).is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    state.add_subscription(task)
}

#[tauri::command]
pub fn unsubscribe(state: State<'_, AppState>, subscription_id: u32) {
    state.remove_subscription(subscription_id);
}

#[tauri::command]
pub async fn set_trading_paused(state: State<'_, AppState>, paused: bool) -> Cmd<bool> {
    state.engine.set_trading_paused(paused).await
}

/// Called by the UI once the Dashboard has painted with data: the cold-start figure.
#[tauri::command]
pub fn ui_ready(state: State<'_, AppState>) {
    let ms = state.started.elapsed().as_millis();
    tracing::info!(ms, "dashboard painted");
    println!("KEEL_UI_READY ms={ms}");
}
