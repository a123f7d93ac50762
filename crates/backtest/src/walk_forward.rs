//! Walk-forward analysis: the data is cut into consecutive folds; in each, the first part
//! (in-sample) is swept for the best parameters and the rest (out-of-sample) is backtested with
//! them. Each out-of-sample run starts flat with fresh indicators, so its first bars are
//! indicator warm-up: choose folds long enough for the slowest indicator.

use serde::Serialize;

use crate::report::Metrics;
use crate::run::{BacktestConfig, run_bars};
use crate::series::BarSeries;
use crate::sweep::{Factory, Progress, SweepError, SweepSpec, sweep};
use keel_strategy::ParamSet;

/// One fold: bar ranges `[start, end)` of the series and its results.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Fold {
    pub in_sample: (usize, usize),
    pub out_of_sample_range: (usize, usize),
    /// The best set in-sample (None if no set could be scored).
    pub best: Option<ParamSet>,
    pub in_sample_score: Option<f64>,
    pub out_of_sample: Option<Metrics>,
}

/// All folds and the out-of-sample results compounded.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct WalkForward {
    pub folds: Vec<Fold>,
    /// Product of (1 + out-of-sample total return) over the folds, minus 1.
    pub out_of_sample_return: f64,
}

/// Why a walk-forward cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WalkForwardError {
    #[error("walk-forward needs at least 1 fold")]
    NoFolds,
    #[error("the in-sample share must be between 0.1 and 0.9, not {0}")]
    BadShare(f64),
    #[error("{bars} bars make folds of {per_fold} bars: too short (at least 20 per side)")]
    TooShort { bars: usize, per_fold: usize },
    #[error(transparent)]
    Sweep(#[from] SweepError),
}

/// Runs `folds` consecutive folds, each `in_share` in-sample. See the module docs.
#[allow(clippy::too_many_arguments)]
pub fn walk_forward(
    series: &BarSeries,
    factory: &Factory<'_>,
    cfg: &BacktestConfig,
    spec: &SweepSpec,
    folds: usize,
    in_share: f64,
    threads: usize,
    progress: &Progress,
) -> Result<WalkForward, WalkForwardError> {
    if folds == 0 {
        return Err(WalkForwardError::NoFolds);
    }
    if !(0.1..=0.9).contains(&in_share) {
        return Err(WalkForwardError::BadShare(in_share));
    }
    let per_fold = series.len() / folds;
    let split = (per_fold as f64 * in_share) as usize;
    if split < 20 || per_fold - split < 20 {
        return Err(WalkForwardError::TooShort {
            bars: series.len(),
            per_fold,
        });
    }
    let mut out = Vec::with_capacity(folds);
    let mut compounded = 1.0;
    for k in 0..folds {
        let start = k * per_fold;
        let mid = start + split;
        let end = if k + 1 == folds {
            series.len()
        } else {
            start + per_fold
        };
        let ins = series.slice(start..mid);
        let result = sweep(&ins, factory, cfg, spec, threads, progress)?;
        let best_row = result.best.map(|i| &result.rows[i]);
        let best = best_row.map(|r| r.params.clone());
        let oos = match &best {
            Some(p) => match factory(p) {
                Ok(strategy) => Some(run_bars(&series.slice(mid..end), strategy, cfg).metrics),
                Err(_) => None,
            },
            None => None,
        };
        if let Some(m) = &oos {
            compounded *= 1.0 + m.total_return;
        }
        out.push(Fold {
            in_sample: (start, mid),
            out_of_sample_range: (mid, end),
            in_sample_score: best_row.and_then(|r| r.score),
            best,
            out_of_sample: oos,
        });
    }
    Ok(WalkForward {
        folds: out,
        out_of_sample_return: compounded - 1.0,
    })
}
