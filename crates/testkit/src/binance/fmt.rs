//! Binance number formatting: prices and quantities are JSON strings; spot pads to 8 decimals,
//! futures to the symbol's tick/step precision.

use crate::config::{Market, SymbolSpec};
use rust_decimal::Decimal;

/// A price as Binance prints it for this symbol.
pub(crate) fn px(spec: &SymbolSpec, d: Decimal) -> String {
    match spec.market {
        Market::Spot => format!("{:.8}", d),
        Market::Futures => format!("{:.*}", spec.price_scale() as usize, d),
    }
}

/// A quantity as Binance prints it for this symbol.
pub(crate) fn qty(spec: &SymbolSpec, d: Decimal) -> String {
    match spec.market {
        Market::Spot => format!("{:.8}", d),
        Market::Futures => format!("{:.*}", spec.qty_scale() as usize, d),
    }
}

/// An asset amount (balances, commissions, PnL): 8 decimals.
pub(crate) fn amt(d: Decimal) -> String {
    format!("{:.8}", d)
}

/// Rounds an amount to 8 decimals (Binance's asset precision).
pub(crate) fn r8(d: Decimal) -> Decimal {
    d.round_dp(8)
}

/// Largest multiple of `step` not above `d`.
pub(crate) fn floor_step(d: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return d;
    }
    (d / step).floor() * step
}

/// True if `d` is a whole multiple of `step`.
pub(crate) fn on_step(d: Decimal, step: Decimal) -> bool {
    step.is_zero() || (d % step).is_zero()
}
