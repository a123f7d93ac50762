//! Rule strategies: templates, equivalence with the Rust SMA cross, validation messages,
//! condition truth tables, and stop-loss / take-profit / trailing-stop orders.

use keel_domain::{OrderKind, Side};
use keel_strategy::builtin::SmaCross;
use keel_strategy::rules::{RuleError, RuleSpec, RuleStrategy, templates};
use keel_strategy::{Action, Bar, Ctx, FillView, OrderIntent, ParamSet, Sizing, Strategy};
use rust_decimal::prelude::ToPrimitive;

// ---------------------------------------------------------------------------------------------
// A tiny runner: market orders fill at the bar's close, stop and take-profit orders work at the
// "venue" and are checked against the next bars (a gap through the trigger fills at the open).

#[derive(Debug, Clone, Copy, PartialEq)]
struct Filled {
    bar: usize,
    tag: u32,
    side: Side,
    price: f64,
}

#[derive(Default)]
struct Runner {
    position: f64,
    entry: f64,
    working: Vec<OrderIntent>,
    fills: Vec<Filled>,
    /// Every action the strategy asked for, with the bar it was asked on.
    log: Vec<(usize, Action)>,
}

impl Runner {
    fn ctx<'a>(&self, actions: &'a mut Vec<Action>, bar: &Bar) -> Ctx<'a> {
        let mut ctx = Ctx::new(actions);
        ctx.now_ms = bar.close_time_ms;
        ctx.position = self.position;
        ctx.entry_price = self.entry;
        ctx.open_orders = self.working.len();
        ctx
    }

    fn fill(&mut self, s: &mut dyn Strategy, i: usize, bar: &Bar, o: OrderIntent, price: f64) {
        let qty = match o.sizing {
            Sizing::Units(q) => q.to_f64().unwrap_or(0.0),
            Sizing::Position => self.position.abs(),
            other => panic!("unexpected sizing {other:?}"),
        };
        let signed = if o.side == Side::Buy { qty } else { -qty };
        if self.position == 0.0 {
            self.entry = price;
        }
        self.position += signed;
        if self.position.abs() < 1e-12 {
            self.position = 0.0;
            self.entry = 0.0;
        }
        self.fills.push(Filled {
            bar: i,
            tag: o.tag,
            side: o.side,
            price,
        });
        let mut actions = Vec::new();
        let view = FillView {
            tag: o.tag,
            side: o.side,
            price,
            qty,
            t_ms: bar.close_time_ms,
        };
        s.on_fill(&view, &mut self.ctx(&mut actions, bar));
        self.apply(s, i, bar, actions);
    }

    fn apply(&mut self, s: &mut dyn Strategy, i: usize, bar: &Bar, actions: Vec<Action>) {
        for a in actions {
            self.log.push((i, a));
            match a {
                Action::Submit(o) if o.kind == OrderKind::Market => {
                    self.fill(s, i, bar, o, bar.close)
                }
                Action::Submit(o) => self.working.push(o),
                Action::Cancel(tag) => self.working.retain(|w| w.tag != tag),
                Action::CancelAll => self.working.clear(),
            }
        }
    }

    /// The first working order the bar triggers, and its fill price.
    fn triggered(&self, bar: &Bar) -> Option<(usize, f64)> {
        self.working.iter().enumerate().find_map(|(k, o)| {
            let p = o.stop_price?;
            let hit = |gap: bool, through: bool| {
                if gap {
                    Some((k, bar.open))
                } else if through {
                    Some((k, p))
                } else {
                    None
                }
            };
            match (o.kind, o.side) {
                (OrderKind::StopMarket, Side::Sell) => hit(bar.open <= p, bar.low <= p),
                (OrderKind::StopMarket, Side::Buy) => hit(bar.open >= p, bar.high >= p),
                (OrderKind::TakeProfitMarket, Side::Sell) => hit(bar.open >= p, bar.high >= p),
                (OrderKind::TakeProfitMarket, Side::Buy) => hit(bar.open <= p, bar.low <= p),
                _ => None,
            }
        })
    }

    fn run(&mut self, s: &mut dyn Strategy, bars: &[Bar]) {
        for (i, bar) in bars.iter().enumerate() {
            while let Some((k, price)) = self.triggered(bar) {
                let o = self.working.remove(k);
                self.fill(s, i, bar, o, price);
            }
            let mut actions = Vec::new();
            s.on_bar(bar, &mut self.ctx(&mut actions, bar));
            self.apply(s, i, bar, actions);
        }
    }

    /// (bar, side, tag) of every submitted intent.
    fn intents(&self) -> Vec<(usize, Side, u32)> {
        self.log
            .iter()
            .filter_map(|(i, a)| match a {
                Action::Submit(o) => Some((*i, o.side, o.tag)),
                _ => None,
            })
            .collect()
    }
}

