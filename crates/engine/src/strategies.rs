//! Rule strategies as the UI and the CLI manage them: built-in templates, create from a template,
//! save (validated first: a spec with errors is refused with all of them and nothing is stored),
//! list, get, duplicate, enable/disable, soft delete, restore; and [`build`] / [`factory`] that
//! turn a stored spec into a runnable strategy for backtests and sweeps.
//!
//! The free functions take the store and the time so they can be tested on their own; the
//! [`Engine`] methods at the bottom are thin wrappers using the engine's store and clock.
//!
//! Errors: [`StrategyError`] keeps the rule errors structured (each with its path);
//! `From<StrategyError> for AppError` gives `invalid_input` with every error on its own line
//! (`unknown_account`-style codes do not fit a missing strategy, so a missing id is
//! `invalid_input` too, naming the id). In a sweep factory, where the backtester expects a
//! [`ParamError`], a compile error becomes `ParamError::BadRange { name, message }` with `name`
//! the path of the first error (`params.fast`, `indicators[0].params.period`) and `message`
//! every error joined with "; ".

use keel_store::{Store, StoreError, StrategyFields, StrategyRow};
use keel_strategy::rules::{self, RuleError, RuleSpec, join_errors};
use keel_strategy::{ParamError, ParamSet, Strategy};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::{AppError, AppResult, ErrorCode};
use crate::engine::Engine;

/// One problem in a rule spec, for the editor to mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RuleErrorView {
    /// Where: `entry.all[1].crossesAbove.left`, `indicators[0].params.period`, or
    /// `line 3, column 14` for JSON that does not parse.
    pub path: String,
    pub message: String,
}

impl From<&RuleError> for RuleErrorView {
    fn from(e: &RuleError) -> Self {
        RuleErrorView {
            path: e.path.clone(),
            message: e.message.clone(),
        }
    }
}

/// A strategy parameter and the range a sweep may try.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StrategyParamView {
    pub name: String,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub description: Option<String>,
}

/// A built-in template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    /// Stable id (`sma_cross`, `rsi_mean_reversion`, ...).
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    /// `long` or `short`.
    pub direction: String,
    /// The spec as JSON.
    pub spec: String,
    pub parameters: Vec<StrategyParamView>,
}

/// A stored rule strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StrategyView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `long` or `short` (empty when the stored spec no longer parses).
    pub direction: String,
    /// The template it was made from.
    pub template: Option<String>,
    pub enabled: bool,
    pub author: String,
    pub category: String,
    pub tags: Vec<String>,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub updated_ms: i64,
    #[ts(type = "number | null")]
    pub last_activated_ms: Option<i64>,
    /// Set when it is in the bin (soft-deleted).
    #[ts(type = "number | null")]
    pub deleted_ms: Option<i64>,
    /// The spec as JSON.
    pub spec: String,
    pub parameters: Vec<StrategyParamView>,
    /// Problems of the stored spec (empty for anything saved by this version).
    pub errors: Vec<RuleErrorView>,
}

/// Save a strategy: a new one when `id` is absent, else replace that one's spec and metadata.
/// Name and description come from the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveStrategyRequest {
    #[serde(default)]
    pub id: Option<String>,
    /// The rule spec as JSON.
    pub spec: String,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Why a strategy action failed.
