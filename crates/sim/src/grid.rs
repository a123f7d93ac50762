//! The bridge from the generator's `f64` world to money: prices land on the tick grid and
//! quantities on the step grid, as exact [`Decimal`] multiples.

use keel_domain::Instrument;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// An instrument's tick and step, in both representations.
#[derive(Debug, Clone)]
pub struct Grid {
    pub tick: Decimal,
    pub tick_f: f64,
    pub step: Decimal,
    pub step_f: f64,
    /// The smallest quantity the venue accepts, in steps (at least one).
    pub min_steps: i64,
}

/// A positive grid size as `f64`, with a safe fallback for absurd inputs.
fn positive_f64(value: Decimal, fallback: f64) -> f64 {
    value
        .to_f64()
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(fallback)
}

impl Grid {
    pub fn new(instrument: &Instrument) -> Self {
        let tick = if instrument.tick_size > Decimal::ZERO {
            instrument.tick_size
        } else {
            Decimal::new(1, 8)
        };
        let step = if instrument.step_size > Decimal::ZERO {
            instrument.step_size
        } else {
            Decimal::new(1, 8)
        };
        let min_steps = (instrument.min_qty / step)
            .ceil()
            .to_i64()
            .unwrap_or(1)
            .max(1);
        Self {
            tick,
            tick_f: positive_f64(tick, 1e-8),
            step,
            step_f: positive_f64(step, 1e-8),
            min_steps,
        }
    }

    /// A price given in ticks, as an exact multiple of the tick size.
    pub fn price(&self, ticks: i64) -> Decimal {
        Decimal::from(ticks.max(1)) * self.tick
    }

    /// A quantity given in steps, as an exact multiple of the step size.
    pub fn qty(&self, steps: i64) -> Decimal {
        Decimal::from(steps.max(0)) * self.step
    }

    /// Ticks of an `f64` price (rounded to the nearest tick, at least one).
    pub fn ticks_of(&self, price: f64) -> i64 {
        clamp_to_i64((price / self.tick_f).round()).max(1)
    }

    /// Steps of an `f64` quantity (rounded to the nearest step, never below the venue minimum).
    pub fn steps_of(&self, qty: f64) -> i64 {
        clamp_to_i64((qty / self.step_f).round()).max(self.min_steps)
    }

    /// Steps of an `f64` quantity rounded to the nearest step, zero allowed (volumes).
    pub fn volume_steps_of(&self, qty: f64) -> i64 {
        clamp_to_i64((qty / self.step_f).round()).max(0)
    }
}

/// Converts a price to `f64` for the generator (0 when it cannot be represented).
pub fn to_f64(value: Decimal) -> f64 {
    value.to_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

fn clamp_to_i64(v: f64) -> i64 {
    if v.is_nan() {
        0
    } else {
        // Saturating by construction: `as` saturates for out-of-range floats.
        v.clamp(-9.0e15, 9.0e15) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn inst() -> Instrument {
        Instrument {
            symbol: "BTC/USDT".into(),
            base: "BTC".into(),
            quote: "USDT".into(),
            tick_size: dec!(0.01),
            step_size: dec!(0.00001),
            min_qty: dec!(0.00002),
            max_qty: dec!(9000),
            min_notional: dec!(5),
        }
    }

    #[test]
    fn values_land_exactly_on_the_grid() {
        let g = Grid::new(&inst());
        assert_eq!(g.min_steps, 2);
        let ticks = g.ticks_of(65_000.123_4);
        assert_eq!(g.price(ticks), dec!(65000.12));
        assert_eq!(g.qty(g.steps_of(0.000_001)), dec!(0.00002));
        assert_eq!(g.qty(g.steps_of(0.012_345_6)), dec!(0.01235));
        assert_eq!(
            g.price(g.ticks_of(-3.0)),
            dec!(0.01),
            "never below one tick"
        );
    }
}
