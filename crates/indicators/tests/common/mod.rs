//! Shared test helpers: the committed candle CSV and the TA-Lib fixtures.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

/// One candle of the committed test data.
#[derive(Debug, Clone, Copy)]
pub struct Candle {
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The Binance ETH/BTC 5-minute candles in `tests/data/`.
pub fn candles() -> Vec<Candle> {
    let text = std::fs::read_to_string(crate_path("tests/data/binance_ETHBTC_5m_2018-01.csv"))
        .expect("read candle csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (h, l, c, v) = (col("high"), col("low"), col("close"), col("volume"));
    lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let f: Vec<f64> = line
                .split(',')
                .map(|x| x.parse().expect("number"))
                .collect();
            Candle {
                high: f[h],
                low: f[l],
                close: f[c],
                volume: f[v],
            }
        })
        .collect()
}

/// The cases of `tests/fixtures/<name>.json`: (params, outputs by name).
pub fn fixture(name: &str) -> Vec<(Value, Value)> {
    let path = crate_path(&format!("tests/fixtures/{name}.json"));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read fixture")).expect("json");
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (c["params"].clone(), c["out"].clone()))
        .collect()
}

/// One output series of a fixture case: `None` where TA-Lib wrote NaN.
pub fn series(out: &Value, key: &str) -> Vec<Option<f64>> {
    out[key]
        .as_array()
        .expect("series")
        .iter()
        .map(Value::as_f64)
        .collect()
}

/// Reads an integer parameter.
pub fn param(params: &Value, key: &str) -> usize {
    params[key].as_u64().expect("integer param") as usize
}

/// Relative difference, 0 when both are equal (including both 0).
pub fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// Asserts identical warm-up alignment and every value within `tol` relative.
pub fn assert_matches(label: &str, got: &[Option<f64>], want: &[Option<f64>], tol: f64) {
    assert_eq!(got.len(), want.len(), "{label}: length");
    let first_got = got.iter().position(Option::is_some);
    let first_want = want.iter().position(Option::is_some);
    assert_eq!(first_got, first_want, "{label}: first output index");
    let mut worst = 0.0_f64;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                let r = rel(*g, *w);
                assert!(
                    r <= tol,
                    "{label}[{i}]: got {g:e}, TA-Lib {w:e}, relative {r:e}"
                );
                worst = worst.max(r);
            }
            _ => panic!("{label}[{i}]: got {g:?}, TA-Lib {w:?}"),
        }
    }
    assert!(first_want.is_some(), "{label}: the fixture has values");
    eprintln!(
        "{label}: {} values, worst relative difference {worst:e}",
        want.len()
    );
}
