//! What a run produced, and the statistics traders judge it by.
//!
//! Definitions (per-bar returns `r_i = equity_i / equity_{i-1} - 1` on the bar closes; a year is
//! 365.25 days; no risk-free rate):
//! - total return: `final / initial - 1`; annualised: `(1 + total)^(1 / years) - 1` over the time
//!   the data spans.
//! - max drawdown: the largest fall from a running equity peak, as a fraction of that peak.
//! - Sharpe: `mean(r) / stdev(r) * sqrt(bars per year)` (population stdev).
//! - Sortino: `mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(bars per year)`.
//! - Calmar: annualised return / max drawdown.
//! - win rate: winning closed trades / closed trades; profit factor: gross profit / gross loss
//!   of closed trades (after fees); average trade: mean closed-trade PnL.
//! - exposure: share of bars that ended holding a position.
//!
//! A statistic that is undefined (no trades, a flat curve) is `null`, never NaN. The report is
//! plain data: the same run serialises to the same bytes.

use keel_domain::Side;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ledger::TradeRecord;
use crate::series::Gap;

/// A report keeps between this many and twice this many points per curve (the run itself
/// marks every bar): each time the curve reaches twice the number, neighbouring points merge
/// in pairs, so the thinning does not depend on how long the run turns out to be.
pub const CURVE_POINTS: usize = 1_000;

/// One fill of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FillRecord {
    /// Bar (or event) index.
    pub bar: usize,
    pub t_ms: i64,
    pub tag: u32,
    pub side: Side,
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub fee: Decimal,
    /// Whether the fill added liquidity.
    pub maker: bool,
}

/// A point of a curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CurvePoint {
    pub t_ms: i64,
    pub value: f64,
}

/// The statistics. See the module docs for definitions.
#[derive(Debug, Clone, PartialEq, Serialize, Default, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub total_return: f64,
    pub annual_return: Option<f64>,
    pub max_drawdown: f64,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub calmar: Option<f64>,
    pub win_rate: Option<f64>,
    pub profit_factor: Option<f64>,
    #[ts(type = "string | null")]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub avg_trade: Option<Decimal>,
    pub exposure: f64,
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub fees: Decimal,
    pub trades: usize,
    pub fills: usize,
    /// Intents the risk check or the venue refused.
    pub rejected_orders: usize,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub bars: usize,
    pub start_ms: i64,
    pub end_ms: i64,
    pub interval_ms: i64,
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub initial_cash: Decimal,
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub final_equity: Decimal,
    pub metrics: Metrics,
    /// Equity at the bar closes, thinned (see [`CURVE_POINTS`]; the last bar of each bucket).
    pub equity: Vec<CurvePoint>,
    /// Drawdown from the running peak (a fraction, <= 0), the deepest of each bucket.
    pub drawdown: Vec<CurvePoint>,
    pub trades: Vec<TradeRecord>,
    /// A trade still open at the end, marked at the last close.
    pub open_trade: Option<TradeRecord>,
    pub fills: Vec<FillRecord>,
    /// Missing candles in the data (skipped, not invented).
    pub gaps: Vec<Gap>,
    /// The first refusals, for the trader to read ("bar 812: insufficient cash ...").
    pub rejections: Vec<String>,
}

impl Report {
    /// Canonical JSON: the same run gives the same bytes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Statistics of an equity curve (see the module docs), computed as the run marks each bar.
pub(crate) struct CurveStats {
    pub total_return: f64,
    pub annual_return: Option<f64>,
    pub max_drawdown: f64,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub calmar: Option<f64>,
}

const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// Takes the equity at every bar close, keeps running statistics and a thinned copy of the
/// equity and drawdown curves: O(1) per bar, no per-bar storage.
#[derive(Debug, Clone)]
pub(crate) struct CurveRecorder {
    initial: f64,
    bucket: usize,
    in_bucket: usize,
    bucket_worst: f64,
    peak: f64,
    max_dd: f64,
    prev: f64,
    sum: f64,
    sum_sq: f64,
    down_sq: f64,
    n: usize,
    exposed: usize,
    first_t: Option<i64>,
    last_t: i64,
    equity: Vec<CurvePoint>,
    drawdown: Vec<CurvePoint>,
}

impl CurveRecorder {
    /// A recorder starting from `initial` equity.
    pub fn new(initial: f64) -> CurveRecorder {
        CurveRecorder {
            initial,
            bucket: 1,
            in_bucket: 0,
            bucket_worst: 0.0,
            peak: initial,
            max_dd: 0.0,
            prev: initial,
            sum: 0.0,
            sum_sq: 0.0,
            down_sq: 0.0,
            n: 0,
            exposed: 0,
            first_t: None,
            last_t: 0,
            equity: Vec::with_capacity(2 * CURVE_POINTS),
            drawdown: Vec::with_capacity(2 * CURVE_POINTS),
        }
    }

