//! Binance numbers: prices and quantities arrive as JSON strings (`"0.00100000"`), ids and times
//! as integers (a few futures events send times as strings). These helpers parse both exactly.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, de};
use std::str::FromStr;

/// Parses a decimal string exactly (`"0.00100000"` keeps its value; scientific notation too).
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    Decimal::from_str(s)
        .ok()
        .or_else(|| Decimal::from_scientific(s).ok())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StrOrNum<'a> {
    Str(&'a str),
    Owned(String),
    I(i64),
    U(u64),
    F(f64),
}

fn to_decimal<E: de::Error>(v: StrOrNum<'_>) -> Result<Decimal, E> {
    match v {
        StrOrNum::Str(s) => parse_decimal(s).ok_or_else(|| E::custom(format!("bad decimal {s:?}"))),
        StrOrNum::Owned(s) => {
            parse_decimal(&s).ok_or_else(|| E::custom(format!("bad decimal {s:?}")))
        }
        StrOrNum::I(i) => Ok(Decimal::from(i)),
        StrOrNum::U(u) => Ok(Decimal::from(u)),
        StrOrNum::F(f) => Decimal::try_from(f).map_err(E::custom),
    }
}

/// Serde: a decimal from a JSON string or number.
pub fn de_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    to_decimal(StrOrNum::deserialize(d)?)
}

/// Serde: an optional decimal (`null`, missing or empty string = `None`).
pub fn de_opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<StrOrNum<'de>>::deserialize(d)? {
        None => Ok(None),
        Some(StrOrNum::Str("")) => Ok(None),
        Some(StrOrNum::Owned(s)) if s.is_empty() => Ok(None),
        Some(v) => to_decimal(v).map(Some),
    }
}

/// Serde: an integer from a JSON number or a numeric string (`"1693427319838"`).
pub fn de_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match StrOrNum::deserialize(d)? {
        StrOrNum::Str(s) => s.parse().map_err(de::Error::custom),
        StrOrNum::Owned(s) => s.parse().map_err(de::Error::custom),
        StrOrNum::I(i) => Ok(i),
        StrOrNum::U(u) => i64::try_from(u).map_err(de::Error::custom),
        StrOrNum::F(_) => Err(de::Error::custom("expected an integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "de_decimal")]
        a: Decimal,
        #[serde(default, deserialize_with = "de_opt_decimal")]
        b: Option<Decimal>,
        #[serde(deserialize_with = "de_i64_lenient")]
        c: i64,
    }

    #[test]
    fn strings_and_numbers_parse_exactly() {
        let t: T = serde_json::from_str(r#"{"a":"0.00100000","b":"","c":"17"}"#).expect("t");
        assert_eq!(t.a, Decimal::new(1, 3));
        assert_eq!(t.a.to_string(), "0.00100000");
        assert_eq!(t.b, None);
        assert_eq!(t.c, 17);
        let t: T = serde_json::from_str(r#"{"a":5,"c":3}"#).expect("t");
        assert_eq!(t.a, Decimal::from(5));
        assert!(serde_json::from_str::<T>(r#"{"a":"x","c":1}"#).is_err());
        assert_eq!(parse_decimal("1e-3"), Some(Decimal::new(1, 3)));
    }
}
