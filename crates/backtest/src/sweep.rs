//! Parameter sweeps: grid or seeded random search over [`ParamSpec`]s, every set backtested on
//! the same data across all cores, with progress and cancellation, a results table and a
//! heatmap of the first two parameters.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use keel_strategy::{ParamError, ParamSet, ParamSpec, Strategy};
use serde::Serialize;

use crate::report::Metrics;
use crate::run::{BacktestConfig, run_bars};
use crate::series::BarSeries;

/// Builds a strategy from one parameter set.
pub type Factory<'a> = dyn Fn(&ParamSet) -> Result<Box<dyn Strategy>, ParamError> + Sync + 'a;

/// How the sets are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Search {
    /// Every combination of every parameter's values.
    Grid,
    /// `samples` distinct combinations drawn with a seeded generator.
    Random { samples: usize, seed: u64 },
}

/// What "best" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    TotalReturn,
    Sharpe,
    Sortino,
    Calmar,
    ProfitFactor,
    /// Smallest max drawdown wins.
    MaxDrawdown,
}

impl Objective {
    /// The score of `m` (higher is better), or None when undefined.
    pub fn score(self, m: &Metrics) -> Option<f64> {
        match self {
            Objective::TotalReturn => Some(m.total_return),
            Objective::Sharpe => m.sharpe,
            Objective::Sortino => m.sortino,
            Objective::Calmar => m.calmar,
            Objective::ProfitFactor => m.profit_factor,
            Objective::MaxDrawdown => Some(-m.max_drawdown),
        }
    }
}

/// A sweep request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SweepSpec {
    /// The parameters that vary.
    pub params: Vec<ParamSpec>,
    /// Parameters held constant (e.g. quantity).
    #[serde(default)]
    pub fixed: ParamSet,
    pub search: Search,
    pub objective: Objective,
}

/// Why a sweep did not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("a sweep needs at least one parameter to vary")]
    NoParams,
    #[error("{0} parameter sets is more than the limit of {MAX_SETS}")]
    TooMany(usize),
    #[error("canceled")]
    Canceled,
}

/// Most sets one sweep may run.
pub const MAX_SETS: usize = 1_000_000;

/// Progress of a running sweep, shared with whoever shows it.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    pub cancel: AtomicBool,
}

/// One row of the results table.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SweepRow {
    pub params: ParamSet,
    pub metrics: Option<Metrics>,
    pub score: Option<f64>,
    /// Why this set could not run (e.g. fast >= slow).
    pub error: Option<String>,
}

/// Best score per cell of two parameters (over the others).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Heatmap {
    pub x: String,
    pub y: String,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// `cells[y][x]`.
    pub cells: Vec<Vec<Option<f64>>>,
}

/// The results.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SweepResult {
    pub objective: Objective,
    /// In the order the sets were generated.
    pub rows: Vec<SweepRow>,
    /// Index of the best row.
    pub best: Option<usize>,
    pub heatmap: Option<Heatmap>,
}

/// The parameter sets `spec` describes, in a fixed order.
pub fn parameter_sets(spec: &SweepSpec) -> Result<Vec<ParamSet>, SweepError> {
    if spec.params.is_empty() {
        return Err(SweepError::NoParams);
    }
    let grids = spec
        .params
        .iter()
        .map(ParamSpec::values)
        .collect::<Result<Vec<_>, _>>()?;
    let total: usize = grids
        .iter()
        .try_fold(1usize, |a, g| a.checked_mul(g.len()))
        .unwrap_or(usize::MAX);
    let make = |mut idx: usize| {
        let mut set = spec.fixed.clone();
        for (p, g) in spec.params.iter().zip(&grids).rev() {
            set.0.insert(p.name.clone(), g[idx % g.len()]);
            idx /= g.len();
        }
        set
    };
    match spec.search {
        Search::Grid => {
            if total > MAX_SETS {
                return Err(SweepError::TooMany(total));
            }
            Ok((0..total).map(make).collect())
        }
        Search::Random { samples, seed } => {
            let want = samples.min(total);
            if want > MAX_SETS {
                return Err(SweepError::TooMany(want));
            }
            let mut rng = SplitMix(seed);
            let mut seen = std::collections::BTreeSet::new();
            let mut out = Vec::with_capacity(want);
            while out.len() < want {
                let idx = (rng.next() % total as u64) as usize;
                if seen.insert(idx) {
                    out.push(make(idx));
                }
            }
            Ok(out)
        }
    }
}

/// Runs every set of `spec` on `series` with `threads` workers (0 = all cores).
pub fn sweep(
    series: &BarSeries,
    factory: &Factory<'_>,
    cfg: &BacktestConfig,
    spec: &SweepSpec,
    threads: usize,
    progress: &Progress,
) -> Result<SweepResult, SweepError> {
    let sets = parameter_sets(spec)?;
    progress.total.store(sets.len(), Ordering::Relaxed);
    progress.done.store(0, Ordering::Relaxed);
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
    .min(sets.len().max(1));
    let next = AtomicUsize::new(0);
    let mut rows: Vec<Option<SweepRow>> = vec![None; sets.len()];
    let chunks: Vec<Vec<(usize, SweepRow)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        if progress.cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(params) = sets.get(i) else { break };
                        let row = match factory(params) {
                            Ok(strategy) => {
                                let report = run_bars(series, strategy, cfg);
                                SweepRow {
                                    params: params.clone(),
                                    score: spec.objective.score(&report.metrics),
                                    metrics: Some(report.metrics),
                                    error: None,
                                }
                            }
                            Err(e) => SweepRow {
                                params: params.clone(),
                                metrics: None,
                                score: None,
                                error: Some(e.to_string()),
                            },
                        };
                        out.push((i, row));
                        progress.done.fetch_add(1, Ordering::Relaxed);
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    if progress.cancel.load(Ordering::Relaxed) {
        return Err(SweepError::Canceled);
    }
    for (i, row) in chunks.into_iter().flatten() {
        rows[i] = Some(row);
    }
    let rows: Vec<SweepRow> = rows.into_iter().flatten().collect();
    let best = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.score.map(|s| (i, s)))
        .fold(None::<(usize, f64)>, |best, (i, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((i, s)),
        })
        .map(|(i, _)| i);
    let heatmap = heatmap(spec, &rows);
    Ok(SweepResult {
        objective: spec.objective,
        rows,
        best,
        heatmap,
    })
}

fn heatmap(spec: &SweepSpec, rows: &[SweepRow]) -> Option<Heatmap> {
    let (px, py) = match spec.params.as_slice() {
        [x, y, ..] => (x, y),
        _ => return None,
    };
    let xs = px.values().ok()?;
    let ys = py.values().ok()?;
    let mut cells = vec![vec![None::<f64>; xs.len()]; ys.len()];
    let pos = |v: f64, grid: &[f64]| grid.iter().position(|g| (g - v).abs() < 1e-9);
    for r in rows {
        let (Some(score), Ok(x), Ok(y)) = (r.score, r.params.get(&px.name), r.params.get(&py.name))
        else {
            continue;
        };
        if let (Some(ix), Some(iy)) = (pos(x, &xs), pos(y, &ys)) {
            let cell = &mut cells[iy][ix];
            *cell = Some(cell.map_or(score, |c: f64| c.max(score)));
        }
    }
    Some(Heatmap {
        x: px.name.clone(),
        y: py.name.clone(),
        xs,
        ys,
        cells,
    })
}

/// SplitMix64: a tiny seeded generator (the same seed gives the same sample on every machine).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
