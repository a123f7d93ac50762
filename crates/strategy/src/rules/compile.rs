//! Validation and compilation: one pass that checks every part of a spec, collects every error
//! with its path, and (when there are none) yields the slot program a [`RuleStrategy`] runs.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::error::{RuleError, did_you_mean};
use super::kinds::{self, KINDS, Kind, check_param};
use super::spec::{Condition, Direction, RuleSpec, SPEC_VERSION, SizingDef, Value};
use super::strategy::{CmpOp, DERIVED_START, IndSlot, Node, PRICE_FIELDS, Program, RuleStrategy};
use crate::{ParamSet, Sizing};

/// Deepest condition nesting accepted.
const MAX_DEPTH: usize = 32;

/// A resolved operand: its slot, and whether it changes from bar to bar.
#[derive(Clone, Copy)]
struct Operand {
    slot: u32,
    varies: bool,
}

/// A declared indicator: id, kind, first slot.
struct Declared<'a> {
    id: &'a str,
    kind: &'static Kind,
    base: usize,
}

struct Compiler<'a> {
    spec: &'a RuleSpec,
    values: BTreeMap<&'a str, f64>,
    errors: Vec<RuleError>,
    init: Vec<f64>,
    declared: Vec<Declared<'a>>,
    inds: Vec<IndSlot>,
    nodes: Vec<Node>,
    children: Vec<u32>,
    /// Whether any operand or source reads hl2, hlc3 or ohlc4.
    derived: bool,
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<'a> Compiler<'a> {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(RuleError::new(path, message));
    }

    fn constant(&mut self, v: f64) -> u32 {
        self.init.push(v);
        (self.init.len() - 1) as u32
    }

    /// The value of a parameter reference, with an error naming near misses.
    fn param(&mut self, name: &str, path: &str) -> Option<f64> {
        if let Some(v) = self.values.get(name) {
            return Some(*v);
        }
        let hint = did_you_mean(name, self.spec.parameters.iter().map(|p| p.name.as_str()))
            .map(|n| format!(" (did you mean \"${{{n}}}\"?)"))
            .unwrap_or_default();
        self.err(
            path,
            format!("unknown parameter \"${{{name}}}\"{hint}; declare it under \"parameters\""),
        );
        None
    }

    /// A value that must be a number: a literal or a parameter reference.
    fn number(&mut self, v: &Value, path: &str) -> Option<f64> {
        match v {
            Value::Number(n) if n.is_finite() => Some(*n),
            Value::Number(n) => {
                self.err(path, format!("{n} is not a usable number"));
                None
            }
            Value::Name(s) => match v.param_ref() {
                Some(p) => self.param(p, path),
                None => {
                    self.err(
                        path,
                        format!(
                            "expected a number or a parameter reference like \"${{period}}\", got \
                             {s:?}"
                        ),
                    );
                    None
                }
            },
        }
    }

    /// A slot named `name`: a price field or an output of one of the first `limit` indicators
    /// of the spec (those an indicator at index `limit` may read; all of them for conditions).
    fn named_slot(&mut self, name: &str, path: &str, limit: usize) -> Option<usize> {
        if let Some(i) = PRICE_FIELDS.iter().position(|f| *f == name) {
            self.derived |= i >= DERIVED_START;
            return Some(i);
        }
        let (id, field) = match name.split_once('.') {
            Some((id, field)) => (id, Some(field)),
            None => (name, None),
        };
        let spec = self.spec;
        if !spec.indicators[..limit].iter().any(|d| d.id == id) {
            let msg = if spec.indicators[limit..].iter().any(|d| d.id == id) {
                format!(
                    "indicator {id:?} is this one or listed after it; an indicator can only read \
                     indicators listed before it"
                )
            } else {
                let names = spec.indicators[..limit]
                    .iter()
                    .map(|d| d.id.as_str())
                    .chain(PRICE_FIELDS.iter().copied());
                let hint = did_you_mean(id, names)
                    .map(|n| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default();
                format!("unknown indicator {id:?}{hint}")
            };
            self.err(path, msg);
            return None;
        }
        // Declared in the spec but not usable (its own errors are already reported).
        let pos = self.declared.iter().position(|d| d.id == id)?;
        let d = &self.declared[pos];
        let (base, kind) = (d.base, d.kind);
        match (field, kind.outputs.is_empty()) {
            (None, true) => Some(base),
            (Some(f), true) => {
                self.err(
                    path,
                    format!(
                        "indicator {id:?} ({}) has one output: write {id:?}, not \".{f}\"",
                        kind.name
                    ),
                );
                None
            }
            (None, false) => {
                let options: Vec<String> = kind
                    .outputs
                    .iter()
                    .map(|o| format!("\"{id}.{o}\""))
                    .collect();
                self.err(
                    path,
                    format!(
                        "indicator {id:?} ({}) has several outputs: write one of {}",
                        kind.name,
                        options.join(", ")
                    ),
                );
                None
            }
            (Some(f), false) => match kind.outputs.iter().position(|o| *o == f) {
                Some(i) => Some(base + i),
                None => {
                    self.err(
                        path,
                        format!(
                            "indicator {id:?} ({}) has no output {f:?}; it has {}",
                            kind.name,
                            kind.outputs.join(", ")
                        ),
                    );
                    None
                }
            },
        }
    }

    fn operand(&mut self, v: &Value, path: &str) -> Option<Operand> {
        match v {
            Value::Number(_) => {
                let n = self.number(v, path)?;
                Some(Operand {
                    slot: self.constant(n),
                    varies: false,
                })
            }
            Value::Name(name) => {
                if v.param_ref().is_some() {
                    let n = self.number(v, path)?;
                    return Some(Operand {
                        slot: self.constant(n),
                        varies: false,
                    });
                }
                let all = self.spec.indicators.len();
                let slot = self.named_slot(name, path, all)?;
                Some(Operand {
                    slot: slot as u32,
                    varies: true,
                })
            }
        }
    }

    fn check_parameters(&mut self, overrides: Option<&ParamSet>) {
        let spec = self.spec;
        for (i, p) in spec.parameters.iter().enumerate() {
            let path = format!("parameters[{i}]");
            if !is_identifier(&p.name) {
                self.err(
                    format!("{path}.name"),
                    format!("{:?} is not a usable name (letters, digits and _, not starting with a digit)", p.name),
                );
            } else if spec.parameters[..i].iter().any(|q| q.name == p.name) {
                self.err(
                    format!("{path}.name"),
                    format!("parameter {:?} is declared twice", p.name),
                );
            }
            let finite = [p.default, p.min, p.max, p.step]
                .iter()
                .all(|v| v.is_finite());
            if !finite {
                self.err(path.clone(), "default, min, max and step must be numbers");
            } else if p.min > p.max {
                self.err(
                    format!("{path}.min"),
                    format!("min {} is above max {}", p.min, p.max),
                );
            } else if p.default < p.min || p.default > p.max {
                self.err(
                    format!("{path}.default"),
                    format!(
                        "default {} is outside min {} .. max {}",
                        p.default, p.min, p.max
                    ),
                );
            }
            if p.step <= 0.0 {
                self.err(
                    format!("{path}.step"),
                    format!("step must be positive, got {}", p.step),
                );
            }
            let value = match overrides.and_then(|o| o.0.get(&p.name)) {
                Some(v) => {
                    if !(v.is_finite() && *v >= p.min && *v <= p.max) {
                        self.err(
                            format!("params.{}", p.name),
                            format!(
                                "{v} is outside the parameter's range {} .. {}",
                                p.min, p.max
                            ),
                        );
                    }
                    *v
                }
                None => p.default,
            };
            self.values.insert(p.name.as_str(), value);
        }
        if let Some(o) = overrides {
            for name in o.0.keys() {
                if !spec.parameters.iter().any(|p| &p.name == name) {
                    let known: Vec<&str> =
                        spec.parameters.iter().map(|p| p.name.as_str()).collect();
                    self.err(
                        format!("params.{name}"),
                        format!(
                            "{name:?} is not a parameter of this strategy (it has: {})",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
            }
        }
    }

    fn indicators(&mut self) {
        let spec = self.spec;
        for (i, def) in spec.indicators.iter().enumerate() {
            let path = format!("indicators[{i}]");
            let mut ok = true;
            if !is_identifier(&def.id) {
                ok = false;
                self.err(
                    format!("{path}.id"),
                    format!("{:?} is not a usable id (letters, digits and _, not starting with a digit)", def.id),
                );
            } else if PRICE_FIELDS.contains(&def.id.as_str()) {
                ok = false;
                self.err(
                    format!("{path}.id"),
                    format!("{:?} is a price field; choose another id", def.id),
                );
            } else if spec.indicators[..i].iter().any(|d| d.id == def.id) {
                ok = false;
                self.err(
                    format!("{path}.id"),
                    format!("indicator id {:?} is used twice", def.id),
                );
            }
            let Some(kind) = kinds::kind(&def.kind) else {
                let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
                let hint = did_you_mean(&def.kind, names.iter().copied())
                    .map(|n| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default();
                self.err(
                    format!("{path}.kind"),
                    format!(
                        "unknown indicator kind {:?}{hint}; known kinds: {}",
                        def.kind,
                        names.join(", ")
                    ),
                );
                continue;
            };
            // Source.
            let src = if kind.uses_source {
                let name = def.source.as_deref().unwrap_or(kind.default_source);
                self.named_slot(name, &format!("{path}.source"), i)
            } else {
                if def.source.is_some() {
                    self.err(
                        format!("{path}.source"),
                        format!(
                            "{} reads each bar's high, low and close; remove \"source\"",
                            kind.name
                        ),
                    );
                }
                Some(0)
            };
            // Parameters.
            for name in def.params.keys() {
                if !kind.params.iter().any(|(p, _, _)| p == name) {
                    let names: Vec<&str> = kind.params.iter().map(|(p, _, _)| *p).collect();
                    let list = if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    };
                    self.err(
                        format!("{path}.params.{name}"),
                        format!("{} has no parameter {name:?} (it takes: {list})", kind.name),
                    );
                    ok = false;
                }
            }
            let mut values = Vec::with_capacity(kind.params.len());
            for (name, pk, default) in kind.params {
                let ppath = format!("{path}.params.{name}");
                let v = match (def.params.get(*name), default) {
                    (Some(v), _) => self.number(v, &ppath),
                    (None, Some(d)) => Some(*d),
                    (None, None) => {
                        self.err(ppath.clone(), format!("{} needs \"{name}\"", kind.name));
                        None
                    }
                };
                match v {
                    Some(v) => match check_param(name, *pk, v) {
                        Ok(()) => values.push(v),
                        Err(m) => {
                            self.err(ppath, m);
                            ok = false;
                        }
                    },
                    None => ok = false,
                }
            }
            let base = self.init.len();
            self.init
                .extend(std::iter::repeat_n(f64::NAN, kind.width()));
            self.declared.push(Declared {
                id: def.id.as_str(),
                kind,
                base,
            });
            if let (true, Some(src)) = (ok, src) {
                match kinds::build(kind, &values) {
                    Ok(ind) => self.inds.push(IndSlot {
                        ind,
                        src,
                        out: base,
                    }),
                    Err(m) => self.err(format!("{path}.params"), m),
                }
            }
        }
    }

    fn pair(&mut self, l: &Value, r: &Value, path: &str) -> Option<(Operand, Operand)> {
        let a = self.operand(l, &format!("{path}.left"));
        let b = self.operand(r, &format!("{path}.right"));
        Some((a?, b?))
    }

    /// Compiles a condition; returns its node index (a placeholder when it has errors).
    fn cond(&mut self, c: &Condition, path: &str, depth: usize) -> u32 {
        let placeholder = Node::Not(0);
        if depth > MAX_DEPTH {
            self.err(
                path,
                format!("conditions are nested more than {MAX_DEPTH} deep"),
            );
            return self.push(placeholder);
        }
        let node = match c {
            Condition::All(list) | Condition::Any(list) => {
                let key = if matches!(c, Condition::All(_)) {
                    "all"
                } else {
                    "any"
                };
                if list.is_empty() {
                    self.err(
                        format!("{path}.{key}"),
                        "an empty list; give at least one condition",
                    );
                }
                let kids: Vec<u32> = list
                    .iter()
                    .enumerate()
                    .map(|(i, k)| self.cond(k, &format!("{path}.{key}[{i}]"), depth + 1))
                    .collect();
                let start = self.children.len() as u32;
                self.children.extend(kids);
                let end = self.children.len() as u32;
                if key == "all" {
                    Node::All(start, end)
                } else {
                    Node::Any(start, end)
                }
            }
            Condition::Not(inner) => Node::Not(self.cond(inner, &format!("{path}.not"), depth + 1)),
            Condition::Gt(p) | Condition::Gte(p) | Condition::Lt(p) | Condition::Lte(p) => {
                let (op, key) = match c {
                    Condition::Gt(_) => (CmpOp::Gt, ">"),
                    Condition::Gte(_) => (CmpOp::Gte, ">="),
                    Condition::Lt(_) => (CmpOp::Lt, "<"),
                    _ => (CmpOp::Lte, "<="),
                };
                let path = format!("{path}.{key}");
                match self.pair(&p.left, &p.right, &path) {
                    Some((a, b)) if !a.varies && !b.varies => {
                        self.err(
                            path,
                            "both sides are fixed numbers; compare an indicator or a price",
                        );
                        placeholder
                    }
                    Some((a, b)) => Node::Cmp(op, a.slot, b.slot),
                    None => placeholder,
                }
            }
            Condition::CrossesAbove(p) | Condition::CrossesBelow(p) => {
                let above = matches!(c, Condition::CrossesAbove(_));
                let path = format!(
                    "{path}.{}",
                    if above {
                        "crossesAbove"
                    } else {
                        "crossesBelow"
                    }
                );
                match self.pair(&p.left, &p.right, &path) {
                    Some((a, b)) if !a.varies && !b.varies => {
                        self.err(
                            path,
                            "both sides are fixed numbers, so they can never cross",
                        );
                        placeholder
                    }
                    Some((a, b)) if above => Node::CrossUp(a.slot, b.slot),
                    Some((a, b)) => Node::CrossDown(a.slot, b.slot),
                    None => placeholder,
                }
            }
            Condition::Between(band) => {
                let path = format!("{path}.between");
                let v = self.operand(&band.value, &format!("{path}.value"));
                let lo = self.operand(&band.min, &format!("{path}.min"));
                let hi = self.operand(&band.max, &format!("{path}.max"));
                match (v, lo, hi) {
                    (Some(v), Some(lo), Some(hi)) => {
                        let (l, h) = (self.init[lo.slot as usize], self.init[hi.slot as usize]);
                        if !lo.varies && !hi.varies && l > h {
                            self.err(path, format!("min {l} is above max {h}"));
                        }
                        Node::Between(v.slot, lo.slot, hi.slot)
                    }
                    _ => placeholder,
                }
            }
        };
        self.push(node)
    }

    fn push(&mut self, n: Node) -> u32 {
        self.nodes.push(n);
        (self.nodes.len() - 1) as u32
    }

    fn percent(&mut self, v: &Option<Value>, path: &str, what: &str, max: f64) -> Option<f64> {
        let n = self.number(v.as_ref()?, path)?;
        if n <= 0.0 || n >= max {
            self.err(
                path,
                format!("{what} must be more than 0 and less than {max} percent, got {n}"),
            );
            return None;
        }
        Some(n / 100.0)
    }

    fn sizing(&mut self) -> Sizing {
        let (v, path, key) = match &self.spec.sizing {
            SizingDef::Units(v) => (v, "sizing.units", "units"),
            SizingDef::Quote(v) => (v, "sizing.quote", "quote"),
            SizingDef::EquityFraction(v) => (v, "sizing.equityFraction", "equityFraction"),
        };
        let Some(n) = self.number(v, path) else {
            return Sizing::Position;
        };
        if key == "equityFraction" {
            if !(n > 0.0 && n <= 1.0) {
                self.err(
                    path,
                    format!("a fraction of equity must be more than 0 and at most 1, got {n}"),
                );
            }
            return Sizing::EquityFraction(n);
        }
        if n <= 0.0 {
            self.err(path, format!("must be positive, got {n}"));
            return Sizing::Position;
        }
        // The shortest decimal text of the number: 0.1 stays 0.1, not 0.1000000000000000055.
        match Decimal::from_str(&n.to_string()) {
            Ok(d) if key == "units" => Sizing::Units(d),
            Ok(d) => Sizing::Quote(d),
            Err(_) => {
                self.err(path, format!("{n} is too large"));
                Sizing::Position
            }
        }
    }
}

/// Checks `spec` with `params` (`None` = every parameter at its default) and builds the program.
pub(crate) fn compile(
    spec: &RuleSpec,
    params: Option<&ParamSet>,
) -> Result<RuleStrategy, Vec<RuleError>> {
    let mut c = Compiler {
        spec,
        values: BTreeMap::new(),
        errors: Vec::new(),
        init: vec![f64::NAN; PRICE_FIELDS.len()],
        declared: Vec::new(),
        inds: Vec::new(),
        nodes: Vec::new(),
        children: Vec::new(),
        derived: false,
    };
    if spec.version != SPEC_VERSION {
        c.err(
            "version",
            format!(
                "version {} is not supported; this Keel reads version {SPEC_VERSION}",
                spec.version
            ),
        );
    }
    if spec.name.trim().is_empty() {
        c.err("name", "give the strategy a name");
    }
    c.check_parameters(params);
    let ind_start = c.init.len();
    c.indicators();
    let ind_end = c.init.len();
    let entry = c.cond(&spec.entry, "entry", 0);
    let exit = spec.exit.as_ref().map(|e| c.cond(e, "exit", 0));
    let long = spec.direction == Direction::Long;
    let stop_loss = c.percent(&spec.stop_loss_pct, "stopLossPct", "a stop-loss", 100.0);
    let tp_max = if long { 10_000.0 } else { 100.0 };
    let take_profit = c.percent(
        &spec.take_profit_pct,
        "takeProfitPct",
        "a take-profit",
        tp_max,
    );
    let trailing = c.percent(
        &spec.trailing_stop_pct,
        "trailingStopPct",
        "a trailing stop",
        100.0,
    );
    if spec.exit.is_none()
        && spec.stop_loss_pct.is_none()
        && spec.take_profit_pct.is_none()
        && spec.trailing_stop_pct.is_none()
    {
        c.err(
            "exit",
            "no way out: add an exit condition, a stop-loss, a take-profit or a trailing stop, or \
             positions would never close",
        );
    }
    let sizing = c.sizing();
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(RuleStrategy::new(Program {
        inds: c.inds,
        nodes: c.nodes,
        children: c.children,
        derived: c.derived,
        init: c.init,
        ind_start,
        ind_end,
        entry,
        exit,
        long,
        sizing,
        stop_loss,
        take_profit,
        trailing,
    }))
}
