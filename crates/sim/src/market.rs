//! The market generator: one seeded price process per symbol, producing trade prints and, for
//! backfills and long gaps, whole candles without individual prints.
//!
//! The model, per second of simulated time:
//! - the log mid-price follows a random walk (about 45 % a year) whose volatility is itself
//!   random: log-volatility is an Ornstein-Uhlenbeck process (half-life 20 min) with an
//!   EGARCH-like kick from the size of each price shock, and rare volatility bursts (regime
//!   switches that decay), so calm and busy periods alternate;
//! - a tiny pull towards the symbol's reference price (half-life 7 days) keeps a long run from
//!   drifting to absurd levels;
//! - trades arrive as a Poisson process (about 4 prints/s, more when volatile) at the touch: a
//!   taker buy prints at the ask, a taker sell at the bid, so prints bounce across the spread;
//! - the taker side persists (60 %) and otherwise follows the direction of the last move;
//! - trade sizes are log-normal in quote value, on the step grid, never below the minimum.
//!
//! The walk is computed in `f64`; prices leave it as exact multiples of the tick size.

use crate::grid::Grid;
use crate::rng::Rng;
use keel_domain::{Candle, Instrument, Side, TimestampMs, Trade};

const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;
/// Mean of |Z| for a standard normal Z.
const MEAN_ABS_NORMAL: f64 = 0.797_884_560_802_865_4;
/// Substep of the fast (candle-only) simulation, in seconds.
const FAST_STEP_S: f64 = 3.0;

/// The knobs of the price process. The defaults give a liquid crypto pair's texture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathParams {
    /// Long-run annualised volatility of the mid price.
    pub annual_vol: f64,
    /// Half-life of log-volatility's reversion to its mean, in seconds.
    pub vol_half_life_s: f64,
    /// Stationary standard deviation of log-volatility.
    pub vol_of_vol: f64,
    /// EGARCH-like feedback: how much a larger-than-usual shock raises log-volatility.
    pub shock_feedback: f64,
    /// Rate of volatility bursts, per second, and their size in log-volatility.
    pub burst_rate_per_s: f64,
    pub burst_size: f64,
    /// Half-life of the pull towards the reference price, in seconds.
    pub price_half_life_s: f64,
    /// Mean trade prints per second at average volatility.
    pub trades_per_s: f64,
    /// Median trade value in the quote asset, and the log-normal spread of trade values.
    pub median_trade_value: f64,
    pub trade_size_sigma: f64,
    pub max_trade_value: f64,
    /// Average bid-ask spread in basis points (at least one tick).
    pub spread_bp: f64,
    /// Probability that the next taker is on the same side as the last one.
    pub side_persistence: f64,
}

impl Default for PathParams {
    fn default() -> Self {
        Self {
            annual_vol: 0.45,
            vol_half_life_s: 20.0 * 60.0,
            vol_of_vol: 0.3,
            shock_feedback: 0.006,
            burst_rate_per_s: 1.0 / 14_400.0,
            burst_size: 0.5,
            price_half_life_s: 7.0 * 86_400.0,
            trades_per_s: 4.0,
            median_trade_value: 250.0,
            trade_size_sigma: 1.2,
            max_trade_value: 250_000.0,
            spread_bp: 0.8,
            side_persistence: 0.6,
        }
    }
}

/// The best bid and ask of the synthetic market, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    pub bid_ticks: i64,
    pub ask_ticks: i64,
}

/// One symbol's price process.
#[derive(Debug, Clone)]
pub struct MarketGen {
    params: PathParams,
    rng: Rng,
    grid: Grid,
    /// Log of the reference price the walk is gently pulled towards.
    anchor: f64,
    /// Log mid price, and the bounds it is kept within (a factor of 20 around the anchor).
    x: f64,
    /// Log volatility per square-root second, its mean and bounds.
    v: f64,
    v_bar: f64,
    /// Simulated time of the state above, in epoch milliseconds.
    t_ms: f64,
    next_arrival_ms: f64,
    last_taker: Side,
    spread_ticks: i64,
    next_trade_id: u64,
}

impl MarketGen {
    /// A process for `instrument` starting at `start_price` at `start_ms`. `seed` picks the path.
    pub fn new(
        seed: u64,
        instrument: &Instrument,
        start_price: f64,
        start_ms: TimestampMs,
        params: PathParams,
    ) -> Self {
        let grid = Grid::new(instrument);
        let start = if start_price.is_finite() && start_price > 0.0 {
            start_price
        } else {
            grid.tick_f * 1_000.0
        };
        let sigma = params.annual_vol / SECONDS_PER_YEAR.sqrt();
        let v_bar = sigma.max(1e-12).ln();
        let mut generator = Self {
            params,
            rng: Rng::derive(seed, &instrument.symbol, 1),
            grid,
            anchor: start.ln(),
            x: start.ln(),
            v: v_bar,
            v_bar,
            t_ms: start_ms as f64,
            next_arrival_ms: start_ms as f64,
            last_taker: Side::Buy,
            spread_ticks: 1,
            // Public trade ids: unique across runs as long as the clock moves forward.
            next_trade_id: u64::try_from(start_ms).unwrap_or(0).saturating_mul(1_000),
        };
        generator.update_spread();
        generator.schedule_arrival();
        generator
    }

