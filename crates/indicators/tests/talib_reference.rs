//! Every TA-Lib-matched indicator against TA-Lib's own output on real candles
//! (`tests/fixtures/*.json`, made by `reference/make_reference.py`): identical warm-up
//! alignment and every value within 1e-9 relative.

mod common;

use common::{Candle, assert_matches, candles, fixture, param, series};
use keel_indicators::{
    Atr, Bollinger, CloseVolume, Ema, Hlc, Indicator, Macd, Obv, Rsi, Sma, Stoch, Wma,
};

const TOL: f64 = 1e-9;

fn closes() -> Vec<f64> {
    candles().iter().map(|c| c.close).collect()
}

fn hlc(c: &Candle) -> Hlc {
    Hlc {
        high: c.high,
        low: c.low,
        close: c.close,
    }
}

fn run<I: Indicator>(
    mut ind: I,
    inputs: impl IntoIterator<Item = I::Input>,
) -> Vec<Option<I::Output>> {
    let out: Vec<_> = inputs.into_iter().map(|x| ind.update(x)).collect();
    let first = out.iter().position(Option::is_some);
    assert_eq!(first, Some(ind.warmup()), "warmup() names the first output");
    out
}

fn field<T: Copy>(out: &[Option<T>], f: impl Fn(T) -> f64) -> Vec<Option<f64>> {
    out.iter().map(|o| o.map(&f)).collect()
}

fn check_single<I: Indicator<Input = f64, Output = f64>>(name: &str, make: impl Fn(usize) -> I) {
    let closes = closes();
    let cases = fixture(name);
    assert!(cases.len() >= 2);
    for (params, out) in cases {
        let p = param(&params, "period");
        let got = run(make(p), closes.iter().copied());
        assert_matches(&format!("{name}({p})"), &got, &series(&out, "real"), TOL);
    }
}

#[test]
fn sma_matches_talib() {
    check_single("sma", |p| Sma::new(p).expect("valid"));
}

#[test]
fn ema_matches_talib() {
    check_single("ema", |p| Ema::new(p).expect("valid"));
}

#[test]
fn wma_matches_talib() {
    check_single("wma", |p| Wma::new(p).expect("valid"));
}

#[test]
fn rsi_matches_talib() {
    check_single("rsi", |p| Rsi::new(p).expect("valid"));
}

/// MACD is compared with a tolerance scaled by its operands, not by its own value:
/// `|keel - talib| <= 1e-9 * max(|talib|, |ema_slow|)`, where `ema_slow` is the slow EMA (the
/// price level) at the same input. Why: the MACD line is `EMA(fast) - EMA(slow)`, a difference
/// of two nearly equal numbers. Keel's EMAs (unfused multiply-add form) and TA-Lib 0.8's (fused
/// `fma(x - ema, k, ema)`, one rounding fewer) each agree within a few ulps of the price, and
/// that absolute difference survives the subtraction unchanged. Near a zero crossing the line is
/// arbitrarily small, so a few ulps of the price become a large fraction of it (up to ~1e-7 of
/// the line here); a relative error of a near-zero difference says nothing about either EMA.
/// The signal line and the histogram are built from the MACD line, so they carry the same
/// absolute error and get the same scale. Away from zero crossings (`|talib| >= |ema_slow|`)
/// this is exactly the usual 1e-9 relative check; the test also reports the worst difference
/// as a fraction of the price level, which is far below the bound.
fn assert_macd_line(label: &str, got: &[Option<f64>], want: &[Option<f64>], scale: &[f64]) {
    assert_eq!(got.len(), want.len(), "{label}: length");
    assert_eq!(
        got.iter().position(Option::is_some),
        want.iter().position(Option::is_some),
        "{label}: first output index"
    );
    let (mut worst_scaled, mut worst_rel) = (0.0_f64, 0.0_f64);
    let mut compared = 0;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                let bound = w.abs().max(scale[i].abs());
                assert!(bound > 0.0, "{label}[{i}]: the price level is positive");
                let scaled = (g - w).abs() / bound;
                assert!(
                    scaled <= TOL,
                    "{label}[{i}]: got {g:e}, TA-Lib {w:e}, difference {scaled:e} of max(|talib|, |ema_slow| = {:e})",
                    scale[i]
                );
                worst_scaled = worst_scaled.max(scaled);
                worst_rel = worst_rel.max(common::rel(*g, *w));
                compared += 1;
            }
            _ => panic!("{label}[{i}]: got {g:?}, TA-Lib {w:?}"),
        }
    }
    assert!(compared > 0, "{label}: the fixture has values");
    eprintln!(
        "{label}: {compared} values, worst difference {worst_scaled:e} of the operand scale \
         (relative to the line itself: {worst_rel:e})"
    );
}

