//! The JSON shape of a rule strategy (version 1). See the module docs of [`crate::rules`].

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// The only spec version this build reads and writes.
pub const SPEC_VERSION: u32 = 1;

/// A strategy defined as data. Parse with [`RuleSpec::from_json`], check with
/// [`RuleSpec::validate`], run with [`RuleSpec::compile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    /// Format version; must be [`SPEC_VERSION`].
    pub version: u32,
    /// What the trader calls it.
    pub name: String,
    /// What it does, in words.
    #[serde(default)]
    pub description: String,
    /// Long (buy to enter) or short (sell to enter).
    pub direction: Direction,
    /// Named numbers the rest of the spec may use as `"${name}"` (what sweeps vary).
    #[serde(default)]
    pub parameters: Vec<ParamDef>,
    /// Indicator instances, computed in this order on every bar.
    #[serde(default)]
    pub indicators: Vec<IndicatorDef>,
    /// When to open a position (evaluated while flat).
    pub entry: Condition,
    /// When to close it at market (evaluated while in a position). Optional when a stop-loss,
    /// take-profit or trailing stop gives the position a way out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<Condition>,
    /// How much each entry trades.
    pub sizing: SizingDef,
    /// Stop-loss, percent below (long) / above (short) the entry price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_loss_pct: Option<Value>,
    /// Take-profit, percent above (long) / below (short) the entry price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_profit_pct: Option<Value>,
    /// Trailing stop, percent below (long) / above (short) the best price since entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailing_stop_pct: Option<Value>,
}

/// Which way the strategy trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Long,
    Short,
}

/// A strategy parameter: its default and the range a sweep may try.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParamDef {
    /// Referenced elsewhere as `"${name}"`.
    pub name: String,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Grid step for sweeps (default 1).
    #[serde(default = "one")]
    pub step: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// One indicator instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndicatorDef {
    /// The name conditions use (`"fast"`, or `"bb.upper"` for one output of several).
    pub id: String,
    /// `sma`, `ema`, `wma`, `rsi`, `macd`, `bollinger`, `atr`, `stoch`, `vwap`, `obv`, `twp`,
    /// `velocity` or `volumeSurge`.
    pub kind: String,
    /// What it reads: a price field (`close` by default) or the output of an indicator declared
    /// earlier. Ignored by `atr` and `stoch` (they read high, low and close).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Kind-specific numbers, literal or `"${parameter}"`.
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

/// How much an entry trades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum SizingDef {
    /// A fixed base-asset quantity.
    Units(Value),
    /// A quote-asset amount.
    Quote(Value),
    /// A fraction (0 to 1] of equity.
    EquityFraction(Value),
}

/// A condition tree. JSON keys: `all`, `any`, `not`, `>`, `>=`, `<`, `<=` (or `gt`, `gte`, `lt`,
/// `lte`), `crossesAbove`, `crossesBelow`, `between`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Condition {
    /// Every child holds.
    All(Vec<Condition>),
    /// At least one child holds.
    Any(Vec<Condition>),
    /// The child does not hold.
    Not(Box<Condition>),
    #[serde(rename = ">", alias = "gt")]
    Gt(Pair),
    #[serde(rename = ">=", alias = "gte")]
    Gte(Pair),
    #[serde(rename = "<", alias = "lt")]
    Lt(Pair),
    #[serde(rename = "<=", alias = "lte")]
    Lte(Pair),
    /// `left` was at or below `right` on the previous bar and is above it now.
    CrossesAbove(Pair),
    /// `left` was at or above `right` on the previous bar and is below it now.
    CrossesBelow(Pair),
    /// `min <= value <= max` (a threshold band).
    Between(Band),
}

/// The two operands of a comparison or cross.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pair {
    pub left: Value,
    pub right: Value,
}

/// The operands of `between`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Band {
    pub value: Value,
    pub min: Value,
    pub max: Value,
}

/// A number, or a name: an indicator output (`"fast"`, `"macd.signal"`), a price field
/// (`"close"`), or a parameter reference (`"${fast}"`). Where only numbers make sense (indicator
/// params, sizing, percentages) a name must be a parameter reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Name(String),
}

impl Value {
    /// The parameter name of a `"${name}"` reference.
    pub fn param_ref(&self) -> Option<&str> {
        match self {
            Value::Name(s) => s.strip_prefix("${").and_then(|r| r.strip_suffix('}')),
            Value::Number(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Name(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Number(n) => s.serialize_f64(*n),
            Value::Name(name) => s.serialize_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a name such as \"close\", \"fast\" or \"${period}\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Name(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}