    /// Continues the walk from `price` (e.g. the last close of a previous run), keeping the
    /// reference price it is pulled towards.
    pub fn continue_from(&mut self, price: f64) {
        if price.is_finite() && price > 0.0 {
            self.x = self.clamp_x(price.ln());
            self.update_spread();
        }
    }

    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The mid price.
    pub fn mid(&self) -> f64 {
        self.x.exp()
    }

    /// Simulated time the process has reached.
    pub fn time_ms(&self) -> f64 {
        self.t_ms
    }

    pub fn touch(&self) -> Touch {
        let mid_ticks = self.mid() / self.grid.tick_f;
        let bid_ticks = ((mid_ticks - self.spread_ticks as f64 / 2.0).floor() as i64).max(1);
        Touch {
            bid_ticks,
            ask_ticks: bid_ticks + self.spread_ticks.max(1),
        }
    }

    /// Distance between synthetic book levels, in ticks (about 0.4 bp, at least one tick).
    pub fn level_gap_ticks(&self) -> i64 {
        ((self.mid() * 0.4e-4 / self.grid.tick_f).round() as i64).max(1)
    }

    /// Current volatility relative to its long-run mean (1.0 = average).
    pub fn vol_ratio(&self) -> f64 {
        (self.v - self.v_bar).exp()
    }

    /// The next trade print at or before `until_ms`, if one arrives by then.
    pub fn next_print(&mut self, until_ms: TimestampMs) -> Option<Trade> {
        if self.next_arrival_ms.floor() > until_ms as f64 {
            return None;
        }
        let at = self.next_arrival_ms;
        let dx = self.evolve((at - self.t_ms).max(0.0) / 1_000.0);
        self.t_ms = at;
        let side = if self.rng.chance(self.params.side_persistence) || dx == 0.0 {
            self.last_taker
        } else if dx > 0.0 {
            Side::Buy
        } else {
            Side::Sell
        };
        self.last_taker = side;
        let touch = self.touch();
        let ticks = match side {
            Side::Buy => touch.ask_ticks,
            Side::Sell => touch.bid_ticks,
        };
        let price = self.grid.price(ticks);
        let value = (self.params.median_trade_value
            * (self.params.trade_size_sigma * self.rng.normal()).exp())
        .min(self.params.max_trade_value);
        let qty = self.grid.qty(self.grid.steps_of(value / self.mid()));
        let trade = Trade {
            id: self.take_trade_id(),
            ts_ms: at.floor() as TimestampMs,
            price,
            qty,
            taker_side: side,
        };
        self.schedule_arrival();
        Some(trade)
    }

    /// An id for a public print (also used for the tape of the account's own taker fills).
    pub fn take_trade_id(&mut self) -> u64 {
        let id = self.next_trade_id;
        self.next_trade_id = self.next_trade_id.wrapping_add(1);
        id
    }

    /// Simulates `[time, to_ms)` without individual prints and returns it as one candle opening at
    /// `open_time_ms`: high and low are the extreme ask and bid seen, volume is what the usual
    /// trade flow would have printed. Used for backfills and for gaps (a laptop waking up).
    pub fn segment(&mut self, open_time_ms: TimestampMs, to_ms: TimestampMs) -> Candle {
        let from = self.t_ms;
        let to = (to_ms as f64).max(from);
        let duration_s = (to - from) / 1_000.0;
        let start = self.touch();
        let open = self.print_ticks(start);
        let (mut high, mut low) = (open, open);
        let mut expected_prints = 0.0;
        let substeps = (duration_s / FAST_STEP_S).ceil().max(1.0) as usize;
        let dt = duration_s / substeps as f64;
        if duration_s > 0.0 {
            for _ in 0..substeps {
                expected_prints += self.arrival_rate() * dt;
                self.evolve(dt);
                let touch = self.touch();
                high = high.max(touch.ask_ticks);
                low = low.min(touch.bid_ticks);
            }
        }
        self.t_ms = to;
        let close = self.print_ticks(self.touch());
        let mean_value = self.params.median_trade_value
            * (self.params.trade_size_sigma * self.params.trade_size_sigma / 2.0).exp();
        let noise = (0.3 * self.rng.normal() - 0.045).exp();
        let volume = expected_prints * mean_value * noise / self.mid();
        self.schedule_arrival_from(to);
        Candle {
            open_time_ms,
            open: self.grid.price(open),
            high: self.grid.price(high.max(open).max(close)),
            low: self.grid.price(low.min(open).min(close)),
            close: self.grid.price(close),
            volume: self.grid.qty(self.grid.volume_steps_of(volume)),
        }
    }

