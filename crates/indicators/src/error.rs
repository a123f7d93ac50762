//! Construction errors.

use std::fmt;

/// Why an indicator could not be constructed. The message names the offending parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndicatorError {
    /// A period (number of inputs) was zero; every period must be at least 1.
    ZeroPeriod {
        /// The parameter's name, e.g. `"period"` or `"slow"`.
        param: &'static str,
    },
    /// A parameter is out of its range; `reason` says what the range is.
    InvalidParameter {
        /// The parameter's name.
        param: &'static str,
        /// What is wrong, e.g. `"must be finite"`.
        reason: &'static str,
    },
}

impl fmt::Display for IndicatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroPeriod { param } => {
                write!(f, "indicator parameter `{param}` must be at least 1, got 0")
            }
            Self::InvalidParameter { param, reason } => {
                write!(f, "indicator parameter `{param}` {reason}")
            }
        }
    }
}

impl std::error::Error for IndicatorError {}

/// Checks a period: at least 1.
pub(crate) fn period(param: &'static str, value: usize) -> Result<usize, IndicatorError> {
    if value == 0 {
        Err(IndicatorError::ZeroPeriod { param })
    } else {
        Ok(value)
    }
}
