//! Built-in templates: rule specs shipped with Keel (`crates/strategy/templates/*.json`).

use super::error::RuleError;
use super::spec::RuleSpec;

/// A built-in rule strategy to start from.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Stable identifier (the file name without `.json`), stored with strategies made from it.
    pub id: &'static str,
    /// Grouping for the UI (`trend`, `mean reversion`, `breakout`).
    pub category: &'static str,
    /// The spec as shipped.
    pub json: &'static str,
}

impl Template {
    /// The parsed spec.
    pub fn spec(&self) -> Result<RuleSpec, Vec<RuleError>> {
        RuleSpec::from_json(self.json)
    }
}

const ALL: &[Template] = &[
    Template {
        id: "sma_cross",
        category: "trend",
        json: include_str!("../../templates/sma_cross.json"),
    },
    Template {
        id: "ema_cross",
        category: "trend",
        json: include_str!("../../templates/ema_cross.json"),
    },
    Template {
        id: "macd_cross",
        category: "trend",
        json: include_str!("../../templates/macd_cross.json"),
    },
    Template {
        id: "rsi_mean_reversion",
        category: "mean reversion",
        json: include_str!("../../templates/rsi_mean_reversion.json"),
    },
    Template {
        id: "bollinger_breakout",
        category: "breakout",
        json: include_str!("../../templates/bollinger_breakout.json"),
    },
];

/// Every built-in template, in display order.
pub fn templates() -> Vec<Template> {
    ALL.to_vec()
}

/// The template with this id.
pub fn template(id: &str) -> Option<Template> {
    ALL.iter().find(|t| t.id == id).cloned()
}
