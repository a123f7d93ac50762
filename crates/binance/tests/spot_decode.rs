//! The fast aggTrade decoder equals the serde reference path on generated messages, edge cases
//! and malformed input (and never panics).

use keel_binance::spot::fast::{decode_agg_trade, decode_agg_trade_serde, scan_agg_trade};
use proptest::prelude::*;

fn decimal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Realistic: digits, a dot, up to 8 decimals (trailing zeros kept).
        (0u64..10_000_000, 0u32..9).prop_map(|(int, frac_digits)| {
            if frac_digits == 0 {
                int.to_string()
            } else {
                format!(
                    "{int}.{:0width$}",
                    int % 10u64.pow(frac_digits.min(8)),
                    width = frac_digits as usize
                )
            }
        }),
        // Anything decimal-ish, including odd forms the fast path must leave to serde.
        "[0-9]{0,22}(\\.[0-9]{0,30})?",
        "-?[0-9]{1,3}(e-?[0-9])?",
        Just(".5".to_string()),
        Just("5.".to_string()),
        Just("".to_string()),
        Just("00012.3400".to_string()),
        Just("79228162514264337593543950335".to_string()),
        Just("0.0000000000000000000000000001".to_string()),
    ]
}

fn int_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..u64::MAX).prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_string()),
        Just("-1".to_string()),
        Just("01".to_string()),
        Just("1.0".to_string()),
        Just("1e3".to_string()),
        Just("\"7\"".to_string()),
    ]
}

fn message() -> impl Strategy<Value = String> {
    (
        "[A-Z]{3,10}",
        int_text(),
        decimal_text(),
        decimal_text(),
        int_text(),
        any::<bool>(),
        any::<bool>(),
        0usize..8,
        prop_oneof![Just("aggTrade"), Just("trade"), Just("aggTrad")],
    )
        .prop_map(|(sym, a, p, q, t, m, shuffle, drop, e)| {
            let mut fields = vec![
                format!(r#""e":"{e}""#),
                r#""E":1672515782136"#.to_string(),
                format!(r#""s":"{sym}""#),
                format!(r#""a":{a}"#),
                format!(r#""p":"{p}""#),
                format!(r#""q":"{q}""#),
                r#""f":100"#.to_string(),
                r#""l":105"#.to_string(),
                format!(r#""T":{t}"#),
                format!(r#""m":{m}"#),
                r#""M":true"#.to_string(),
            ];
            if shuffle {
                fields.reverse();
            }
            if drop < fields.len() && drop % 3 == 0 {
                fields.remove(drop);
            }
            format!("{{{}}}", fields.join(","))
        })
}

fn same(msg: &str) -> Result<(), TestCaseError> {
    let reference = decode_agg_trade_serde(msg);
    let decoded = decode_agg_trade(msg);
    prop_assert_eq!(decoded.is_ok(), reference.is_ok(), "{}", msg);
    if let (Ok(d), Ok(r)) = (&decoded, &reference) {
        prop_assert_eq!(d, r, "{}", msg);
        // Same scale, not only the same value.
        prop_assert_eq!(d.trade.price.to_string(), r.trade.price.to_string());
        prop_assert_eq!(d.trade.qty.to_string(), r.trade.qty.to_string());
    }
    if let Some(fast) = scan_agg_trade(msg) {
        let r = reference.as_ref().map_err(|e| {
            TestCaseError::fail(format!("fast accepted what serde refuses: {msg} ({e:?})"))
        })?;
        prop_assert_eq!(&fast, r);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn fast_equals_serde_on_generated_messages(msg in message()) {
        same(&msg)?;
    }

    #[test]
    fn truncated_or_mutated_messages_never_panic_and_agree(
        msg in message(), cut in 0usize..200, pos in 0usize..200, byte in 32u8..127
    ) {
        let cut_at = cut.min(msg.len());
        same(&msg[..cut_at])?;
        let mut bytes = msg.into_bytes();
        if !bytes.is_empty() {
            let i = pos % bytes.len();
            bytes[i] = byte;
        }
        let mutated = String::from_utf8(bytes).expect("ascii");
        same(&mutated)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        same(&text)?;
    }
}

#[test]
fn realistic_messages_take_the_fast_path() {
    let m = r#"{"e":"aggTrade","E":1672515782136,"s":"BTCUSDT","a":3001234567,"p":"64321.57000000","q":"0.01200000","f":100,"l":105,"T":1672515782136,"m":false,"M":true}"#;
    let fast = scan_agg_trade(m).expect("fast path");
    assert_eq!(fast.trade.price.to_string(), "64321.57000000");
    assert_eq!(fast, decode_agg_trade_serde(m).expect("serde"));
    for edge in [
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true,"x":null,"y":[1]}"#,
        r#"{ "e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true}"#,
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true}   "#,
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":-5,"m":true}"#,
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":tru}"#,
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true,}"#,
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1.5.5","q":"1","T":1,"m":true}"#,
        r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true,"M":1.}"#,
        "",
        "{",
        "[]",
        "null",
    ] {
        same(edge).expect(edge);
    }
}