#[derive(Debug, thiserror::Error)]
pub enum StrategyError {
    /// The spec has errors; nothing was stored.
    #[error("the strategy has errors:\n{}", join_errors(.0))]
    Invalid(Vec<RuleError>),
    #[error("there is no template {0:?}")]
    UnknownTemplate(String),
    #[error("there is no strategy {0:?} (or it is deleted)")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<StrategyError> for AppError {
    fn from(e: StrategyError) -> Self {
        match e {
            StrategyError::Store(s) => AppError::from(s),
            other => AppError::new(ErrorCode::InvalidInput, other.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, StrategyError>;

/// A sweep/backtest factory over one spec.
pub type RuleFactory =
    Box<dyn Fn(&ParamSet) -> std::result::Result<Box<dyn Strategy>, ParamError> + Send + Sync>;

fn direction(spec: &RuleSpec) -> String {
    match spec.direction {
        rules::Direction::Long => "long".into(),
        rules::Direction::Short => "short".into(),
    }
}

fn param_views(spec: &RuleSpec) -> Vec<StrategyParamView> {
    spec.parameters
        .iter()
        .map(|p| StrategyParamView {
            name: p.name.clone(),
            default: p.default,
            min: p.min,
            max: p.max,
            step: p.step,
            description: p.description.clone(),
        })
        .collect()
}

fn view(row: StrategyRow) -> StrategyView {
    let parsed = RuleSpec::from_json(&row.spec);
    let (dir, parameters, errors) = match &parsed {
        Ok(s) => (
            direction(s),
            param_views(s),
            s.validate().err().unwrap_or_default(),
        ),
        Err(e) => (String::new(), Vec::new(), e.clone()),
    };
    StrategyView {
        id: row.id,
        name: row.name,
        description: row.description,
        direction: dir,
        template: row.template,
        enabled: row.enabled,
        author: row.author,
        category: row.category,
        tags: row.tags,
        created_ms: row.created_ms,
        updated_ms: row.updated_ms,
        last_activated_ms: row.last_activated_ms,
        deleted_ms: row.deleted_ms,
        spec: row.spec,
        parameters,
        errors: errors.iter().map(RuleErrorView::from).collect(),
    }
}

/// Parses and validates a spec: the parsed spec, or every error.
pub fn parse_valid(spec_json: &str) -> Result<RuleSpec> {
    let spec = RuleSpec::from_json(spec_json).map_err(StrategyError::Invalid)?;
    spec.validate().map_err(StrategyError::Invalid)?;
    Ok(spec)
}

/// Every problem of a spec (empty when it is valid), for the editor.
pub fn validate(spec_json: &str) -> Vec<RuleErrorView> {
    match parse_valid(spec_json) {
        Err(StrategyError::Invalid(errors)) => errors.iter().map(RuleErrorView::from).collect(),
        _ => Vec::new(),
    }
}

/// The built-in templates.
pub fn templates() -> Vec<TemplateView> {
    rules::templates()
        .into_iter()
        .filter_map(|t| {
            let spec = t.spec().ok()?;
            Some(TemplateView {
                id: t.id.to_owned(),
                name: spec.name.clone(),
                description: spec.description.clone(),
                category: t.category.to_owned(),
                direction: direction(&spec),
                spec: t.json.to_owned(),
                parameters: param_views(&spec),
            })
        })
        .collect()
}

/// Stores a new strategy made from template `template_id`, named `name` (or the template's
/// name), disabled.
pub async fn create_from_template(
    store: &Store,
    now_ms: i64,
    template_id: &str,
    name: Option<&str>,
) -> Result<StrategyView> {
    let t = rules::template(template_id)
        .ok_or_else(|| StrategyError::UnknownTemplate(template_id.to_owned()))?;
    let mut spec = t.spec().map_err(StrategyError::Invalid)?;
    if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
        spec.name = name.to_owned();
    }
    let req = SaveStrategyRequest {
        id: None,
        spec: spec.to_json(),
        template: Some(t.id.to_owned()),
        author: String::new(),
        category: t.category.to_owned(),
        tags: Vec::new(),
    };
    save(store, now_ms, &req).await
}

/// Validates and stores a strategy (new, or replacing `req.id`). A spec with errors is refused
/// with all of them and nothing is written.
pub async fn save(store: &Store, now_ms: i64, req: &SaveStrategyRequest) -> Result<StrategyView> {
    let spec = parse_valid(&req.spec)?;
    let fields = StrategyFields {
        name: spec.name.trim().to_owned(),
        description: spec.description.clone(),
        spec: req.spec.clone(),
        template: req.template.clone(),
        author: req.author.trim().to_owned(),
        category: req.category.trim().to_owned(),
        tags: req
            .tags
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
    };
    let row = match &req.id {
        None => store.insert_strategy(&fields, now_ms).await?,
        Some(id) => store
            .update_strategy(id, &fields, now_ms)
            .await?
            .ok_or_else(|| StrategyError::NotFound(id.clone()))?,
    };
    Ok(view(row))
}

/// Strategies by name; deleted ones only when asked.
pub async fn list(store: &Store, include_deleted: bool) -> Result<Vec<StrategyView>> {
    Ok(store
        .list_strategies(include_deleted)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// One strategy, deleted or not.
pub async fn get(store: &Store, id: &str) -> Result<StrategyView> {
    store
        .strategy(id)
        .await?
        .map(view)
        .ok_or_else(|| StrategyError::NotFound(id.to_owned()))
}

/// A disabled copy named "… (copy)" (inside the spec too).
pub async fn duplicate(store: &Store, now_ms: i64, id: &str) -> Result<StrategyView> {
    let not_found = || StrategyError::NotFound(id.to_owned());
    let src = store.strategy(id).await?.ok_or_else(not_found)?;
    let spec = RuleSpec::from_json(&src.spec).ok().map(|mut s| {
        s.name = format!("{} (copy)", src.name);
        s.to_json()
    });
    store
        .duplicate_strategy(id, spec.as_deref(), now_ms)
        .await?
        .map(view)
        .ok_or_else(not_found)
}

/// Enables or disables a live strategy. Enabling refuses a spec that no longer validates.
pub async fn set_enabled(
    store: &Store,
    now_ms: i64,
    id: &str,
    enabled: bool,
) -> Result<StrategyView> {
    if enabled {
        let row = store
            .strategy(id)
            .await?
            .ok_or_else(|| StrategyError::NotFound(id.to_owned()))?;
        parse_valid(&row.spec)?;
    }
    store
        .set_strategy_enabled(id, enabled, now_ms)
        .await?
        .map(view)
        .ok_or_else(|| StrategyError::NotFound(id.to_owned()))
}

/// Moves a live strategy to the bin (disabling it).
pub async fn delete(store: &Store, now_ms: i64, id: &str) -> Result<()> {
    if store.delete_strategy(id, now_ms).await? {
        Ok(())
    } else {
        Err(StrategyError::NotFound(id.to_owned()))
    }
}

/// Brings a strategy back from the bin (disabled).
pub async fn restore(store: &Store, now_ms: i64, id: &str) -> Result<StrategyView> {
    if !store.restore_strategy(id, now_ms).await? {
        return Err(StrategyError::NotFound(id.to_owned()));
    }
    get(store, id).await
}

/// A runnable strategy from a spec and parameter values (missing ones take their defaults).
pub fn build(spec_json: &str, params: &ParamSet) -> Result<Box<dyn Strategy>> {
    let spec = RuleSpec::from_json(spec_json).map_err(StrategyError::Invalid)?;
    let s = spec.compile(params).map_err(StrategyError::Invalid)?;
    Ok(Box::new(s))
}

/// A factory for backtests and sweeps: the spec is parsed and validated once, each call
/// compiles it with one parameter set. See the module docs for how errors map to
/// [`ParamError`].
pub fn factory(spec_json: &str) -> Result<RuleFactory> {
    let spec = parse_valid(spec_json)?;
    Ok(Box::new(move |p: &ParamSet| {
        spec.compile(p)
            .map(|s| Box::new(s) as Box<dyn Strategy>)
            .map_err(|errors| ParamError::BadRange {
                name: errors.first().map(|e| e.path.clone()).unwrap_or_default(),
                message: errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            })
    }))
}

impl Engine {
    fn strategy_now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The built-in rule templates.
    pub fn strategy_templates(&self) -> Vec<TemplateView> {
        templates()
    }

    /// Every problem of a spec (empty when valid), without storing anything.
    pub fn validate_strategy(&self, spec_json: &str) -> Vec<RuleErrorView> {
        validate(spec_json)
    }

    /// See [`create_from_template`].
    pub async fn create_strategy_from_template(
        &self,
        template_id: &str,
        name: Option<&str>,
    ) -> AppResult<StrategyView> {
        let now = self.strategy_now();
        Ok(create_from_template(&self.inner.store, now, template_id, name).await?)
    }

    /// See [`save`].
    pub async fn save_strategy(&self, req: &SaveStrategyRequest) -> AppResult<StrategyView> {
        Ok(save(&self.inner.store, self.strategy_now(), req).await?)
    }

    /// See [`list`].
    pub async fn strategies(&self, include_deleted: bool) -> AppResult<Vec<StrategyView>> {
        Ok(list(&self.inner.store, include_deleted).await?)
    }

    /// See [`get`].
    pub async fn strategy(&self, id: &str) -> AppResult<StrategyView> {
        Ok(get(&self.inner.store, id).await?)
    }

    /// See [`duplicate`].
    pub async fn duplicate_strategy(&self, id: &str) -> AppResult<StrategyView> {
        Ok(duplicate(&self.inner.store, self.strategy_now(), id).await?)
    }

    /// See [`set_enabled`].
    pub async fn set_strategy_enabled(&self, id: &str, enabled: bool) -> AppResult<StrategyView> {
        Ok(set_enabled(&self.inner.store, self.strategy_now(), id, enabled).await?)
    }

    /// See [`delete`].
    pub async fn delete_strategy(&self, id: &str) -> AppResult<()> {
        Ok(delete(&self.inner.store, self.strategy_now(), id).await?)
    }

    /// See [`restore`].
    pub async fn restore_strategy(&self, id: &str) -> AppResult<StrategyView> {
        Ok(restore(&self.inner.store, self.strategy_now(), id).await?)
    }

    /// A sweep/backtest factory for a saved (live or deleted) strategy, and its name.
    pub async fn saved_strategy_factory(&self, id: &str) -> AppResult<(RuleFactory, String)> {
        let row = self
            .inner
            .store
            .strategy(id)
            .await?
            .ok_or_else(|| AppError::from(StrategyError::NotFound(id.to_owned())))?;
        Ok((factory(&row.spec)?, row.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel_strategy::{Action, Bar, Ctx};

    async fn store(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("keel.db")).await.unwrap()
    }

    fn sma_spec() -> String {
        rules::template("sma_cross").unwrap().json.to_owned()
    }

    #[tokio::test]
    async fn templates_are_listed_and_create_a_stored_disabled_strategy() {
        let ids: Vec<String> = templates().into_iter().map(|t| t.id).collect();
        for id in [
            "sma_cross",
            "ema_cross",
            "rsi_mean_reversion",
            "bollinger_breakout",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id}");
        }
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        let v = create_from_template(&s, 10, "rsi_mean_reversion", Some("My RSI"))
            .await
            .unwrap();
        assert_eq!(v.name, "My RSI");
        assert_eq!(v.template.as_deref(), Some("rsi_mean_reversion"));
        assert_eq!(v.category, "mean reversion");
        assert_eq!(v.direction, "long");
        assert!(!v.enabled && v.errors.is_empty());
        assert_eq!(RuleSpec::from_json(&v.spec).unwrap().name, "My RSI");
        assert_eq!(v.parameters.len(), 3);
        let e = create_from_template(&s, 11, "nope", None)
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "there is no template \"nope\"");
    }

    #[tokio::test]
    async fn an_invalid_spec_is_refused_with_every_error_and_nothing_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        let bad = sma_spec()
            .replace(
                r#""entry": { "crossesAbove": { "left": "fast""#,
                r#""entry": { "crossesAbove": { "left": "fsat""#,
            )
            .replace(r#""period": "${slow}""#, r#""period": 0"#);
        let req = SaveStrategyRequest {
            id: None,
            spec: bad.clone(),
            template: None,
            author: "me".into(),
            category: String::new(),
            tags: vec![],
        };
        let err = save(&s, 1, &req).await.unwrap_err();
        let StrategyError::Invalid(errors) = &err else {
            panic!("{err}")
        };
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "indicators[1].params.period: period must be a whole number of bars from 1 to 1,000,000, got 0",
                r#"entry.crossesAbove.left: unknown indicator "fsat" (did you mean "fast"?)"#,
            ]
        );
        let app = AppError::from(err);
        assert_eq!(app.code, ErrorCode::InvalidInput);
        assert!(
            app.message
                .contains("\nentry.crossesAbove.left: unknown indicator"),
            "{}",
            app.message
        );
        assert!(
            s.list_strategies(true).await.unwrap().is_empty(),
            "nothing stored"
        );
        assert_eq!(validate(&bad).len(), 2);
        assert!(validate(&sma_spec()).is_empty());
        // JSON syntax errors too.
        let v = validate("{\"version\": 1,\n  \"name\": }");
        assert_eq!(v[0].path, "line 2, column 11");
    }

    #[tokio::test]
    async fn save_update_duplicate_enable_delete_restore() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        let mut req = SaveStrategyRequest {
            id: None,
            spec: sma_spec(),
            template: Some("sma_cross".into()),
            author: " ana ".into(),
            category: "trend".into(),
            tags: vec!["btc".into(), " ".into()],
        };
        let v = save(&s, 100, &req).await.unwrap();
        assert_eq!((v.name.as_str(), v.author.as_str()), ("SMA cross", "ana"));
        assert_eq!(v.tags, vec!["btc".to_owned()]);

        req.id = Some(v.id.clone());
        req.spec = sma_spec().replace(r#""name": "SMA cross""#, r#""name": "Renamed""#);
        let u = save(&s, 200, &req).await.unwrap();
        assert_eq!(
            (u.id.as_str(), u.name.as_str(), u.updated_ms),
            (v.id.as_str(), "Renamed", 200)
        );
        req.id = Some("st999999".into());
        assert!(matches!(
            save(&s, 201, &req).await,
            Err(StrategyError::NotFound(_))
        ));

        let c = duplicate(&s, 300, &v.id).await.unwrap();
        assert_ne!(c.id, v.id);
        assert_eq!(c.name, "Renamed (copy)");
        assert_eq!(RuleSpec::from_json(&c.spec).unwrap().name, "Renamed (copy)");
        assert!(c.errors.is_empty());

        let e = set_enabled(&s, 400, &v.id, true).await.unwrap();
        assert!(e.enabled);
        assert_eq!(e.last_activated_ms, Some(400));

        delete(&s, 500, &v.id).await.unwrap();
        assert!(matches!(
            delete(&s, 501, &v.id).await,
            Err(StrategyError::NotFound(_))
        ));
        let live: Vec<String> = list(&s, false)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.id)
            .collect();
        assert_eq!(live, vec![c.id.clone()]);
        assert_eq!(list(&s, true).await.unwrap().len(), 2);
        assert_eq!(get(&s, &v.id).await.unwrap().deleted_ms, Some(500));
        assert!(matches!(
            set_enabled(&s, 502, &v.id, true).await,
            Err(StrategyError::NotFound(_))
        ));
        let r = restore(&s, 600, &v.id).await.unwrap();
        assert!(r.deleted_ms.is_none() && !r.enabled);
        assert_eq!(list(&s, false).await.unwrap().len(), 2);
    }

    #[test]
    fn build_and_factory_run_a_spec_with_sweep_parameters() {
        let f = factory(&sma_spec()).unwrap();
        let mut strategy = f(&ParamSet::of(&[("fast", 2.0), ("slow", 5.0)])).unwrap();
        // Falling then rising closes: SMA(2) crosses above SMA(5) once.
        let closes = [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 6.0, 8.0, 10.0];
        let mut entries = Vec::new();
        for (i, c) in closes.iter().enumerate() {
            let mut actions = Vec::new();
            let bar = Bar {
                open_time_ms: i as i64,
                close_time_ms: i as i64 + 1,
                open: *c,
                high: *c,
                low: *c,
                close: *c,
                volume: 1.0,
            };
            strategy.on_bar(&bar, &mut Ctx::new(&mut actions));
            if !actions.is_empty() {
                assert!(matches!(actions[0], Action::Submit(_)));
                entries.push(i);
            }
        }
        assert_eq!(entries, vec![7]);
        // Out-of-range and unknown parameters become ParamErrors naming the place.
        let e = f(&ParamSet::of(&[("fast", 1.0)])).err().unwrap();
        assert_eq!(
            e,
            ParamError::BadRange {
                name: "params.fast".into(),
                message: "1 is outside the parameter's range 2 .. 100".into()
            }
        );
        assert!(build(&sma_spec(), &ParamSet::of(&[("nope", 1.0)])).is_err());
        assert!(build(&sma_spec(), &ParamSet::default()).is_ok());
        assert!(matches!(factory("{"), Err(StrategyError::Invalid(_))));
    }
}
