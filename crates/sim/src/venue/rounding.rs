//! Grid rounding and slippage. Every fill price passes through [`taker_price`] or is a limit
//! price already on the grid, so fills land on the tick grid.

use super::config::Slippage;
use keel_domain::Side;
use rust_decimal::{Decimal, RoundingStrategy};

/// `x` rounded down to a multiple of `grid` (`grid` > 0).
pub fn floor_to(x: Decimal, grid: Decimal) -> Decimal {
    round_to(x, grid, RoundingStrategy::ToNegativeInfinity)
}

/// `x` rounded up to a multiple of `grid` (`grid` > 0).
pub fn ceil_to(x: Decimal, grid: Decimal) -> Decimal {
    round_to(x, grid, RoundingStrategy::ToPositiveInfinity)
}

fn round_to(x: Decimal, grid: Decimal, strategy: RoundingStrategy) -> Decimal {
    if grid.mantissa() == 1 {
        // Ticks and steps are nearly always powers of ten (0.01, 0.00001, 1): round the
        // decimals directly, no division.
        if x.scale() <= grid.scale() {
            return x;
        }
        return x.round_dp_with_strategy(grid.scale(), strategy);
    }
    if (x % grid).is_zero() {
        return x;
    }
    let units = x / grid;
    let whole = match strategy {
        RoundingStrategy::ToPositiveInfinity => units.ceil(),
        _ => units.floor(),
    };
    whole * grid
}

/// A price moved onto the grid against `side`'s trader: up for a buy, down for a sell.
pub fn against(side: Side, price: Decimal, tick: Decimal) -> Decimal {
    match side {
        Side::Buy => ceil_to(price, tick),
        Side::Sell => floor_to(price, tick).max(tick),
    }
}

/// A price moved onto the grid in `side`'s trader's favour: down for a buy, up for a sell.
pub fn favour(side: Side, price: Decimal, tick: Decimal) -> Decimal {
    match side {
        Side::Buy => floor_to(price, tick),
        Side::Sell => ceil_to(price, tick),
    }
}

/// The price a taker fill gets at market price `price`: slipped against the trader, on the tick
/// grid, and never worse than the order's `limit`.
pub fn taker_price(
    side: Side,
    price: Decimal,
    limit: Option<Decimal>,
    slippage: Slippage,
    tick: Decimal,
) -> Decimal {
    let sign = match side {
        Side::Buy => Decimal::ONE,
        Side::Sell => Decimal::NEGATIVE_ONE,
    };
    let slipped = match slippage {
        Slippage::None => price,
        Slippage::Bps(bps) => price + sign * price * bps / Decimal::from(10_000),
        Slippage::Ticks(n) => price + sign * tick * Decimal::from(n),
    };
    let on_grid = against(side, slipped, tick);
    match (side, limit) {
        (Side::Buy, Some(l)) => on_grid.min(l),
        (Side::Sell, Some(l)) => on_grid.max(l),
        (_, None) => on_grid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn slippage_rounds_against_the_trader_and_respects_the_limit() {
        let t = dec!(0.01);
        let bps = Slippage::Bps(dec!(1));
        assert_eq!(
            taker_price(Side::Buy, dec!(100.00), None, bps, t),
            dec!(100.01)
        );
        assert_eq!(
            taker_price(Side::Sell, dec!(100.00), None, bps, t),
            dec!(99.99)
        );
        assert_eq!(
            taker_price(Side::Buy, dec!(123.45), None, bps, t),
            dec!(123.47)
        );
        assert_eq!(
            taker_price(Side::Sell, dec!(123.45), None, bps, t),
            dec!(123.43)
        );
        let cap = Some(dec!(100.005));
        assert_eq!(
            taker_price(Side::Buy, dec!(100), cap, bps, t),
            dec!(100.005)
        );
        let ticks = Slippage::Ticks(3);
        assert_eq!(
            taker_price(Side::Sell, dec!(0.02), None, ticks, t),
            dec!(0.01)
        );
        assert_eq!(floor_to(dec!(1.23456789), dec!(0.001)), dec!(1.234));
        assert_eq!(ceil_to(dec!(1.2341), dec!(0.001)), dec!(1.235));
        assert_eq!(favour(Side::Buy, dec!(1.239), dec!(0.01)), dec!(1.23));
        assert_eq!(favour(Side::Sell, dec!(1.231), dec!(0.01)), dec!(1.24));
    }
}