fn bar(i: usize, open: f64, high: f64, low: f64, close: f64) -> Bar {
    Bar {
        open_time_ms: i as i64 * 60_000,
        close_time_ms: (i as i64 + 1) * 60_000,
        open,
        high,
        low,
        close,
        volume: 1.0,
    }
}

fn closes(cs: &[f64]) -> Vec<Bar> {
    cs.iter()
        .enumerate()
        .map(|(i, c)| bar(i, *c, *c, *c, *c))
        .collect()
}

/// A seeded geometric random walk (xorshift64*), 0.3 % per bar.
fn random_walk(n: usize, seed: u64) -> Vec<Bar> {
    let mut x = seed;
    let mut price = 20_000.0;
    (0..n)
        .map(|i| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let u = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
            let open = price;
            price *= 1.0 + 0.006 * (u - 0.5);
            bar(
                i,
                open,
                open.max(price) * 1.001,
                open.min(price) * 0.999,
                price,
            )
        })
        .collect()
}

fn spec(json: &str) -> RuleSpec {
    RuleSpec::from_json(json).unwrap_or_else(|e| panic!("parse: {e:?}"))
}

fn errors(json: &str) -> Vec<String> {
    let s = spec(json);
    s.validate()
        .expect_err("the spec should be refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn template_json(id: &str) -> &'static str {
    templates()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no template {id}"))
        .json
}

// ---------------------------------------------------------------------------------------------
// Templates

#[test]
fn every_template_parses_validates_compiles_and_round_trips() {
    let all = templates();
    let ids: Vec<&str> = all.iter().map(|t| t.id).collect();
    for required in [
        "sma_cross",
        "ema_cross",
        "rsi_mean_reversion",
        "bollinger_breakout",
    ] {
        assert!(ids.contains(&required), "missing template {required}");
    }
    for t in all {
        let s = t.spec().unwrap_or_else(|e| panic!("{}: {e:?}", t.id));
        s.validate().unwrap_or_else(|e| panic!("{}: {e:?}", t.id));
        assert!(!s.name.is_empty() && !s.description.is_empty(), "{}", t.id);
        // Defaults, and every parameter at its min and at its max.
        s.compile(&s.default_params())
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.id));
        for spec in s.param_specs() {
            let values = spec.values().unwrap_or_else(|e| panic!("{}: {e}", t.id));
            for v in [values[0], values[values.len() - 1]] {
                let mut p = s.default_params();
                p.0.insert(spec.name.clone(), v);
                // MACD refuses fast > slow; everything else must compile at its range ends.
                let r = s.compile(&p);
                if t.id != "macd_cross" {
                    r.unwrap_or_else(|e| panic!("{} {}={v}: {e:?}", t.id, spec.name));
                }
            }
        }
        assert_eq!(
            RuleSpec::from_json(&s.to_json()).as_ref(),
            Ok(&s),
            "{}",
            t.id
        );
    }
}

#[test]
fn sma_cross_template_emits_exactly_the_intents_of_the_rust_sma_cross() {
    let bars = random_walk(20_000, 0x5EED_1234);
    let s = spec(template_json("sma_cross"));
    let mut compared = 0;
    for (fast, slow) in [(10.0, 30.0), (5.0, 20.0), (3.0, 7.0)] {
        let params = ParamSet::of(&[("fast", fast), ("slow", slow)]);
        let mut rule = s.compile(&params).expect("compile");
        let mut rust = SmaCross::from_params(&params).expect("sma cross");
        let (mut a, mut b) = (Runner::default(), Runner::default());
        a.run(&mut rule, &bars);
        b.run(&mut rust, &bars);
        assert!(a.intents().len() > 50, "too few trades to compare");
        assert_eq!(a.intents(), b.intents(), "fast={fast} slow={slow}");
        assert_eq!(a.fills, b.fills);
        // Sizing and order shape too.
        assert_eq!(a.log, b.log);
        compared += a.intents().len();
    }
    assert!(compared > 300);
}

