//! Instruments and the venue filters an order must pass, with rounding that keeps an order valid.

use crate::order::{Amount, OrderKind, Side};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A tradable pair on one venue, with the venue's filters (Binance names: PRICE_FILTER tickSize,
/// LOT_SIZE stepSize/minQty/maxQty, NOTIONAL minNotional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Instrument {
    /// Keel's symbol, `BASE/QUOTE`, e.g. `BTC/USDT`.
    pub symbol: String,
    pub base: String,
    pub quote: String,
    #[ts(type = "string")]
    pub tick_size: Decimal,
    #[ts(type = "string")]
    pub step_size: Decimal,
    #[ts(type = "string")]
    pub min_qty: Decimal,
    #[ts(type = "string")]
    pub max_qty: Decimal,
    #[ts(type = "string")]
    pub min_notional: Decimal,
}

/// Why an order would be refused by the venue's filters. Each names the limit it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("quantity must be greater than zero")]
    QuantityNotPositive,
    #[error("quantity {qty} is below the minimum of {min} {base}")]
    QuantityBelowMin {
        qty: Decimal,
        min: Decimal,
        base: String,
    },
    #[error("quantity {qty} is above the maximum of {max} {base}")]
    QuantityAboveMax {
        qty: Decimal,
        max: Decimal,
        base: String,
    },
    #[error("quantity {qty} is not a multiple of the step size {step}")]
    QuantityOffStep { qty: Decimal, step: Decimal },
    #[error("price must be greater than zero")]
    PriceNotPositive,
    #[error("price {price} is not a multiple of the tick size {tick}")]
    PriceOffTick { price: Decimal, tick: Decimal },
    #[error("a limit order needs a price")]
    PriceMissing,
    #[error("order value {notional} {quote} is below the minimum of {min} {quote}")]
    NotionalBelowMin {
        notional: Decimal,
        min: Decimal,
        quote: String,
    },
}

/// Floors `value` to a multiple of `step` (towards zero for positive values).
fn floor_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    ((value / step).round_dp_with_strategy(0, RoundingStrategy::ToNegativeInfinity) * step)
        .normalize()
}

/// Ceils `value` to a multiple of `step`.
fn ceil_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    ((value / step).round_dp_with_strategy(0, RoundingStrategy::ToPositiveInfinity) * step)
        .normalize()
}

fn is_multiple(value: Decimal, step: Decimal) -> bool {
    step.is_zero() || (value % step).is_zero()
}

impl Instrument {
    /// Rounds a limit price onto the tick grid in the trader's favour, so that the order stays
    /// within what they meant to pay or receive: a buy rounds down, a sell rounds up.
    pub fn round_price(&self, side: Side, price: Decimal) -> Decimal {
        match side {
            Side::Buy => floor_to(price, self.tick_size),
            Side::Sell => ceil_to(price, self.tick_size),
        }
    }

    /// Rounds a quantity down onto the step grid: never more than the trader asked for or has.
    pub fn round_qty(&self, qty: Decimal) -> Decimal {
        floor_to(qty, self.step_size)
    }

    /// Base quantity a quote amount buys at `price`, rounded down onto the step grid.
    pub fn qty_for_quote(&self, quote: Decimal, price: Decimal) -> Decimal {
        if price <= Decimal::ZERO {
            return Decimal::ZERO;
        }
        self.round_qty(quote / price)
    }

    /// Checks a price against the tick filter.
    pub fn check_price(&self, price: Decimal) -> Result<(), FilterError> {
        if price <= Decimal::ZERO {
            return Err(FilterError::PriceNotPositive);
        }
        if !is_multiple(price, self.tick_size) {
            return Err(FilterError::PriceOffTick {
                price,
                tick: self.tick_size,
            });
        }
        Ok(())
    }

    /// Checks a base quantity against the lot filters (min, max, step).
    pub fn check_qty(&self, qty: Decimal) -> Result<(), FilterError> {
        if qty <= Decimal::ZERO {
            return Err(FilterError::QuantityNotPositive);
        }
        if qty < self.min_qty {
            return Err(FilterError::QuantityBelowMin {
                qty,
                min: self.min_qty,
                base: self.base.clone(),
            });
        }
        if qty > self.max_qty {
            return Err(FilterError::QuantityAboveMax {
                qty,
                max: self.max_qty,
                base: self.base.clone(),
            });
        }
        if !is_multiple(qty, self.step_size) {
            return Err(FilterError::QuantityOffStep {
                qty,
                step: self.step_size,
            });
        }
        Ok(())
    }

    /// Checks an order value against the minimum notional.
    pub fn check_notional(&self, notional: Decimal) -> Result<(), FilterError> {
        if notional < self.min_notional {
            return Err(FilterError::NotionalBelowMin {
                notional: notional.normalize(),
                min: self.min_notional,
                quote: self.quote.clone(),
            });
        }
        Ok(())
    }

