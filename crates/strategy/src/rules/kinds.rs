//! The indicator kinds a rule may use: their parameters, outputs and construction.

use keel_indicators::{
    Atr, Bollinger, Ema, IndicatorError, Macd, Obv, Rsi, Sma, Stoch, TimeWeightedPrice, Velocity,
    VolumeSurge, Vwap, Wma,
};

/// How a kind's numeric parameter is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// A whole number of bars, 1 to [`MAX_PERIOD`].
    Period,
    /// A whole number of seconds ago, 0 to ten years.
    Seconds,
    /// Any finite number.
    Real,
}

/// Longest period accepted (indicators keep a buffer of that many values).
pub(crate) const MAX_PERIOD: f64 = 1_000_000.0;
const MAX_SECONDS: f64 = 10.0 * 366.0 * 24.0 * 3600.0;

/// One parameter of a kind: name, check, default (`None` = required).
pub(crate) type KindParam = (&'static str, ParamKind, Option<f64>);

/// An indicator kind.
#[derive(Debug)]
pub(crate) struct Kind {
    pub name: &'static str,
    pub params: &'static [KindParam],
    /// Output names; empty = one output, referenced by the bare id.
    pub outputs: &'static [&'static str],
    /// Whether it reads `source` (false: reads the bar's high, low and close).
    pub uses_source: bool,
    /// The source when none is given.
    pub default_source: &'static str,
}

impl Kind {
    /// Number of value slots it writes.
    pub fn width(&self) -> usize {
        self.outputs.len().max(1)
    }
}

use ParamKind::{Period, Real, Seconds};

const fn k(
    name: &'static str,
    params: &'static [KindParam],
    outputs: &'static [&'static str],
    uses_source: bool,
    default_source: &'static str,
) -> Kind {
    Kind {
        name,
        params,
        outputs,
        uses_source,
        default_source,
    }
}

const WINDOWS: &[KindParam] = &[
    ("recentT1", Seconds, None),
    ("recentT2", Seconds, Some(0.0)),
    ("baseT1", Seconds, None),
    ("baseT2", Seconds, None),
];

/// Every kind, in the order error messages list them.
pub(crate) static KINDS: &[Kind] = &[
    k("sma", &[("period", Period, None)], &[], true, "close"),
    k("ema", &[("period", Period, None)], &[], true, "close"),
    k("wma", &[("period", Period, None)], &[], true, "close"),
    k("rsi", &[("period", Period, Some(14.0))], &[], true, "close"),
    k(
        "macd",
        &[
            ("fast", Period, Some(12.0)),
            ("slow", Period, Some(26.0)),
            ("signal", Period, Some(9.0)),
        ],
        &["macd", "signal", "hist"],
        true,
        "close",
    ),
    k(
        "bollinger",
        &[
            ("period", Period, Some(20.0)),
            ("kUp", Real, Some(2.0)),
            ("kDown", Real, Some(2.0)),
        ],
        &["upper", "middle", "lower"],
        true,
        "close",
    ),
    k("atr", &[("period", Period, Some(14.0))], &[], false, ""),
    k(
        "stoch",
        &[
            ("fastK", Period, Some(5.0)),
            ("slowK", Period, Some(3.0)),
            ("slowD", Period, Some(3.0)),
        ],
        &["k", "d"],
        false,
        "",
    ),
    k("vwap", &[], &[], true, "hlc3"),
    k("obv", &[], &[], true, "close"),
    k(
        "twp",
        &[("t1", Seconds, None), ("t2", Seconds, Some(0.0))],
        &[],
        true,
        "close",
    ),
    k("velocity", WINDOWS, &[], true, "close"),
    k("volumeSurge", WINDOWS, &[], true, "close"),
];

/// The kind named `name`.
pub(crate) fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// Checks one resolved parameter value; the message when it is out of range.
pub(crate) fn check_param(name: &str, kind: ParamKind, v: f64) -> Result<(), String> {
    match kind {
        Period if v.fract() != 0.0 || !(1.0..=MAX_PERIOD).contains(&v) => Err(format!(
            "{name} must be a whole number of bars from 1 to 1,000,000, got {v}"
        )),
        Seconds if v.fract() != 0.0 || !(0.0..=MAX_SECONDS).contains(&v) => Err(format!(
            "{name} must be a whole number of seconds ago from 0 to ten years, got {v}"
        )),
        Real if !v.is_finite() => Err(format!("{name} must be a finite number, got {v}")),
        _ => Ok(()),
    }
}

/// A constructed indicator.
#[derive(Debug, Clone)]
pub(crate) enum Ind {
    Sma(Sma),
    Ema(Ema),
    Wma(Wma),
    Rsi(Rsi),
    Macd(Macd),
    Bollinger(Bollinger),
    Atr(Atr),
    Stoch(Stoch),
    Vwap(Vwap),
    Obv(Obv),
    Twp(TimeWeightedPrice),
    Velocity(Velocity),
    VolumeSurge(VolumeSurge),
}

/// Kind-level checks across parameters (values already checked one by one), then construction.
/// `p` holds the values in the order of the kind's `params`.
pub(crate) fn build(kind: &Kind, p: &[f64]) -> Result<Ind, String> {
    let n = |i: usize| p[i] as usize;
    let s = |i: usize| p[i] as u64;
    let window = |a: &str, b: &str, t1: f64, t2: f64| -> Result<(), String> {
        if t1 <= t2 {
            Err(format!(
                "{a} ({t1}) must be greater than {b} ({t2}): windows are written in seconds ago \
                 from, to; (300, 0) is the last five minutes"
            ))
        } else {
            Ok(())
        }
    };
    let e = |e: IndicatorError| e.to_string();
    Ok(match kind.name {
        "sma" => Ind::Sma(Sma::new(n(0)).map_err(e)?),
        "ema" => Ind::Ema(Ema::new(n(0)).map_err(e)?),
        "wma" => Ind::Wma(Wma::new(n(0)).map_err(e)?),
        "rsi" => Ind::Rsi(Rsi::new(n(0)).map_err(e)?),
        "macd" => {
            if p[0] > p[1] {
                return Err(format!(
                    "fast ({}) must not be longer than slow ({})",
                    p[0], p[1]
                ));
            }
            Ind::Macd(Macd::new(n(0), n(1), n(2)).map_err(e)?)
        }
        "bollinger" => Ind::Bollinger(Bollinger::new(n(0), p[1], p[2]).map_err(e)?),
        "atr" => Ind::Atr(Atr::new(n(0)).map_err(e)?),
        "stoch" => Ind::Stoch(Stoch::new(n(0), n(1), n(2)).map_err(e)?),
        "vwap" => Ind::Vwap(Vwap::new()),
        "obv" => Ind::Obv(Obv::new()),
        "twp" => {
            window("t1", "t2", p[0], p[1])?;
            Ind::Twp(TimeWeightedPrice::new(s(0), s(1)).map_err(e)?)
        }
        "velocity" | "volumeSurge" => {
            window("recentT1", "recentT2", p[0], p[1])?;
            window("baseT1", "baseT2", p[2], p[3])?;
            if kind.name == "velocity" {
                Ind::Velocity(Velocity::new((s(0), s(1)), (s(2), s(3))).map_err(e)?)
            } else {
                Ind::VolumeSurge(VolumeSurge::new((s(0), s(1)), (s(2), s(3))).map_err(e)?)
            }
        }
        other => return Err(format!("unknown indicator kind {other:?}")),
    })
}