#[test]
fn rsi_template_buys_on_cross_above_30_and_sells_on_cross_above_70() {
    // Falls (RSI near 0), then climbs: RSI crosses 30 first, then 70.
    let mut cs: Vec<f64> = (0..20).map(|i| 100.0 - i as f64).collect();
    cs.extend((0..30).map(|i| 81.0 + i as f64 * 0.8));
    let s = spec(template_json("rsi_mean_reversion"));
    let mut r = Runner::default();
    r.run(
        &mut s.compile(&s.default_params()).expect("compile"),
        &closes(&cs),
    );
    let sides: Vec<(Side, u32)> = r.intents().iter().map(|(_, s, t)| (*s, *t)).collect();
    assert_eq!(
        sides,
        vec![
            (Side::Buy, RuleStrategy::ENTRY),
            (Side::Sell, RuleStrategy::EXIT)
        ]
    );
    let (buy, sell) = (r.intents()[0].0, r.intents()[1].0);
    assert!(buy >= 20 && sell > buy, "buy {buy} sell {sell}");
}

// ---------------------------------------------------------------------------------------------
// Bad input

const BASE: &str = r#"{
  "version": 1, "name": "t", "direction": "long",
  "parameters": [{"name": "fast", "default": 10, "min": 2, "max": 100}],
  "indicators": [
    {"id": "fast", "kind": "sma", "params": {"period": "${fast}"}},
    {"id": "slow", "kind": "sma", "params": {"period": 30}}
  ],
  "entry": {"all": [{">": {"left": "close", "right": 0}},
                    {"crossesAbove": {"left": "fast", "right": "slow"}}]},
  "exit": {"crossesBelow": {"left": "fast", "right": "slow"}},
  "sizing": {"units": 1}
}"#;

#[test]
fn the_base_spec_of_the_bad_input_tests_is_valid() {
    spec(BASE).validate().expect("valid");
}

