//! The system tray. Linux tray icons deliver no click events, so every action is a menu item.

use crate::state::AppState;
use keel_engine::Engine;
use keel_engine::api::AccountEvent;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const SHOW: &str = "show";
const PAUSE: &str = "pause";
const QUIT: &str = "quit";

fn pause_label(paused: bool) -> &'static str {
    if paused {
        "Resume trading"
    } else {
        "Pause all trading"
    }
}

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

pub fn build(app: &AppHandle, engine: &Engine) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, SHOW, "Show Keel", true, None::<&str>)?;
    let pause = MenuItem::with_id(
        app,
        PAUSE,
        pause_label(engine.trading_paused()),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Keel", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&show, &pause, &separator, &quit])?;
    let icon = Image::from_bytes(include_bytes!("../../icons/tray.png"))?;
    TrayIconBuilder::with_id("keel")
        .icon(icon)
        .tooltip("Keel")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id().as_ref() {
            SHOW => show_main_window(app),
            PAUSE => {
                let engine = app.state::<AppState>().engine.clone();
                tauri::async_runtime::spawn(async move {
                    let paused = !engine.trading_paused();
                    if let Err(e) = engine.set_trading_paused(paused).await {
                        tracing::error!(error = %e, "could not change the pause state");
                    }
                });
            }
            QUIT => {
                tracing::info!("quit from the tray");
                app.exit(0);
            }
            _ => {}
        })
        .build(app)?;

    // Keep the menu's label in step with the pause state, whoever changed it.
    let mut events = engine.account_events();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(AccountEvent::TradingPaused { paused }) => {
                    let _ = pause.set_text(pause_label(paused));
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    Ok(())
}
