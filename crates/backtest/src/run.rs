//! Backtests: a strategy replayed through a [`Session`] over candles or trade ticks, with a
//! historical clock (each event's own time), into a [`Report`].

use keel_domain::{CandleBuilder, Trade};
use keel_sim::venue::SimConfig;
use keel_strategy::{Bar, Strategy};
use rust_decimal::Decimal;

use crate::num::{to_f64, to_grid};
use crate::report::{self, CurveRecorder, Metrics, Report};
use crate::series::{BarSeries, Gap};
use crate::session::{RiskLimits, Session, SessionConfig};

/// The settings of a run (the data and the strategy come separately).
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    pub initial_cash: Decimal,
    pub venue: SimConfig,
    pub risk: RiskLimits,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            initial_cash: Decimal::from(10_000),
            venue: SimConfig::default(),
            risk: RiskLimits::default(),
        }
    }
}

/// Replays `series` bar by bar through `strategy`. Decisions are taken at each bar's close;
/// working orders are matched against the next bars by the venue's candle fill model.
pub fn run_bars(series: &BarSeries, strategy: Box<dyn Strategy>, cfg: &BacktestConfig) -> Report {
    let n = series.len();
    let interval = series.interval_ms;
    let mut session = Session::new(
        strategy,
        SessionConfig {
            initial_cash: cfg.initial_cash,
            venue: cfg.venue,
            risk: cfg.risk.clone(),
            price_dp: series.price_dp,
        },
    );
    let mut curve = CurveRecorder::new(to_f64(cfg.initial_cash));
    for i in 0..n {
        let t = series.open_time[i];
        let bar = Bar {
            open_time_ms: t,
            close_time_ms: t + interval,
            open: series.open[i],
            high: series.high[i],
            low: series.low[i],
            close: series.close[i],
            volume: series.volume[i],
        };
        session.on_bar(i, &bar, interval, || series.candle(i));
        let ledger = session.ledger();
        curve.mark(
            bar.close_time_ms,
            ledger.equity_f64(bar.close),
            ledger.position_f64() != 0.0,
        );
    }
    let last = series
        .close
        .last()
        .map_or(Decimal::ZERO, |c| to_grid(*c, series.price_dp));
    let start = series.open_time.first().copied().unwrap_or(0);
    finish(
        session,
        cfg,
        curve,
        start,
        interval,
        last,
        series.gaps.clone(),
    )
}

/// Replays trade ticks through `strategy`: the venue fills against every print (bounded by its
/// volume), the strategy sees every tick and the `interval_ms` bars built from them.
pub fn run_trades(
    trades: &[Trade],
    interval_ms: i64,
    price_dp: u32,
    strategy: Box<dyn Strategy>,
    cfg: &BacktestConfig,
) -> Report {
    let mut run = TickRun::new(strategy, cfg, interval_ms, price_dp);
    for t in trades {
        run.on_trade(t);
    }
    run.finish()
}

/// A strategy driven trade by trade, wherever the trades come from: a stored history (a
/// backtest) or a live or replayed market (a paper run). The same trades in the same order give
/// the same fills and the same report.
pub struct TickRun {
    session: Session,
    builder: CandleBuilder,
    curve: CurveRecorder,
    cfg: BacktestConfig,
    interval_ms: i64,
    index: usize,
    start_ms: Option<i64>,
    last_price: Decimal,
}

impl TickRun {
    /// A run of `strategy` building bars of `interval_ms`.
    pub fn new(
        strategy: Box<dyn Strategy>,
        cfg: &BacktestConfig,
        interval_ms: i64,
        price_dp: u32,
    ) -> TickRun {
        TickRun {
            session: Session::new(
                strategy,
                SessionConfig {
                    initial_cash: cfg.initial_cash,
                    venue: cfg.venue,
                    risk: cfg.risk.clone(),
                    price_dp,
                },
            ),
            builder: CandleBuilder::new(interval_ms),
            curve: CurveRecorder::new(to_f64(cfg.initial_cash)),
            cfg: cfg.clone(),
            interval_ms,
            index: 0,
            start_ms: None,
            last_price: Decimal::ZERO,
        }
    }

    /// One trade print: a bar that it closes goes to the strategy first (its orders meet the
    /// price the strategy saw), then the venue fills against the print, then the strategy sees it.
    pub fn on_trade(&mut self, t: &Trade) {
        let i = self.index;
        self.index += 1;
        self.start_ms
            .get_or_insert(t.ts_ms - t.ts_ms.rem_euclid(self.interval_ms));
        if let Some(done) = self.builder.push(t.ts_ms, t.price, t.qty) {
            self.close_bar(i, &done);
        }
        self.session.on_trade(i, t);
        self.last_price = t.price;
    }

    /// The session so far (fills, ledger).
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn close_bar(&mut self, i: usize, c: &keel_domain::Candle) {
        let bar = Bar {
            open_time_ms: c.open_time_ms,
            close_time_ms: c.open_time_ms + self.interval_ms,
            open: to_f64(c.open),
            high: to_f64(c.high),
            low: to_f64(c.low),
            close: to_f64(c.close),
            volume: to_f64(c.volume),
        };
        self.session.on_built_bar(i, &bar);
        let ledger = self.session.ledger();
        self.curve.mark(
            bar.close_time_ms,
            ledger.equity_f64(bar.close),
            ledger.position_f64() != 0.0,
        );
    }

    /// Closes the bar in progress and reports.
    pub fn finish(mut self) -> Report {
        if let Some(open) = self.builder.current().cloned() {
            let i = self.index;
            self.close_bar(i, &open);
        }
        let start = self.start_ms.unwrap_or(0);
        finish(
            self.session,
            &self.cfg,
            self.curve,
            start,
            self.interval_ms,
            self.last_price,
            Vec::new(),
        )
    }
}

fn finish(
    session: Session,
    cfg: &BacktestConfig,
    curve: CurveRecorder,
    start: i64,
    interval_ms: i64,
    last_price: Decimal,
    gaps: Vec<Gap>,
) -> Report {
    let bars = curve.bars();
    let exposure = curve.exposure();
    let end = curve.last_time().unwrap_or(start).max(start);
    let (stats, equity_curve, drawdown) = curve.finish(end - start, interval_ms);
    let (ledger, fills, rejections, rejected) = session.into_parts();
    let (win_rate, profit_factor, avg_trade) = report::trade_stats(ledger.trades());
    let final_equity = ledger.equity(last_price);
    let open_trade = ledger.open_trade(last_price);
    let fees = ledger.fees();
    let trades = ledger.into_trades();
    Report {
        bars,
        start_ms: start,
        end_ms: end,
        interval_ms,
        initial_cash: cfg.initial_cash,
        final_equity,
        metrics: Metrics {
            total_return: stats.total_return,
            annual_return: stats.annual_return,
            max_drawdown: stats.max_drawdown,
            sharpe: stats.sharpe,
            sortino: stats.sortino,
            calmar: stats.calmar,
            win_rate,
            profit_factor,
            avg_trade,
            exposure,
            fees,
            trades: trades.len(),
            fills: fills.len(),
            rejected_orders: rejected,
        },
        equity: equity_curve,
        drawdown,
        trades,
        open_trade,
        fills,
        gaps,
        rejections,
    }
}
