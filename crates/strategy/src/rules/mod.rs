//! Rule strategies: a strategy defined as data (JSON), validated with clear errors, compiled into
//! a [`Strategy`](crate::Strategy) that runs without allocating.
//!
//! # The spec (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "name": "SMA cross",
//!   "description": "Buy when the fast average crosses above the slow one.",
//!   "direction": "long",
//!   "parameters": [
//!     {"name": "fast", "default": 10, "min": 2, "max": 100, "step": 1},
//!     {"name": "slow", "default": 30, "min": 5, "max": 400, "step": 5}
//!   ],
//!   "indicators": [
//!     {"id": "fast", "kind": "sma", "source": "close", "params": {"period": "${fast}"}},
//!     {"id": "slow", "kind": "sma", "params": {"period": "${slow}"}}
//!   ],
//!   "entry": {"crossesAbove": {"left": "fast", "right": "slow"}},
//!   "exit": {"crossesBelow": {"left": "fast", "right": "slow"}},
//!   "sizing": {"units": 1},
//!   "stopLossPct": 2, "takeProfitPct": 6, "trailingStopPct": 1.5
//! }
//! ```
//!
//! - **Values.** Wherever a number goes, a `"${name}"` reference to a declared parameter may go
//!   instead, so a sweep can vary it. A compile with a [`ParamSet`](crate::ParamSet) uses the
//!   set's values (each within its parameter's `min..=max`) and the defaults for the rest.
//! - **Indicators** (kinds and parameters, defaults in brackets): `sma`/`ema`/`wma` `period`;
//!   `rsi` `period` [14]; `macd` `fast` [12] `slow` [26] `signal` [9] → outputs `macd`,
//!   `signal`, `hist`; `bollinger` `period` [20] `kUp` [2] `kDown` [2] → `upper`, `middle`,
//!   `lower`; `atr` `period` [14]; `stoch` `fastK` [5] `slowK` [3] `slowD` [3] → `k`, `d`;
//!   `vwap` (source [hlc3], cumulative since the start); `obv`; `twp` `t1` `t2` [0];
//!   `velocity` and `volumeSurge` `recentT1` `recentT2` [0] `baseT1` `baseT2` (seconds ago, see
//!   `keel_indicators`). `source` is a price field (`open`, `high`, `low`, `close` [default],
//!   `volume`, `hl2`, `hlc3`, `ohlc4`) or an output of an indicator listed *earlier* (an EMA of
//!   an RSI): reading only earlier indicators makes cycles impossible. `atr` and `stoch` read
//!   high, low and close. The time-window kinds see each bar as one tick at its close time
//!   (price = source, volume = the bar's volume).
//! - **Operands** of conditions: an indicator output (`"fast"`, `"macd.signal"`, `"bb.upper"`),
//!   a price field, a number, or a parameter reference.
//! - **Conditions**: `all` / `any` (lists), `not`, comparisons `>` `>=` `<` `<=` (also spelled
//!   `gt` `gte` `lt` `lte`) with `left` and `right`, `crossesAbove` (previous bar
//!   `left <= right` and now `left > right`, the definition of
//!   [`SmaCross`](crate::builtin::SmaCross)), `crossesBelow` (previous `left >= right`, now
//!   `left < right`), and the threshold band `between` (`min <= value <= max`).
//!
//! # How it runs
//!
//! On each closed bar: the indicators update in order; once **every** indicator has a value,
//! the exit condition is evaluated while in a position (long strategies: position > 0; short:
//! < 0) and the entry condition while flat. Decisions are market orders at the bar's close:
//! entries tagged [`RuleStrategy::ENTRY`] sized by `sizing`, exits tagged
//! [`RuleStrategy::EXIT`] for the whole position, reduce-only. A cross needs both operands on
//! the previous bar too, so nothing crosses on the first bar every indicator is warm.
//!
//! **Stop-loss, take-profit and trailing stop are real orders at the venue**, not checks of the
//! bar's close, so a gap through a stop fills at the gap price the venue's fill model gives
//! (the simulated venue's candle path, or the live market):
//! - when an entry fills, the strategy submits a reduce-only `StopMarket` tagged
//!   [`RuleStrategy::STOP`] at `entry × (1 − stopLoss)` (long; `1 + ` for short) and a
//!   `TakeProfitMarket` tagged [`RuleStrategy::TAKE_PROFIT`] at `entry × (1 + takeProfit)`
//!   (long; `1 − ` for short), both for the whole position. The entry price is the account's
//!   average entry price when the runner reports one, else the fill's price.
//! - the trailing stop shares the `STOP` order with the stop-loss: its level is the tighter of
//!   the stop-loss and `best × (1 − trailing)` (long; `best × (1 + trailing)` short), `best`
//!   being the highest high (long) / lowest low (short) of the bars closed since the entry fill
//!   (starting at the fill price). After each such bar, when the level tightens, the stop is
//!   cancelled and resubmitted at the new level; it never loosens.
//! - when any exit fills and the position is closed, the remaining protective orders are
//!   cancelled (one-cancels-the-other); an exit by condition cancels them before it is sent.
//!
//! Percentages are written in percent (`2` = 2 %): stop-loss and trailing stop in (0, 100);
//! take-profit in (0, 10 000) long and (0, 100) short.

mod compile;
mod error;
mod kinds;
mod spec;
mod strategy;
mod templates;

pub use error::{RuleError, join_errors};
pub use spec::{
    Band, Condition, Direction, IndicatorDef, Pair, ParamDef, RuleSpec, SPEC_VERSION, SizingDef,
    Value,
};
pub use strategy::RuleStrategy;
pub use templates::{Template, template, templates};

use crate::{ParamSet, ParamSpec};

impl RuleSpec {
    /// Parses a spec. A syntax or shape error names its line and column.
    pub fn from_json(json: &str) -> Result<RuleSpec, Vec<RuleError>> {
        serde_json::from_str(json).map_err(|e| {
            let msg = e.to_string();
            // serde_json appends " at line L column C"; the path says it instead.
            let msg = match msg.rfind(" at line ") {
                Some(i) => msg[..i].to_owned(),
                None => msg,
            };
            vec![RuleError::new(
                format!("line {}, column {}", e.line(), e.column()),
                msg,
            )]
        })
    }

    /// The spec as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks every part of the spec with its parameters at their defaults. Every problem is
    /// reported, each naming its place.
    pub fn validate(&self) -> Result<(), Vec<RuleError>> {
        compile::compile(self, None).map(|_| ())
    }

    /// Builds the runnable strategy with `params` (missing ones take their defaults). Fails
    /// with every error of [`RuleSpec::validate`] plus any parameter value out of its range or
    /// not declared.
    pub fn compile(&self, params: &ParamSet) -> Result<RuleStrategy, Vec<RuleError>> {
        compile::compile(self, Some(params))
    }

    /// Every parameter at its default.
    pub fn default_params(&self) -> ParamSet {
        ParamSet(
            self.parameters
                .iter()
                .map(|p| (p.name.clone(), p.default))
                .collect(),
        )
    }

    /// The sweep ranges of the parameters.
    pub fn param_specs(&self) -> Vec<ParamSpec> {
        self.parameters
            .iter()
            .map(|p| ParamSpec::new(&p.name, p.min, p.max, p.step))
            .collect()
    }
}
