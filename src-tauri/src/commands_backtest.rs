//! Backtest, sweep and paper-run commands: thin calls into `keel_engine::backtests` and
//! `keel_engine::paper`. Reports and sweep results cross as the JSON text the engine saved (the
//! UI parses them into the generated `Report` / `SweepResult` types); sweep progress goes
//! through a `Channel`; paper runs are polled with `paper_runs`.

use crate::state::AppState;
use keel_domain::Candle;
use keel_engine::api::{AppError, ErrorCode};
use keel_engine::backtests::{
    BacktestRequest, BacktestRunView, SweepProgress, SweepRequest, SweepRunView,
};
use keel_engine::paper::{PaperRequest, PaperRunView};
use tauri::State;
use tauri::ipc::Channel;

type Cmd<T> = Result<T, AppError>;

/// Most candles one chart request returns; longer ranges are merged into wider bars.
pub const MAX_CHART_CANDLES: usize = 5_000;

#[tauri::command]
pub async fn run_backtest(
    state: State<'_, AppState>,
    request: BacktestRequest,
) -> Cmd<BacktestRunView> {
    state.engine.run_backtest(request).await
}

/// The built-in rule templates (SMA/EMA cross, RSI mean reversion, Bollinger breakout, ...).
#[tauri::command]
pub fn strategy_templates(
    state: State<'_, AppState>,
) -> Vec<keel_engine::strategies::TemplateView> {
    state.engine.strategy_templates()
}

#[tauri::command]
pub async fn list_backtests(state: State<'_, AppState>) -> Cmd<Vec<BacktestRunView>> {
    state.engine.backtest_runs().await
}

/// A saved report as JSON text (`keel_backtest::Report`).
#[tauri::command]
pub async fn backtest_report(state: State<'_, AppState>, id: i64) -> Cmd<String> {
    state.engine.backtest_report(id).await
}

#[tauri::command]
pub async fn delete_backtest(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    state.engine.delete_backtest(id).await
}

/// Runs a sweep, sending progress about ten times a second; resolves with the saved run and
/// its result JSON (`keel_backtest::SweepResult`).
#[tauri::command]
pub async fn run_sweep(
    state: State<'_, AppState>,
    request: SweepRequest,
    on_progress: Channel<SweepProgress>,
) -> Cmd<(SweepRunView, String)> {
    state
        .engine
        .run_sweep(request, move |p| {
            let _ = on_progress.send(p);
        })
        .await
}

#[tauri::command]
pub fn cancel_sweeps(state: State<'_, AppState>) {
    state.engine.cancel_sweeps();
}

#[tauri::command]
pub async fn list_sweeps(state: State<'_, AppState>) -> Cmd<Vec<SweepRunView>> {
    state.engine.sweep_runs().await
}

#[tauri::command]
pub async fn sweep_result(state: State<'_, AppState>, id: i64) -> Cmd<String> {
    state.engine.sweep_result(id).await
}

/// Starts a strategy on a simulated account fed by a live market or a recorded session; orders
/// never reach a venue.
#[tauri::command]
pub async fn start_paper(state: State<'_, AppState>, request: PaperRequest) -> Cmd<PaperRunView> {
    state.engine.start_paper(request).await
}

/// This session's paper runs, running and stopped, oldest first.
#[tauri::command]
pub fn paper_runs(state: State<'_, AppState>) -> Vec<PaperRunView> {
    state.engine.paper_runs()
}

/// Stops a paper run; resolves once its report is saved (`report_id`).
#[tauri::command]
pub async fn stop_paper(state: State<'_, AppState>, id: u64) -> Cmd<PaperRunView> {
    state.engine.stop_paper(id).await
}

/// Stored candles in `[start_ms, end_ms)` for the report's chart, oldest first. More than
/// `max_candles` (at most [`MAX_CHART_CANDLES`]) are merged into bars of a whole multiple of
/// the interval, so a long run still draws quickly; the markers land on the merged bars.
#[tauri::command]
pub async fn chart_candles(
    state: State<'_, AppState>,
    venue: String,
    symbol: String,
    interval_ms: i64,
    start_ms: i64,
    end_ms: i64,
    max_candles: usize,
) -> Cmd<Vec<Candle>> {
    if interval_ms <= 0 || start_ms >= end_ms {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Choose a positive interval and a start before the end",
        ));
    }
    let candles = state
        .engine
        .stored_candles(&venue, &symbol, interval_ms, start_ms, end_ms)
        .await?;
    let max = max_candles.clamp(1, MAX_CHART_CANDLES);
    Ok(merge_candles(candles, interval_ms, max))
}

/// Merges consecutive candles into buckets `k * interval_ms` wide (aligned to multiples of the
/// bucket width) so that at most about `max` remain. Open of the first, close of the last,
/// extremes and summed volume.
pub fn merge_candles(candles: Vec<Candle>, interval_ms: i64, max: usize) -> Vec<Candle> {
    if candles.len() <= max || max == 0 {
        return candles;
    }
    let (Some(first), Some(last)) = (candles.first(), candles.last()) else {
        return candles;
    };
    let span = (last.open_time_ms - first.open_time_ms) / interval_ms + 1;
    let k = (span as u64).div_ceil(max as u64).max(1) as i64;
    let width = interval_ms * k;
    let mut out: Vec<Candle> = Vec::with_capacity(max + 1);
    for c in candles {
        let bucket = c.open_time_ms.div_euclid(width) * width;
        match out.last_mut() {
            Some(b) if b.open_time_ms == bucket => {
                b.high = b.high.max(c.high);
                b.low = b.low.min(c.low);
                b.close = c.close;
                b.volume += c.volume;
            }
            _ => out.push(Candle {
                open_time_ms: bucket,
                volume: c.volume,
                ..c
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel_domain::Decimal;

    fn candle(t: i64, o: i64, h: i64, l: i64, c: i64, v: i64) -> Candle {
        Candle {
            open_time_ms: t,
            open: Decimal::from(o),
            high: Decimal::from(h),
            low: Decimal::from(l),
            close: Decimal::from(c),
            volume: Decimal::from(v),
        }
    }

    #[test]
    fn short_ranges_are_returned_as_they_are() {
        let c = vec![candle(0, 1, 2, 0, 1, 1), candle(60, 1, 3, 1, 2, 1)];
        assert_eq!(merge_candles(c.clone(), 60, 10), c);
    }

    #[test]
    fn long_ranges_merge_into_aligned_buckets_with_ohlcv_kept() {
        // 10 one-minute candles into at most 5: buckets of 2 minutes, aligned to multiples of 120.
        let c: Vec<Candle> = (0..10)
            .map(|i| candle(i * 60, 10 + i, 20 + i, 5 + i, 11 + i, 1))
            .collect();
        let m = merge_candles(c, 60, 5);
        assert_eq!(m.len(), 5);
        assert_eq!(m[0], candle(0, 10, 21, 5, 12, 2));
        assert_eq!(m[4], candle(480, 18, 29, 13, 20, 2));
        // Missing candles leave their buckets smaller, never invented: 6 slots into 2 = 3 minutes.
        let gappy = vec![
            candle(0, 1, 1, 1, 1, 1),
            candle(60, 2, 2, 2, 2, 1),
            candle(300, 3, 3, 3, 3, 1),
        ];
        let m = merge_candles(gappy, 60, 2);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].open_time_ms, 0);
        assert_eq!(m[1], candle(180, 3, 3, 3, 3, 1));
    }
}
