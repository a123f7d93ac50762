//! The strategy contract every bot, backtest and paper run shares.
//!
//! A strategy is pure: it receives market events (closed bars, trade ticks) and fills, reads the
//! state of its account through [`Ctx`], and answers with [`Action`]s (submit an order intent,
//! cancel one). It never does IO and never reads the wall clock: time arrives with each event.
//! Which venue executes the intents (the simulated venue of a backtest, a paper account, a live
//! exchange) and which clock drives the events is the runner's business, not the strategy's.
//!
//! - [`contract`]: [`Strategy`], [`Ctx`], [`Action`], [`OrderIntent`], [`Sizing`], the event types.
//! - [`params`]: named numeric parameters, for sweeps and for rule templates.
//! - [`builtin`]: strategies written in Rust (the SMA cross of the benchmark).
//! - [`rules`]: strategies defined as data (JSON rule specs) and the built-in templates.

pub mod builtin;
pub mod contract;
pub mod params;
pub mod rules;

pub use contract::{Action, Bar, Ctx, FillView, OrderIntent, Sizing, Strategy, Tick};
pub use params::{ParamError, ParamSet, ParamSpec};
pub use rules::{RuleError, RuleSpec, RuleStrategy};
