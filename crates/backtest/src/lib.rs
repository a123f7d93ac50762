//! Backtests and the session core they share with paper trading.
//!
//! - [`series`]: candles in columns, exact Decimal prices on demand, gap detection.
//! - [`session`]: one strategy + the simulated venue + a Decimal [`ledger`], stepped by events.
//! - [`run`]: replay of candles or trade ticks with a historical clock, into a [`report`].
//! - [`sweep`]: grid and random parameter search on every core; [`walk_forward`] splits.
//!
//! Deterministic: the same data, strategy and settings give byte-identical reports
//! ([`Report::to_json`]).

pub mod ledger;
pub mod num;
pub mod report;
pub mod run;
pub mod series;
pub mod session;
pub mod sweep;
pub mod walk_forward;

pub use ledger::{Ledger, TradeRecord};
pub use report::{FillRecord, Metrics, Report};
pub use run::{BacktestConfig, TickRun, run_bars, run_trades};
pub use series::{BarSeries, Gap, SeriesError};
pub use session::{RiskLimits, Session, SessionConfig};
pub use sweep::{Objective, Progress, Search, SweepResult, SweepSpec, sweep};
pub use walk_forward::{WalkForward, walk_forward};