#[test]
fn unknown_indicator_is_named_with_its_place_and_a_suggestion() {
    let e = errors(&BASE.replace(
        r#""left": "fast", "right": "slow"}}]"#,
        r#""left": "fsat", "right": "slow"}}]"#,
    ));
    assert_eq!(
        e,
        vec![r#"entry.all[1].crossesAbove.left: unknown indicator "fsat" (did you mean "fast"?)"#]
    );
}

#[test]
fn unknown_parameter_reference_is_named() {
    let e = errors(&BASE.replace(r#""period": "${fast}""#, r#""period": "${fats}""#));
    assert_eq!(
        e,
        vec![
            r#"indicators[0].params.period: unknown parameter "${fats}" (did you mean "${fast}"?); declare it under "parameters""#
        ]
    );
}

#[test]
fn period_zero_is_refused_where_it_is_written() {
    let e = errors(&BASE.replace(r#""period": 30"#, r#""period": 0"#));
    assert_eq!(
        e,
        vec![
            "indicators[1].params.period: period must be a whole number of bars from 1 to 1,000,000, got 0"
        ]
    );
    // Through a parameter: the parameter's value is what is wrong, at the compile of a sweep.
    let s = spec(BASE);
    let e = s
        .compile(&ParamSet::of(&[("fast", 0.0)]))
        .map(|_| ())
        .expect_err("refused");
    let e: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert!(
        e.contains(&"params.fast: 0 is outside the parameter's range 2 .. 100".to_owned()),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("indicators[0].params.period: period must be")),
        "{e:?}"
    );
}

#[test]
fn bad_json_reports_line_and_column() {
    let broken = BASE.replace(r#""direction": "long","#, r#""direction": "long""#);
    let e = RuleSpec::from_json(&broken).expect_err("refused");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].path, "line 3, column 3");
    assert!(e[0].message.contains("expected `,` or `}`"), "{}", e[0]);
    // A misspelt key is refused too, not ignored.
    let e = RuleSpec::from_json(&BASE.replace(r#""exit""#, r#""exti""#)).expect_err("refused");
    assert!(e[0].message.starts_with("unknown field `exti`"), "{}", e[0]);
    assert!(e[0].path.starts_with("line 10, column"), "{}", e[0]);
    // A wrong operator key.
    let e = RuleSpec::from_json(&BASE.replace(r#"{">": "#, r#"{"=>": "#)).expect_err("refused");
    assert!(e[0].message.contains("unknown variant `=>`"), "{}", e[0]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let json = r#"{
      "version": 2, "name": " ", "direction": "short",
      "parameters": [{"name": "p", "default": 500, "min": 1, "max": 100, "step": 0}],
      "indicators": [
        {"id": "a", "kind": "smaa", "params": {"period": 5}},
        {"id": "e", "kind": "ema", "source": "b", "params": {"period": 5, "perod": 3}},
        {"id": "b", "kind": "macd", "params": {"fast": 30, "slow": 26}},
        {"id": "close", "kind": "ema", "params": {"period": 3}},
        {"id": "w", "kind": "twp", "params": {"t1": 0, "t2": 300}}
      ],
      "entry": {"any": [{"crossesAbove": {"left": "b", "right": "b.sig"}}, {"all": []},
                        {"<": {"left": 1, "right": 2}}, {"not": {">": {"left": "e.x", "right": "${q}"}}}]},
      "sizing": {"equityFraction": 1.5},
      "stopLossPct": 150, "takeProfitPct": 0
    }"#;
    let e = errors(json);
    let expected = [
        "version: version 2 is not supported; this Keel reads version 1",
        "name: give the strategy a name",
        "parameters[0].default: default 500 is outside min 1 .. max 100",
        "parameters[0].step: step must be positive, got 0",
        r#"indicators[0].kind: unknown indicator kind "smaa" (did you mean "sma"?); known kinds: sma, ema, wma, rsi, macd, bollinger, atr, stoch, vwap, obv, twp, velocity, volumeSurge"#,
        r#"indicators[1].source: indicator "b" is this one or listed after it; an indicator can only read indicators listed before it"#,
        r#"indicators[1].params.perod: ema has no parameter "perod" (it takes: period)"#,
        "indicators[2].params: fast (30) must not be longer than slow (26)",
        r#"indicators[3].id: "close" is a price field; choose another id"#,
        "indicators[4].params: t1 (0) must be greater than t2 (300): windows are written in seconds ago from, to; (300, 0) is the last five minutes",
        r#"entry.any[0].crossesAbove.left: indicator "b" (macd) has several outputs: write one of "b.macd", "b.signal", "b.hist""#,
        r#"entry.any[0].crossesAbove.right: indicator "b" (macd) has no output "sig"; it has macd, signal, hist"#,
        "entry.any[1].all: an empty list; give at least one condition",
        "entry.any[2].<: both sides are fixed numbers; compare an indicator or a price",
        r#"entry.any[3].not.>.left: indicator "e" (ema) has one output: write "e", not ".x""#,
        r#"entry.any[3].not.>.right: unknown parameter "${q}"; declare it under "parameters""#,
        "stopLossPct: a stop-loss must be more than 0 and less than 100 percent, got 150",
        "takeProfitPct: a take-profit must be more than 0 and less than 100 percent, got 0",
        "sizing.equityFraction: a fraction of equity must be more than 0 and at most 1, got 1.5",
    ];
    for want in expected {
        assert!(
            e.iter().any(|m| m == want),
            "missing {want:?} in\n{}",
            e.join("\n")
        );
    }
    assert_eq!(e.len(), expected.len(), "{}", e.join("\n"));
}

#[test]
fn sweep_parameters_must_be_declared() {
    let e = spec(BASE)
        .compile(&ParamSet::of(&[("slow", 20.0)]))
        .map(|_| ())
        .expect_err("refused");
    assert_eq!(
        e,
        vec![RuleError::new(
            "params.slow",
            r#""slow" is not a parameter of this strategy (it has: fast)"#
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// Condition truth tables (no indicators: price fields and numbers only)

/// Whether `entry` fires on the second of two bars `(open, close)` while flat.
fn fires(entry: &str, first: (f64, f64), second: (f64, f64)) -> bool {
    let json = format!(
        r#"{{"version": 1, "name": "t", "direction": "long", "entry": {entry},
            "stopLossPct": 50, "sizing": {{"units": 1}}}}"#
    );
    let mut s = spec(&json).compile(&ParamSet::default()).expect("compile");
    let mut actions = Vec::new();
    let b1 = bar(
        0,
        first.0,
        first.0.max(first.1),
        first.0.min(first.1),
        first.1,
    );
    let b2 = bar(
        1,
        second.0,
        second.0.max(second.1),
        second.0.min(second.1),
        second.1,
    );
    s.on_bar(&b1, &mut Ctx::new(&mut actions));
    actions.clear();
    s.on_bar(&b2, &mut Ctx::new(&mut actions));
    match actions.as_slice() {
        [] => false,
        [Action::Submit(o)] if o.tag == RuleStrategy::ENTRY && o.side == Side::Buy => true,
        other => panic!("unexpected actions {other:?}"),
    }
}

#[test]
fn comparisons_truth_table() {
    let x = (0.0, 0.0);
    for (op, below, equal, above) in [
        (">", false, false, true),
        (">=", false, true, true),
        ("<", true, false, false),
        ("<=", true, true, false),
        ("gt", false, false, true),
    ] {
        let c = format!(r#"{{"{op}": {{"left": "close", "right": 100}}}}"#);
        assert_eq!(fires(&c, x, (0.0, 99.0)), below, "{op} below");
        assert_eq!(fires(&c, x, (0.0, 100.0)), equal, "{op} equal");
        assert_eq!(fires(&c, x, (0.0, 101.0)), above, "{op} above");
    }
    // Derived price fields: hl2 = (high + low) / 2 (here high and low are the open and close).
    let c = r#"{">": {"left": "hl2", "right": 10}}"#;
    assert!(fires(c, x, (0.0, 30.0)));
    assert!(!fires(c, x, (0.0, 18.0)));
    let c = r#"{"between": {"value": "close", "min": 10, "max": 20}}"#;
    let got: Vec<bool> = [9.0, 10.0, 15.0, 20.0, 21.0]
        .iter()
        .map(|v| fires(c, x, (0.0, *v)))
        .collect();
    assert_eq!(got, vec![false, true, true, true, false]);
}

#[test]
fn all_any_not_truth_tables() {
    let a = r#"{">": {"left": "open", "right": 10}}"#;
    let b = r#"{">": {"left": "close", "right": 10}}"#;
    let all = format!(r#"{{"all": [{a}, {b}]}}"#);
    let any = format!(r#"{{"any": [{a}, {b}]}}"#);
    let not = format!(r#"{{"not": {a}}}"#);
    let x = (0.0, 0.0);
    for (open, close) in [(0.0, 0.0), (0.0, 20.0), (20.0, 0.0), (20.0, 20.0)] {
        let (pa, pb) = (open > 10.0, close > 10.0);
        assert_eq!(
            fires(&all, x, (open, close)),
            pa && pb,
            "all {open} {close}"
        );
        assert_eq!(
            fires(&any, x, (open, close)),
            pa || pb,
            "any {open} {close}"
        );
        assert_eq!(fires(&not, x, (open, close)), !pa, "not {open} {close}");
    }
}

#[test]
fn crosses_truth_table() {
    let up = r#"{"crossesAbove": {"left": "close", "right": 100}}"#;
    let down = r#"{"crossesBelow": {"left": "close", "right": 100}}"#;
    // (previous close, close) -> (crosses above, crosses below)
    for (prev, now, want_up, want_down) in [
        (99.0, 101.0, true, false),
        (100.0, 101.0, true, false), // from equal counts (prev <= level)
        (101.0, 102.0, false, false),
        (99.0, 100.0, false, false), // touching is not crossing
        (101.0, 99.0, false, true),
        (100.0, 99.0, false, true),
        (99.0, 98.0, false, false),
    ] {
        assert_eq!(
            fires(up, (0.0, prev), (0.0, now)),
            want_up,
            "up {prev}->{now}"
        );
        assert_eq!(
            fires(down, (0.0, prev), (0.0, now)),
            want_down,
            "down {prev}->{now}"
        );
    }
    // Two operands that both move: open and close swap order.
    let c = r#"{"crossesAbove": {"left": "close", "right": "open"}}"#;
    assert!(fires(c, (10.0, 9.0), (10.0, 11.0)));
    assert!(!fires(c, (9.0, 10.0), (10.0, 11.0)));
}

#[test]
fn nothing_is_evaluated_until_every_indicator_is_warm() {
    // `not (sma > 1e9)` would be true from the first bar if a cold indicator counted.
    let json = r#"{"version": 1, "name": "t", "direction": "long",
        "indicators": [{"id": "m", "kind": "sma", "params": {"period": 3}}],
        "entry": {"not": {">": {"left": "m", "right": 1e9}}},
        "stopLossPct": 10, "sizing": {"units": 1}}"#;
    let mut s = spec(json).compile(&ParamSet::default()).expect("compile");
    let mut r = Runner::default();
    r.run(&mut s, &closes(&[5.0, 5.0, 5.0]));
    assert_eq!(r.intents()[0], (2, Side::Buy, RuleStrategy::ENTRY));
}

// ---------------------------------------------------------------------------------------------
// Stop-loss, take-profit, trailing stop: real venue orders

fn protected(direction: &str, entry: &str, extra: &str) -> RuleStrategy {
    let json = format!(
        r#"{{"version": 1, "name": "t", "direction": "{direction}", "entry": {entry},
            "sizing": {{"units": 1}}, {extra}}}"#
    );
    spec(&json).compile(&ParamSet::default()).expect("compile")
}

fn stops(r: &Runner, tag: u32) -> Vec<(usize, f64)> {
    r.log
        .iter()
        .filter_map(|(i, a)| match a {
            Action::Submit(o) if o.tag == tag => {
                assert!(o.reduce_only && o.sizing == Sizing::Position, "{o:?}");
                Some((*i, (o.stop_price.expect("trigger") * 1e9).round() / 1e9))
            }
            _ => None,
        })
        .collect()
}

const ABOVE_100: &str = r#"{">": {"left": "close", "right": 100}}"#;

#[test]
fn stop_loss_is_a_venue_stop_and_a_gap_fills_at_the_open() {
    let mut s = protected("long", ABOVE_100, r#""stopLossPct": 5"#);
    let bars = vec![
        bar(0, 99.0, 99.0, 99.0, 99.0),
        bar(1, 99.0, 101.0, 99.0, 101.0), // entry at 101: stop at 95.95
        bar(2, 100.0, 100.0, 97.0, 98.0), // above the stop
        bar(3, 90.0, 91.0, 89.0, 91.0),   // gaps through it
    ];
    let mut r = Runner::default();
    r.run(&mut s, &bars);
    assert_eq!(stops(&r, RuleStrategy::STOP), vec![(1, 95.95)]);
    let kinds: Vec<OrderKind> = r
        .log
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Submit(o) => Some(o.kind),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec![OrderKind::Market, OrderKind::StopMarket]);
    assert_eq!(
        r.fills,
        vec![
            Filled {
                bar: 1,
                tag: RuleStrategy::ENTRY,
                side: Side::Buy,
                price: 101.0
            },
            Filled {
                bar: 3,
                tag: RuleStrategy::STOP,
                side: Side::Sell,
                price: 90.0
            },
        ]
    );
    assert_eq!(r.position, 0.0);
}

#[test]
fn take_profit_fills_at_its_target_and_cancels_the_stop() {
    let mut s = protected(
        "long",
        ABOVE_100,
        r#""stopLossPct": 5, "takeProfitPct": 10"#,
    );
    let bars = vec![
        bar(0, 101.0, 101.0, 101.0, 101.0), // entry at 101: stop 95.95, target 111.1
        bar(1, 102.0, 110.0, 101.0, 109.0),
        bar(2, 109.0, 112.0, 108.0, 95.0), // target traded through
    ];
    let mut r = Runner::default();
    r.run(&mut s, &bars);
    assert_eq!(stops(&r, RuleStrategy::TAKE_PROFIT), vec![(0, 111.1)]);
    let last = *r.fills.last().expect("fills");
    assert_eq!(
        (last.bar, last.tag, last.side),
        (2, RuleStrategy::TAKE_PROFIT, Side::Sell)
    );
    assert!((last.price - 111.1).abs() < 1e-9);
    assert!(
        r.log.contains(&(2, Action::Cancel(RuleStrategy::STOP))),
        "{:?}",
        r.log
    );
    assert!(r.working.is_empty(), "{:?}", r.working);
    // Flat again and close 95 < 100: no re-entry on that bar.
    assert_eq!(r.position, 0.0);
}

#[test]
fn trailing_stop_ratchets_up_with_the_highs_and_never_down() {
    let mut s = protected("long", ABOVE_100, r#""trailingStopPct": 5"#);
    let bars = vec![
        bar(0, 101.0, 101.0, 101.0, 101.0), // entry 101: stop 95.95
        bar(1, 101.0, 105.0, 101.0, 104.0), // best 105: 99.75
        bar(2, 104.0, 110.0, 104.0, 109.0), // best 110: 104.5
        bar(3, 109.0, 108.0, 105.0, 106.0), // lower high: unchanged
        bar(4, 106.0, 107.0, 99.0, 99.5),   // through 104.5
    ];
    let mut r = Runner::default();
    r.run(&mut s, &bars);
    assert_eq!(
        stops(&r, RuleStrategy::STOP),
        vec![(0, 95.95), (1, 99.75), (2, 104.5)]
    );
    // Each move cancels the previous stop first.
    let cancels = r
        .log
        .iter()
        .filter(|(_, a)| *a == Action::Cancel(RuleStrategy::STOP))
        .count();
    assert_eq!(cancels, 2);
    let last = *r.fills.last().expect("fills");
    assert_eq!((last.bar, last.tag), (4, RuleStrategy::STOP));
    assert!((last.price - 104.5).abs() < 1e-9);
}

#[test]
fn short_stop_loss_sits_above_the_entry_and_an_exit_condition_cancels_it() {
    let below = r#"{"<": {"left": "close", "right": 100}}"#;
    let json_extra = r#""stopLossPct": 2, "exit": {">": {"left": "close", "right": 100}}"#;
    let mut s = protected("short", below, json_extra);
    let bars = vec![
        bar(0, 99.0, 99.0, 99.0, 99.0),   // short at 99: stop 100.98
        bar(1, 99.0, 100.5, 98.0, 100.5), // exit condition, stop untouched
    ];
    let mut r = Runner::default();
    r.run(&mut s, &bars);
    assert_eq!(stops(&r, RuleStrategy::STOP), vec![(0, 100.98)]);
    let tail: Vec<&Action> = r
        .log
        .iter()
        .filter(|(i, _)| *i == 1)
        .map(|(_, a)| a)
        .collect();
    assert_eq!(tail[0], &Action::Cancel(RuleStrategy::STOP));
    assert!(
        matches!(tail[1], Action::Submit(o) if o.tag == RuleStrategy::EXIT && o.side == Side::Buy)
    );
    assert_eq!(r.position, 0.0);
    assert!(r.working.is_empty());
}

#[test]
fn a_spec_without_any_way_out_is_refused() {
    let no_exit = BASE.replace(
        r#""exit": {"crossesBelow": {"left": "fast", "right": "slow"}},"#,
        "",
    );
    assert_eq!(
        errors(&no_exit),
        vec![
            "exit: no way out: add an exit condition, a stop-loss, a take-profit or a trailing stop, or positions would never close"
        ]
    );
    // A stop-loss alone is a way out.
    let with_stop = no_exit.replace(r#""sizing""#, r#""stopLossPct": 3, "sizing""#);
    spec(&with_stop).validate().expect("valid");
}
