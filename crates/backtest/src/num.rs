//! Conversions between exact Decimal money and the `f64` that indicators and curves use.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `d` as `f64`, within one unit in the last place: the mantissa converted once and divided by
/// an exact power of ten (exactly rounded when the mantissa is below 2^53).
#[inline]
pub fn to_f64(d: Decimal) -> f64 {
    let m = d.mantissa();
    match (i64::try_from(m), POW10.get(d.scale() as usize)) {
        (Ok(small), Some(p)) => small as f64 / p,
        (Err(_), Some(p)) => m as f64 / p,
        _ => d.to_f64().unwrap_or(0.0),
    }
}

/// `x` rounded to `dp` decimal places, exactly (through a scaled integer, not a float print).
#[inline]
pub fn to_grid(x: f64, dp: u32) -> Decimal {
    let scale = POW10.get(dp as usize).copied().unwrap_or(f64::INFINITY);
    let m = (x * scale).round();
    if m.abs() < 9.0e15 {
        Decimal::new(m as i64, dp)
    } else {
        Decimal::from_f64_retain(x)
            .map(|d| d.round_dp(dp))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::to_f64;
    use rust_decimal::Decimal;
    use rust_decimal::prelude::ToPrimitive;

    #[test]
    fn fast_conversion_is_the_nearest_double() {
        for text in [
            "0",
            "1",
            "-1",
            "0.1",
            "20000.01",
            "0.00000001",
            "123456789.123456789",
            "-0.30",
            "1e-20",
            "79228162514264337593543950335",
        ] {
            let d: Decimal = text
                .parse()
                .unwrap_or_else(|_| Decimal::from_scientific(text).unwrap());
            let want: f64 = d.to_string().parse().unwrap();
            assert!(
                (to_f64(d) - want).abs() <= want.abs() * f64::EPSILON,
                "{text}"
            );
            assert!((to_f64(d) - d.to_f64().unwrap()).abs() <= want.abs() * 1e-15);
        }
    }
}