    /// Jumps the process's clock to `to_ms` without simulating the time in between (the part of
    /// a very long gap that is not generated).
    pub fn skip_to(&mut self, to_ms: TimestampMs) {
        let to = to_ms as f64;
        if to > self.t_ms {
            self.t_ms = to;
            self.schedule_arrival_from(to);
        }
    }

    /// Ticks of a print at `touch` on a random side.
    fn print_ticks(&mut self, touch: Touch) -> i64 {
        if self.rng.chance(0.5) {
            touch.ask_ticks
        } else {
            touch.bid_ticks
        }
    }

    /// Advances the latent state by `dt` seconds; returns the change of the log mid.
    fn evolve(&mut self, dt: f64) -> f64 {
        if dt <= 0.0 {
            return 0.0;
        }
        let p = self.params;
        let sd = dt.sqrt();
        let theta = std::f64::consts::LN_2 / p.vol_half_life_s;
        let eta = p.vol_of_vol * (2.0 * theta).sqrt();
        self.v += theta * (self.v_bar - self.v) * dt + eta * sd * self.rng.normal();
        if self.rng.chance(p.burst_rate_per_s * dt) {
            self.v += p.burst_size;
        }
        let z = self.rng.normal();
        self.v += p.shock_feedback * (z.abs() - MEAN_ABS_NORMAL) * sd;
        self.v = self.v.clamp(self.v_bar - 1.5, self.v_bar + 2.0);
        let kappa = std::f64::consts::LN_2 / p.price_half_life_s;
        let before = self.x;
        let pulled = self.x - kappa * (self.x - self.anchor) * dt;
        self.x = self.clamp_x(pulled + self.v.exp() * sd * z);
        self.update_spread();
        self.x - before
    }

    fn clamp_x(&self, x: f64) -> f64 {
        let bound = 20.0_f64.ln();
        // Never below 100 ticks, so the tick grid keeps a sensible resolution.
        let floor = (self.grid.tick_f * 100.0).ln();
        x.clamp((self.anchor - bound).max(floor), self.anchor + bound)
    }

    fn update_spread(&mut self) {
        let bp = self.params.spread_bp * 1e-4 * self.vol_ratio().sqrt();
        let jitter = 0.8 + 0.4 * self.rng.uniform();
        self.spread_ticks = ((self.mid() * bp * jitter / self.grid.tick_f).round() as i64).max(1);
    }

    fn arrival_rate(&self) -> f64 {
        (self.params.trades_per_s * (0.5 * (self.v - self.v_bar)).exp()).clamp(1.0, 15.0)
    }

    fn schedule_arrival(&mut self) {
        self.schedule_arrival_from(self.t_ms);
    }

    fn schedule_arrival_from(&mut self, from: f64) {
        self.next_arrival_ms = from + 1_000.0 * self.rng.exponential() / self.arrival_rate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn btc() -> Instrument {
        Instrument {
            symbol: "BTC/USDT".into(),
            base: "BTC".into(),
            quote: "USDT".into(),
            tick_size: dec!(0.01),
            step_size: dec!(0.00001),
            min_qty: dec!(0.00001),
            max_qty: dec!(9000),
            min_notional: dec!(5),
        }
    }

    fn on_grid(value: Decimal, grid: Decimal) -> bool {
        (value % grid).is_zero()
    }

    #[test]
    fn prints_arrive_a_few_per_second_on_the_grids() {
        let inst = btc();
        let mut generator = MarketGen::new(1, &inst, 65_000.0, 0, PathParams::default());
        let mut n = 0;
        let mut last_ts = 0;
        let mut buys = 0;
        while let Some(t) = generator.next_print(600_000) {
            assert!(t.ts_ms >= last_ts && t.ts_ms <= 600_000);
            assert!(on_grid(t.price, inst.tick_size) && t.price > Decimal::ZERO);
            assert!(on_grid(t.qty, inst.step_size) && t.qty >= inst.min_qty);
            last_ts = t.ts_ms;
            buys += usize::from(t.taker_side == Side::Buy);
            n += 1;
        }
        let per_s = f64::from(n) / 600.0;
        assert!((1.5..12.0).contains(&per_s), "{per_s} prints/s");
        assert!(
            buys > n as usize / 5 && buys < n as usize * 4 / 5,
            "both sides trade"
        );
    }

    #[test]
    fn segments_are_consistent_candles() {
        let inst = btc();
        let mut generator = MarketGen::new(9, &inst, 65_000.0, 0, PathParams::default());
        for i in 0..500 {
            let c = generator.segment(i * 60_000, (i + 1) * 60_000);
            assert!(c.low <= c.open && c.low <= c.close && c.high >= c.open && c.high >= c.close);
            assert!(c.low > Decimal::ZERO && c.volume >= Decimal::ZERO);
            assert!(on_grid(c.high, inst.tick_size) && on_grid(c.low, inst.tick_size));
            assert!(on_grid(c.volume, inst.step_size));
        }
    }
}
