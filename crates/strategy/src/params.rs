//! Named numeric parameters: what a sweep varies and what a rule template substitutes.

use std::collections::BTreeMap;

/// A parameter error, naming the parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("parameter {0:?} is missing")]
    Missing(String),
    #[error("parameter {name:?} is {value}, expected {expected}")]
    Invalid {
        name: String,
        value: f64,
        expected: String,
    },
    #[error("parameter {name:?}: {message}")]
    BadRange { name: String, message: String },
}

/// One value per parameter name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ParamSet(pub BTreeMap<String, f64>);

impl ParamSet {
    /// A set from `(name, value)` pairs.
    pub fn of(pairs: &[(&str, f64)]) -> ParamSet {
        ParamSet(pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Result<f64, ParamError> {
        self.0
            .get(name)
            .copied()
            .ok_or_else(|| ParamError::Missing(name.to_owned()))
    }

    /// The value of `name` as a whole number of at least `min` (periods, counts).
    pub fn int(&self, name: &str, min: u32) -> Result<u32, ParamError> {
        let v = self.get(name)?;
        if v.fract() != 0.0 || v < f64::from(min) || v > f64::from(u32::MAX) {
            return Err(ParamError::Invalid {
                name: name.to_owned(),
                value: v,
                expected: format!("a whole number >= {min}"),
            });
        }
        Ok(v as u32)
    }

    /// `name = value` pairs joined by ", " (for tables and logs).
    pub fn label(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The values a sweep tries for one parameter: `min`, `min + step`, ... up to `max` inclusive.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ParamSpec {
    pub name: String,
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl ParamSpec {
    /// A spec; see the type docs.
    pub fn new(name: &str, min: f64, max: f64, step: f64) -> ParamSpec {
        ParamSpec {
            name: name.to_owned(),
            min,
            max,
            step,
        }
    }

    /// The grid of values, or an error naming the parameter when the range is empty or
    /// the step is not positive.
    pub fn values(&self) -> Result<Vec<f64>, ParamError> {
        let bad = |message: &str| ParamError::BadRange {
            name: self.name.clone(),
            message: message.to_owned(),
        };
        if !(self.min.is_finite() && self.max.is_finite() && self.step.is_finite()) {
            return Err(bad("min, max and step must be numbers"));
        }
        if self.step <= 0.0 {
            return Err(bad("step must be positive"));
        }
        if self.max < self.min {
            return Err(bad("max is below min"));
        }
        let n = ((self.max - self.min) / self.step + 1e-9).floor() as usize + 1;
        if n > 100_000 {
            return Err(bad("more than 100,000 values"));
        }
        // Computed from the index (not by repeated addition) so 0.1 steps do not drift.
        Ok((0..n)
            .map(|i| {
                let v = self.min + self.step * i as f64;
                (v * 1e9).round() / 1e9
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_include_both_ends_without_drift() {
        let v = ParamSpec::new("k", 0.1, 0.5, 0.1).values().unwrap();
        assert_eq!(v, vec![0.1, 0.2, 0.3, 0.4, 0.5]);
        assert_eq!(
            ParamSpec::new("fast", 5.0, 50.0, 5.0)
                .values()
                .unwrap()
                .len(),
            10
        );
    }

    #[test]
    fn bad_ranges_name_the_parameter() {
        let e = ParamSpec::new("slow", 10.0, 5.0, 1.0).values().unwrap_err();
        assert_eq!(e.to_string(), "parameter \"slow\": max is below min");
        let e = ParamSpec::new("slow", 1.0, 5.0, 0.0).values().unwrap_err();
        assert!(e.to_string().contains("step must be positive"));
    }

    #[test]
    fn int_parameters_must_be_whole() {
        let p = ParamSet::of(&[("fast", 10.0), ("slow", 2.5)]);
        assert_eq!(p.int("fast", 1).unwrap(), 10);
        assert!(p.int("slow", 1).unwrap_err().to_string().contains("whole"));
        assert_eq!(
            p.int("nope", 1).unwrap_err(),
            ParamError::Missing("nope".into())
        );
    }
}
