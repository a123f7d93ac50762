//! Renders the TypeScript bindings for everything in [`crate::api`] and the domain types it uses.
//! The file is committed at `ui/src/ipc/bindings.ts`; `cargo test -p keel-engine bindings` fails
//! when it is stale, and `UPDATE_BINDINGS=1` rewrites it.

use crate::api::*;
use crate::backtests::{
    BacktestRequest, BacktestRunView, BacktestSettings, DataRef, FillPath, StrategyRef,
    SweepProgress, SweepRequest, SweepRunView,
};
use crate::market_data::{DownloadProgress, DownloadRequest, RecordKind, RecordRequest};
use crate::paper::{PaperRequest, PaperRunView, PaperSource};
use keel_backtest::report::CurvePoint;
use keel_backtest::sweep::{Heatmap, SweepRow};
use keel_backtest::{
    FillRecord, Gap, Metrics, Objective, Report, Search, SweepResult, SweepSpec, TradeRecord,
};
use keel_domain::{
    Amount, Balance, BookLevel, Candle, Fill, Instrument, MarginType, MarkPrice, OrderBook,
    OrderKind, OrderOptions, OrderRecord, OrderStatus, Position, PositionSide, Side, TimeInForce,
    Trade,
};
use keel_store::csv_import::ImportSummary;
use keel_store::{
    DatasetRef, DatasetUsage, DownloadJob, DownloadStatus, GapRange, RecordingSession,
    SessionStatus,
};
use keel_strategy::{ParamSet, ParamSpec};
use ts_rs::TS;

/// Path of the committed bindings, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/ipc/bindings.ts";

/// One declaration. Every IPC value travels as JSON, and `JSON.parse` turns a JSON number into a
/// JS `number`, never a `bigint`; ts-rs renders `i64`/`u64` as `bigint` unless a field says
/// `#[ts(type = "number")]`, so the declaration says `number`, which is what the UI receives.
fn decl<T: TS>() -> String {
    format!("export {}\n", T::decl()).replace("bigint", "number")
}

/// The whole bindings file, types in a stable order.
pub fn render() -> String {
    let decls = [
        decl::<Side>(),
        decl::<OrderKind>(),
        decl::<TimeInForce>(),
        decl::<PositionSide>(),
        decl::<OrderOptions>(),
        decl::<Amount>(),
        decl::<OrderStatus>(),
        decl::<Instrument>(),
        decl::<OrderRecord>(),
        decl::<Fill>(),
        decl::<Balance>(),
        decl::<MarginType>(),
        decl::<Position>(),
        decl::<MarkPrice>(),
        decl::<Trade>(),
        decl::<Candle>(),
        decl::<BookLevel>(),
        decl::<OrderBook>(),
        decl::<ErrorCode>(),
        decl::<AppError>(),
        decl::<AppInfo>(),
        decl::<AccountView>(),
        decl::<KeyPermissionsView>(),
        decl::<ConnectionView>(),
        decl::<SecretInput>(),
        decl::<NewAccountRequest>(),
        decl::<UpdateAccountRequest>(),
        decl::<AuditView>(),
        decl::<SecurityView>(),
        decl::<EndpointView>(),
        decl::<BalanceView>(),
        decl::<EquityView>(),
        decl::<PlaceOrderRequest>(),
        decl::<FillFilter>(),
        decl::<ExportResult>(),
        decl::<MarketBatch>(),
        decl::<AccountEvent>(),
        // Backtests and sweeps (keel_backtest's report types; the report crosses as JSON text).
        decl::<ParamSet>(),
        decl::<ParamSpec>(),
        decl::<crate::strategies::StrategyParamView>(),
        decl::<crate::strategies::TemplateView>(),
        decl::<CurvePoint>(),
        decl::<Gap>(),
        decl::<FillRecord>(),
        decl::<TradeRecord>(),
        decl::<Metrics>(),
        decl::<Report>(),
        decl::<Search>(),
        decl::<Objective>(),
        decl::<SweepSpec>(),
        decl::<SweepRow>(),
        decl::<Heatmap>(),
        decl::<SweepResult>(),
        decl::<StrategyRef>(),
        decl::<DataRef>(),
        decl::<FillPath>(),
        decl::<BacktestSettings>(),
        decl::<BacktestRequest>(),
        decl::<SweepRequest>(),
        decl::<BacktestRunView>(),
        decl::<SweepRunView>(),
        decl::<SweepProgress>(),
        // Paper runs: a strategy on a simulated account fed by a live market or a replay.
        decl::<PaperSource>(),
        decl::<PaperRequest>(),
        decl::<PaperRunView>(),
        // Market data: datasets, downloads, CSV import, recording sessions.
        decl::<GapRange>(),
        decl::<DatasetRef>(),
        decl::<DatasetUsage>(),
        decl::<DownloadStatus>(),
        decl::<DownloadRequest>(),
        decl::<DownloadProgress>(),
        decl::<DownloadJob>(),
        decl::<ImportSummary>(),
        decl::<RecordKind>(),
        decl::<RecordRequest>(),
        decl::<SessionStatus>(),
        decl::<RecordingSession>(),
    ];
    let mut out = String::from(
        "// Generated from Rust (crates/engine/src/bindings.rs) by ts-rs. Do not edit by hand:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p keel-engine bindings` after changing an IPC type.\n\n",
    );
    for d in decls {
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn bindings_are_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(BINDINGS_PATH);
        let fresh = render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p keel-engine bindings` and commit it",
            BINDINGS_PATH
        );
    }
}
