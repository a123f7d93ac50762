//! Construction errors, warm-up, reset, VWAP and OBV behaviour on the committed candles.

mod common;

use common::{assert_matches, candles};
use keel_indicators::{
    Atr, Bollinger, Ema, Indicator, IndicatorError, Macd, Obv, PriceVolume, Rsi, Sma, Stoch, Vwap,
    Wma,
};

#[test]
fn zero_periods_are_rejected_with_the_parameter_name() {
    let errs: Vec<IndicatorError> = vec![
        Sma::new(0).expect_err("sma"),
        Ema::new(0).expect_err("ema"),
        Wma::new(0).expect_err("wma"),
        Rsi::new(0).expect_err("rsi"),
        Atr::new(0).expect_err("atr"),
        Bollinger::new(0, 2.0, 2.0).expect_err("bb"),
    ];
    for e in &errs {
        assert_eq!(*e, IndicatorError::ZeroPeriod { param: "period" });
        assert_eq!(
            e.to_string(),
            "indicator parameter `period` must be at least 1, got 0"
        );
    }
    assert_eq!(
        Macd::new(12, 0, 9).expect_err("slow").to_string(),
        "indicator parameter `slow` must be at least 1, got 0"
    );
    assert_eq!(
        Stoch::new(5, 3, 0).expect_err("slowd"),
        IndicatorError::ZeroPeriod { param: "slowd" }
    );
    let e = Macd::new(26, 12, 9).expect_err("fast > slow");
    assert!(e.to_string().contains("`fast`"), "{e}");
    let e = Bollinger::new(20, f64::NAN, 2.0).expect_err("nan k");
    assert!(e.to_string().contains("`k_up`"), "{e}");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
}

#[test]
fn vwap_is_the_session_volume_weighted_price() {
    let candles = candles();
    let inputs: Vec<PriceVolume> = candles
        .iter()
        .map(|c| PriceVolume {
            price: (c.high + c.low + c.close) / 3.0,
            volume: c.volume,
        })
        .collect();
    let mut vwap = Vwap::new();
    let got: Vec<Option<f64>> = inputs.iter().map(|&x| vwap.update(x)).collect();
    // Straightforward reference: re-sum the whole session at every bar.
    let want: Vec<Option<f64>> = (0..inputs.len())
        .map(|i| {
            let pv: f64 = inputs[..=i].iter().map(|x| x.price * x.volume).sum();
            let v: f64 = inputs[..=i].iter().map(|x| x.volume).sum();
            (v > 0.0).then(|| pv / v)
        })
        .collect();
    assert_matches("VWAP", &got, &want, 1e-12);
    // Reset starts a new session.
    vwap.reset();
    assert_eq!(
        vwap.update(PriceVolume {
            price: 5.0,
            volume: 0.0
        }),
        None,
        "no volume yet"
    );
    assert_eq!(
        vwap.update(PriceVolume {
            price: 7.0,
            volume: 2.0
        }),
        Some(7.0)
    );
    assert_eq!(
        vwap.update(PriceVolume {
            price: 10.0,
            volume: 1.0
        }),
        Some(8.0)
    );
}

#[test]
fn obv_starts_at_the_first_volume() {
    use keel_indicators::CloseVolume as Cv;
    let mut obv = Obv::new();
    assert_eq!(
        obv.update(Cv {
            close: 10.0,
            volume: 5.0
        }),
        Some(5.0)
    );
    assert_eq!(
        obv.update(Cv {
            close: 11.0,
            volume: 2.0
        }),
        Some(7.0)
    );
    assert_eq!(
        obv.update(Cv {
            close: 11.0,
            volume: 9.0
        }),
        Some(7.0)
    );
    assert_eq!(
        obv.update(Cv {
            close: 9.0,
            volume: 3.0
        }),
        Some(4.0)
    );
}

#[test]
fn warmup_matches_the_first_output_and_reset_replays() {
    let closes: Vec<f64> = candles().iter().map(|c| c.close).take(400).collect();
    fn check<I: Indicator<Input = f64>>(mut ind: I, xs: &[f64]) -> usize
    where
        I::Output: PartialEq + std::fmt::Debug,
    {
        let a: Vec<_> = xs.iter().map(|&x| ind.update(x)).collect();
        ind.reset();
        let b: Vec<_> = xs.iter().map(|&x| ind.update(x)).collect();
        assert_eq!(a, b, "reset replays identically");
        let first = a.iter().position(Option::is_some).expect("warms up");
        assert_eq!(first, ind.warmup());
        assert!(
            a[first..].iter().all(Option::is_some),
            "one output per input once warm"
        );
        first
    }
    assert_eq!(check(Sma::new(1).expect("p"), &closes), 0);
    assert_eq!(check(Ema::new(10).expect("p"), &closes), 9);
    assert_eq!(check(Wma::new(7).expect("p"), &closes), 6);
    assert_eq!(check(Rsi::new(14).expect("p"), &closes), 14);
    assert_eq!(check(Rsi::new(1).expect("p"), &closes), 1);
    assert_eq!(check(Macd::new(12, 26, 9).expect("p"), &closes), 33);
    assert_eq!(check(Bollinger::new(20, 2.0, 2.0).expect("p"), &closes), 19);
}

#[test]
fn bollinger_is_zero_width_on_a_flat_window_and_exact_on_a_known_one() {
    let mut bb = Bollinger::new(4, 2.0, 1.0).expect("valid");
    let mut last = None;
    for _ in 0..10 {
        last = bb.update(0.0912);
    }
    let out = last.expect("warm");
    assert_eq!(out.upper - out.middle, 0.0);
    // Window 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and population stddev 2.
    let mut bb = Bollinger::new(8, 2.0, 1.0).expect("valid");
    let out = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0].map(|x| bb.update(x))[7].expect("warm");
    assert_eq!((out.upper, out.middle, out.lower), (9.0, 5.0, 3.0));
}