    /// The equity `e` at time `t_ms`, holding a position or not.
    #[inline]
    pub fn mark(&mut self, t_ms: i64, e: f64, exposed: bool) {
        if self.first_t.is_none() {
            self.first_t = Some(t_ms);
        }
        self.last_t = t_ms;
        self.n += 1;
        self.exposed += usize::from(exposed);
        if e == self.prev {
            // Unchanged equity (flat, or a bar that did not move the mark): a zero return, the
            // same peak and drawdown as the mark before, which the bucket already holds.
            self.in_bucket += 1;
            if self.in_bucket == self.bucket {
                self.flush(t_ms, e);
            }
            return;
        }
        if e > self.peak {
            self.peak = e;
        }
        // A new worst drawdown of the bucket iff e / peak - 1 < worst; compared by multiplying
        // so the divide runs only when it is one.
        if e < self.peak * (1.0 + self.bucket_worst) && self.peak > 0.0 {
            self.bucket_worst = e / self.peak - 1.0;
        }
        let r = if self.prev != 0.0 {
            e / self.prev - 1.0
        } else {
            0.0
        };
        self.sum += r;
        self.sum_sq += r * r;
        if r < 0.0 {
            self.down_sq += r * r;
        }
        self.prev = e;
        self.in_bucket += 1;
        if self.in_bucket == self.bucket {
            self.flush(t_ms, e);
        }
    }

    fn flush(&mut self, t_ms: i64, e: f64) {
        self.equity.push(CurvePoint { t_ms, value: e });
        self.drawdown.push(CurvePoint {
            t_ms,
            value: self.bucket_worst,
        });
        self.max_dd = self.max_dd.max(-self.bucket_worst);
        self.in_bucket = 0;
        // The next bucket starts in the state this mark left: its drawdown counts there too.
        self.bucket_worst = if e < self.peak && self.peak > 0.0 {
            e / self.peak - 1.0
        } else {
            0.0
        };
        if self.equity.len() == 2 * CURVE_POINTS {
            // Merge neighbours: the later equity, the deeper drawdown.
            for i in 0..CURVE_POINTS {
                self.equity[i] = self.equity[2 * i + 1];
                let deeper = self.drawdown[2 * i]
                    .value
                    .min(self.drawdown[2 * i + 1].value);
                self.drawdown[i] = CurvePoint {
                    t_ms: self.drawdown[2 * i + 1].t_ms,
                    value: deeper,
                };
            }
            self.equity.truncate(CURVE_POINTS);
            self.drawdown.truncate(CURVE_POINTS);
            self.bucket *= 2;
        }
    }

    /// Time of the last mark.
    pub fn last_time(&self) -> Option<i64> {
        self.first_t.map(|_| self.last_t)
    }

    /// Bars marked.
    pub fn bars(&self) -> usize {
        self.n
    }

    /// Share of marks that held a position.
    pub fn exposure(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.exposed as f64 / self.n as f64
        }
    }

