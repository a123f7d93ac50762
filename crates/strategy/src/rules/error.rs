//! Rule errors: where in the spec, and what is wrong, in words a trader understands.

use std::fmt;

/// One problem in a rule spec. `path` is JSON-pointer-like (`entry.all[1].crossesAbove.left`,
/// `indicators[0].params.period`); for JSON that does not parse it is `line L, column C`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleError {
    pub path: String,
    pub message: String,
}

impl RuleError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> RuleError {
        RuleError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for RuleError {}

/// All errors, one per line (for logs, the CLI and single-message UIs).
pub fn join_errors(errors: &[RuleError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The closest of `candidates` to `name` when it is a plausible typo (edit distance <= 2).
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= 2 && *d < name.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["fast", "slow", "rsi"];
        assert_eq!(did_you_mean("fsat", names.iter().copied()), Some("fast"));
        assert_eq!(did_you_mean("slwo", names.iter().copied()), Some("slow"));
        assert_eq!(did_you_mean("volume", names.iter().copied()), None);
        assert_eq!(did_you_mean("q", ["p"].iter().copied()), None);
    }
}
