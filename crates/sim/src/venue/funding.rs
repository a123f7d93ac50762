//! Funding of perpetual futures.

use rust_decimal::Decimal;

/// The funding payment for one funding event, in quote: `position * mark * rate`.
///
/// `position` is signed base quantity (positive long, negative short), `mark` the mark price at
/// the funding time, `rate` the funding rate as a fraction (0.0001 = 0.01 %). A positive result
/// is paid by the trader, a negative one received: with a positive rate longs pay and shorts
/// receive; with a negative rate the other way round. A flat position pays nothing.
pub fn funding_payment(position: Decimal, mark: Decimal, rate: Decimal) -> Decimal {
    position * mark * rate
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn longs_pay_positive_funding_and_shorts_receive_it() {
        assert_eq!(funding_payment(dec!(2), dec!(30000), dec!(0.0001)), dec!(6));
        assert_eq!(
            funding_payment(dec!(-2), dec!(30000), dec!(0.0001)),
            dec!(-6)
        );
        assert_eq!(
            funding_payment(dec!(2), dec!(30000), dec!(-0.0001)),
            dec!(-6)
        );
        assert_eq!(funding_payment(dec!(0), dec!(30000), dec!(0.0001)), dec!(0));
    }
}