    /// Validates an order against every filter before it is sent, so the venue never has to
    /// reject it. `reference_price` values an order without a limit price given in base quantity
    /// (the last price, or the trigger of a stop-market order).
    pub fn validate(
        &self,
        kind: OrderKind,
        price: Option<Decimal>,
        amount: Amount,
        reference_price: Decimal,
    ) -> Result<(), FilterError> {
        let valuation_price = if kind.has_limit_price() {
            let price = price.ok_or(FilterError::PriceMissing)?;
            self.check_price(price)?;
            price
        } else {
            reference_price
        };
        match amount {
            Amount::Base(qty) => {
                self.check_qty(qty)?;
                self.check_notional(qty * valuation_price)
            }
            Amount::Quote(quote) => {
                if quote <= Decimal::ZERO {
                    return Err(FilterError::QuantityNotPositive);
                }
                self.check_notional(quote)?;
                if kind.has_limit_price() {
                    // A limit order sizes in base: the quote amount must buy at least one lot.
                    self.check_qty(self.qty_for_quote(quote, valuation_price))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    #[test]
    fn rejects_quantity_below_minimum_and_names_the_limit() {
        let err = btc()
            .validate(
                OrderKind::Market,
                None,
                Amount::Base(dec!(0.000001)),
                dec!(65000),
            )
            .unwrap_err();
        assert!(matches!(err, FilterError::QuantityBelowMin { .. }));
        assert_eq!(
            err.to_string(),
            "quantity 0.000001 is below the minimum of 0.00001 BTC"
        );
    }

    #[test]
    fn rejects_price_off_tick() {
        let err = btc()
            .validate(
                OrderKind::Limit,
                Some(dec!(65000.005)),
                Amount::Base(dec!(0.001)),
                dec!(65000),
            )
            .unwrap_err();
        assert_eq!(
            err,
            FilterError::PriceOffTick {
                price: dec!(65000.005),
                tick: dec!(0.01)
            }
        );
    }

    #[test]
    fn rejects_small_notional_for_market_by_reference_price() {
        let err = btc()
            .validate(
                OrderKind::Market,
                None,
                Amount::Base(dec!(0.00005)),
                dec!(65000),
            )
            .unwrap_err();
        assert!(matches!(err, FilterError::NotionalBelowMin { .. }));
        assert!(
            btc()
                .validate(
                    OrderKind::Market,
                    None,
                    Amount::Quote(dec!(4.99)),
                    dec!(65000)
                )
                .is_err()
        );
        assert!(
            btc()
                .validate(OrderKind::Market, None, Amount::Quote(dec!(5)), dec!(65000))
                .is_ok()
        );
    }

    #[test]
    fn limit_needs_a_price() {
        assert_eq!(
            btc().validate(OrderKind::Limit, None, Amount::Base(dec!(1)), dec!(1)),
            Err(FilterError::PriceMissing)
        );
    }

    fn decimal(max_units: i64, scale: u32) -> impl Strategy<Value = Decimal> {
        (1..max_units).prop_map(move |n| Decimal::new(n, scale))
    }

    fn instrument() -> impl Strategy<Value = Instrument> {
        (0u32..8, 0u32..8, 1i64..100).prop_map(|(tick_scale, step_scale, min_notional)| {
            let step = Decimal::new(1, step_scale);
            Instrument {
                symbol: "X/Y".into(),
                base: "X".into(),
                quote: "Y".into(),
                tick_size: Decimal::new(1, tick_scale),
                step_size: step,
                min_qty: step,
                max_qty: Decimal::from(1_000_000_000),
                min_notional: Decimal::from(min_notional),
            }
        })
    }

    proptest! {
        #[test]
        fn rounded_price_is_on_tick_and_in_the_traders_favour(
            inst in instrument(), price in decimal(10_000_000_000, 6)
        ) {
            let buy = inst.round_price(Side::Buy, price);
            let sell = inst.round_price(Side::Sell, price);
            prop_assert!(buy <= price && sell >= price);
            prop_assert!(price - buy < inst.tick_size && sell - price < inst.tick_size);
            prop_assert!(sell.is_zero() || inst.check_price(sell).is_ok());
            prop_assert!(buy.is_zero() || inst.check_price(buy).is_ok());
        }

        #[test]
        fn rounded_qty_never_exceeds_the_request_and_passes_the_step(
            inst in instrument(), qty in decimal(10_000_000_000, 6)
        ) {
            let rounded = inst.round_qty(qty);
            prop_assert!(rounded <= qty && qty - rounded < inst.step_size);
            prop_assert!(rounded < inst.min_qty || inst.check_qty(rounded).is_ok());
        }

        #[test]
        fn quote_amount_never_overspends(
            inst in instrument(), quote in decimal(1_000_000_000, 2), price in decimal(100_000_000, 4)
        ) {
            let qty = inst.qty_for_quote(quote, price);
            prop_assert!(qty * price <= quote);
        }

        #[test]
        fn a_rounded_order_that_validates_is_accepted_by_every_filter(
            inst in instrument(), qty in decimal(1_000_000_000, 4), price in decimal(100_000_000, 4)
        ) {
            let p = inst.round_price(Side::Buy, price);
            let q = inst.round_qty(qty);
            if inst.validate(OrderKind::Limit, Some(p), Amount::Base(q), p).is_ok() {
                prop_assert!(inst.check_price(p).is_ok());
                prop_assert!(inst.check_qty(q).is_ok());
                prop_assert!(q * p >= inst.min_notional);
            }
        }
    }
}