    /// The statistics and the thinned curves; `span_ms` is the time the data covers.
    pub fn finish(
        mut self,
        span_ms: i64,
        interval_ms: i64,
    ) -> (CurveStats, Vec<CurvePoint>, Vec<CurvePoint>) {
        if self.in_bucket > 0 {
            let (t, e) = (self.last_t, self.prev);
            self.flush(t, e);
        }
        let last = if self.n > 0 { self.prev } else { self.initial };
        let total_return = if self.initial > 0.0 {
            last / self.initial - 1.0
        } else {
            0.0
        };
        let years = span_ms as f64 / YEAR_MS;
        let annual_return = (years > 0.0 && total_return > -1.0)
            .then(|| (1.0 + total_return).powf(1.0 / years) - 1.0)
            .filter(|x| x.is_finite());
        let n = self.n as f64;
        let bars_per_year = YEAR_MS / interval_ms.max(1) as f64;
        let (mut sharpe, mut sortino) = (None, None);
        if n > 1.0 {
            let mean = self.sum / n;
            let var = (self.sum_sq / n - mean * mean).max(0.0);
            if var > 0.0 {
                sharpe = Some(mean / var.sqrt() * bars_per_year.sqrt());
            }
            if self.down_sq > 0.0 {
                sortino = Some(mean / (self.down_sq / n).sqrt() * bars_per_year.sqrt());
            }
        }
        let max_dd = self.max_dd;
        let calmar = match annual_return {
            Some(a) if max_dd > 0.0 => Some(a / max_dd),
            _ => None,
        };
        let stats = CurveStats {
            total_return,
            annual_return,
            max_drawdown: max_dd,
            sharpe: sharpe.filter(|x| x.is_finite()),
            sortino: sortino.filter(|x| x.is_finite()),
            calmar: calmar.filter(|x| x.is_finite()),
        };
        (stats, self.equity, self.drawdown)
    }
}

/// Win rate, profit factor and average of closed trades.
pub(crate) fn trade_stats(trades: &[TradeRecord]) -> (Option<f64>, Option<f64>, Option<Decimal>) {
    use rust_decimal::prelude::ToPrimitive;
    if trades.is_empty() {
        return (None, None, None);
    }
    let (mut wins, mut gross_win, mut gross_loss, mut total) =
        (0usize, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for t in trades {
        total += t.pnl;
        if t.pnl > Decimal::ZERO {
            wins += 1;
            gross_win += t.pnl;
        } else {
            gross_loss -= t.pnl;
        }
    }
    let pf = (!gross_loss.is_zero())
        .then(|| (gross_win / gross_loss).to_f64())
        .flatten();
    (
        Some(wins as f64 / trades.len() as f64),
        pf,
        Some((total / Decimal::from(trades.len())).round_dp(8)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        initial: f64,
        eq: &[f64],
        interval: i64,
    ) -> (CurveStats, Vec<CurvePoint>, Vec<CurvePoint>) {
        let mut r = CurveRecorder::new(initial);
        for (i, e) in eq.iter().enumerate() {
            r.mark((i as i64 + 1) * interval, *e, true);
        }
        r.finish(eq.len() as i64 * interval, interval)
    }

    #[test]
    fn drawdown_and_returns_follow_their_definitions() {
        let day = 86_400_000;
        let eq = [110.0, 99.0, 121.0, 108.9];
        let mut r = CurveRecorder::new(100.0);
        for (i, e) in eq.iter().enumerate() {
            r.mark(i as i64 * day, *e, true);
        }
        let (s, _, _) = r.finish(365 * day + day / 4, day);
        assert!((s.total_return - 0.089).abs() < 1e-12);
        // Peak 110 -> 99 is -10 %, peak 121 -> 108.9 is -10 % as well.
        assert!((s.max_drawdown - 0.1).abs() < 1e-12);
        assert!((s.annual_return.unwrap() - 0.089).abs() < 1e-9);
        assert!(s.sharpe.unwrap() > 0.0);
        let (flat, _, _) = record(100.0, &[100.0, 100.0], 60_000);
        assert_eq!((flat.sharpe, flat.sortino, flat.calmar), (None, None, None));
    }

    #[test]
    fn thinning_keeps_the_last_value_and_the_deepest_drawdown_of_each_bucket() {
        let n = 2_500;
        let mut equity = vec![100.0; n];
        equity[1_234] = 50.0;
        equity[n - 1] = 101.0;
        let (s, eq, dd) = record(100.0, &equity, 1);
        assert!(
            eq.len() >= CURVE_POINTS && eq.len() < 2 * CURVE_POINTS,
            "{}",
            eq.len()
        );
        assert_eq!(eq.last().unwrap().t_ms, 2_500);
        assert_eq!(eq.last().unwrap().value, 101.0);
        let min = dd.iter().map(|p| p.value).fold(0.0, f64::min);
        assert_eq!(min, -0.5);
        assert_eq!(s.max_drawdown, 0.5);
    }
}
