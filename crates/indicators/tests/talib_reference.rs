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
        let label = format!("MACD({f},{s},{g})");
        assert_matches(
            &format!("{label}.macd"),
            &field(&got, |o| o.macd),
            &series(&out, "macd"),
            TOL,
        );
        assert_matches(
            &format!("{label}.signal"),
            &field(&got, |o| o.signal),
            &series(&out, "signal"),
            TOL,
        );
        assert_matches(
            &format!("{label}.hist"),
            &field(&got, |o| o.hist),
            &series(&out, "hist"),
            TOL,
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
