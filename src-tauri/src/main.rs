//! Keel's desktop shell: a table of thin commands over `keel-engine`, market channels, the tray
//! and the window. Everything that decides anything lives in the engine.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod commands_backtest;
mod commands_data;
mod state;
mod test_hooks;
mod tray;

use keel_engine::{Engine, EngineConfig, default_data_dir};
use state::AppState;
use std::time::Instant;
use tauri::{Manager, RunEvent, WindowEvent};

/// WebKitGTK's accelerated compositing falls back to Mesa's software renderer where no usable GL
/// driver exists (VMs, remote desktops; it is also a known cause of blank windows on some
/// NVIDIA/Wayland setups). Keel's UI is DOM and 2D canvas, which the non-composited path paints
/// sooner and with less memory (measured under Xvfb: cold start 3.3 s -> 1.6 s, PSS 390 -> 277 MiB,
/// docs/BENCHMARKS.md). `KEEL_WEBKIT_COMPOSITING=1` keeps WebKit's default.
#[cfg(target_os = "linux")]
fn configure_webkit() {
    let keep_default = std::env::var("KEEL_WEBKIT_COMPOSITING").as_deref() == Ok("1");
    if !keep_default && std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists, so nothing can
        // read the environment while it is written.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
    }
}

/// The engine's configuration: the default data directory, plus the Binance endpoints of a test
/// server when the e2e suite asks for them (`test_hooks`; needs `KEEL_ALLOW_TEST_ENDPOINTS=1`).
fn engine_config() -> EngineConfig {
    let mut config = EngineConfig::new(default_data_dir());
    if let Some(endpoints) = test_hooks::binance_endpoints() {
        config.endpoints = endpoints;
    }
    config
}

fn main() {
    let started = Instant::now();
    #[cfg(target_os = "linux")]
    configure_webkit();
    tracing_subscriber::fmt()
        .with_env_filter(keel_engine::logging::log_filter_from_env(
            "info,tao=warn,wry=warn",
        ))
        .init();

    let app = tauri::Builder::default()
        // Registered first: a second launch focuses the running window and exits, so two
        // engines never share one database.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main_window(app);
        }))
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let config = engine_config();
            let engine = match tauri::async_runtime::block_on(Engine::start(config)) {
                Ok(engine) => engine,
                Err(e) => {
                    tracing::error!(code = ?e.code, "engine failed to start: {}", e.message);
                    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
                    app.dialog()
                        .message(e.message.clone())
                        .title("Keel could not start")
                        .kind(MessageDialogKind::Error)
                        .blocking_show();
                    std::process::exit(1);
                }
            };
            app.manage(AppState::new(engine.clone(), started));
            app.manage(commands_data::Downloads::default());
            tray::build(app.handle(), &engine)?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Keel trading in the tray; Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
                tracing::info!("window hidden; Keel keeps running in the tray");
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_accounts,
            commands::add_account,
            commands::update_account,
            commands::remove_account,
            commands::open_paper_account,
            commands::set_account_live,
            commands::test_endpoints,
            commands::list_positions,
            commands::secret_audit,
            commands::security_status,
            commands::set_app_lock,
            commands::unlock_app,
            commands::create_vault,
            commands::unlock_vault,
            commands::list_instruments,
            commands::get_equity,
            commands::get_candles,
            commands::get_order_book,
            commands::get_recent_trades,
            commands::place_order,
            commands::cancel_order,
            commands::list_open_orders,
            commands::list_fills,
            commands::export_fills_csv,
            commands::subscribe_market,
            commands::subscribe_account,
            commands::unsubscribe,
            commands::set_trading_paused,
            commands::ui_ready,
            commands_backtest::run_backtest,
            commands_backtest::list_backtests,
            commands_backtest::strategy_templates,
            commands_backtest::backtest_report,
            commands_backtest::delete_backtest,
            commands_backtest::run_sweep,
            commands_backtest::cancel_sweeps,
            commands_backtest::list_sweeps,
            commands_backtest::sweep_result,
            commands_backtest::chart_candles,
            commands_backtest::start_paper,
            commands_backtest::paper_runs,
            commands_backtest::stop_paper,
            commands_data::list_datasets,
            commands_data::delete_dataset,
            commands_data::candle_gaps,
            commands_data::download_candles,
            commands_data::cancel_download,
            commands_data::list_downloads,
            commands_data::import_csv,
            commands_data::pick_csv_file,
            commands_data::start_recording,
            commands_data::stop_recording,
            commands_data::list_recordings,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("Keel could not start its window: {e}");
            std::process::exit(1);
        });

    app.run(|app, event| {
        if let RunEvent::Exit = event
            && let Some(state) = app.try_state::<AppState>()
        {
            tauri::async_runtime::block_on(state.engine.shutdown());
        }
    });
}
