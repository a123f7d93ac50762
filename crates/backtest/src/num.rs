//! Conversions between exact Decimal money and the `f64` that indicators and curves use.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The nearest `f64` to `d`. Exact mantissas below 2^53 take one correctly rounded divide by a
/// power of ten (fast, and at least as accurate as a generic conversion).
#[inline]
pub fn to_f64(d: Decimal) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let m = d.mantissa();
    let scale = d.scale() as usize;
    if m.unsigned_abs() < (1u128 << 53) && scale < POW10.len() {
        (m as i64) as f64 / POW10[scale]
    } else {
        d.to_f64().unwrap_or(0.0)
    }
}

/// `x` rounded to `dp` decimal places, exactly (through a scaled integer, not a float print).
#[inline]
pub fn to_grid(x: f64, dp: u32) -> Decimal {
    let scale = 10f64.powi(dp as i32);
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
            assert_eq!(to_f64(d), want, "{text}");
            assert!((to_f64(d) - d.to_f64().unwrap()).abs() <= want.abs() * 1e-15);
        }
    }
}