#[test]
fn macd_matches_talib() {
    let closes = closes();
    for (params, out) in fixture("macd") {
        let (f, s, g) = (
            param(&params, "fast"),
            param(&params, "slow"),
            param(&params, "signal"),
        );
        let got = run(Macd::new(f, s, g).expect("valid"), closes.iter().copied());
        // The slow EMA at each input: the size of the MACD line's operands (the price level).
        let mut slow = Ema::new(s).expect("valid");
        let scale: Vec<f64> = closes
            .iter()
            .map(|&x| slow.update(x).unwrap_or(f64::NAN))
            .collect();
        let label = format!("MACD({f},{s},{g})");
        assert_macd_line(
            &format!("{label}.macd"),
            &field(&got, |o| o.macd),
            &series(&out, "macd"),
            &scale,
        );
        assert_macd_line(
            &format!("{label}.signal"),
            &field(&got, |o| o.signal),
            &series(&out, "signal"),
            &scale,
        );
        assert_macd_line(
            &format!("{label}.hist"),
            &field(&got, |o| o.hist),
            &series(&out, "hist"),
            &scale,
        );
    }
}

#[test]
fn bollinger_matches_talib() {
    let closes = closes();
    for (params, out) in fixture("bbands") {
        let p = param(&params, "period");
        let up = params["k_up"].as_f64().expect("k_up");
        let dn = params["k_down"].as_f64().expect("k_down");
        let got = run(
            Bollinger::new(p, up, dn).expect("valid"),
            closes.iter().copied(),
        );
        let label = format!("BBANDS({p},{up},{dn})");
        assert_matches(
            &format!("{label}.upper"),
            &field(&got, |o| o.upper),
            &series(&out, "upper"),
            TOL,
        );
        assert_matches(
            &format!("{label}.middle"),
            &field(&got, |o| o.middle),
            &series(&out, "middle"),
            TOL,
        );
        assert_matches(
            &format!("{label}.lower"),
            &field(&got, |o| o.lower),
            &series(&out, "lower"),
            TOL,
        );
    }
}

#[test]
fn atr_matches_talib() {
    let candles = candles();
    for (params, out) in fixture("atr") {
        let p = param(&params, "period");
        let got = run(Atr::new(p).expect("valid"), candles.iter().map(hlc));
        assert_matches(&format!("ATR({p})"), &got, &series(&out, "real"), TOL);
    }
}

#[test]
fn stoch_matches_talib() {
    let candles = candles();
    for (params, out) in fixture("stoch") {
        let (fk, sk, sd) = (
            param(&params, "fastk"),
            param(&params, "slowk"),
            param(&params, "slowd"),
        );
        let got = run(
            Stoch::new(fk, sk, sd).expect("valid"),
            candles.iter().map(hlc),
        );
        let label = format!("STOCH({fk},{sk},{sd})");
        assert_matches(
            &format!("{label}.k"),
            &field(&got, |o| o.k),
            &series(&out, "k"),
            TOL,
        );
        assert_matches(
            &format!("{label}.d"),
            &field(&got, |o| o.d),
            &series(&out, "d"),
            TOL,
        );
    }
}

#[test]
fn obv_matches_talib() {
    let candles = candles();
    for (_, out) in fixture("obv") {
        let inputs = candles.iter().map(|c| CloseVolume {
            close: c.close,
            volume: c.volume,
        });
        let got = run(Obv::new(), inputs);
        assert_matches("OBV", &got, &series(&out, "real"), TOL);
    }
}

#[test]
fn reset_replays_identically() {
    let closes = closes();
    let mut macd = Macd::new(12, 26, 9).expect("valid");
    let first: Vec<_> = closes.iter().map(|&x| macd.update(x)).collect();
    macd.reset();
    let second: Vec<_> = closes.iter().map(|&x| macd.update(x)).collect();
    assert_eq!(first, second);
    let candles = candles();
    let mut stoch = Stoch::new(14, 3, 3).expect("valid");
    let first: Vec<_> = candles.iter().map(|c| stoch.update(hlc(c))).collect();
    stoch.reset();
    let second: Vec<_> = candles.iter().map(|c| stoch.update(hlc(c))).collect();
    assert_eq!(first, second);
}
