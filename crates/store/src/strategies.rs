//! Rule strategies as stored: the JSON spec plus the metadata traders organise them by
//! (template, enabled, author, category, tags, times) with soft delete.
//!
//! The store does not interpret the spec: the engine validates it before it is saved.

use crate::{Store, StoreError, StoreResult};
use keel_domain::TimestampMs;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// A stored strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyRow {
    /// `st000001`, ... (never reused).
    pub id: String,
    pub name: String,
    pub description: String,
    /// The rule spec as JSON.
    pub spec: String,
    /// The built-in template it was made from.
    pub template: Option<String>,
    pub enabled: bool,
    pub author: String,
    pub category: String,
    pub tags: Vec<String>,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
    /// When it was last enabled.
    pub last_activated_ms: Option<TimestampMs>,
    /// When it was (soft) deleted; `None` while it is live.
    pub deleted_ms: Option<TimestampMs>,
}

/// What a trader edits: everything but the id, the flags and the times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrategyFields {
    pub name: String,
    pub description: String,
    pub spec: String,
    pub template: Option<String>,
    pub author: String,
    pub category: String,
    pub tags: Vec<String>,
}

const COLUMNS: &str = "id, name, description, spec, template, enabled, author, category, tags, \
     created_ms, updated_ms, last_activated_ms, deleted_ms";

fn from_row(r: &SqliteRow) -> StoreResult<StrategyRow> {
    let id: String = r.get("id");
    let tags: String = r.get("tags");
    let tags = serde_json::from_str(&tags)
        .map_err(|e| StoreError::Corrupt(format!("strategies.tags of {id}: {e}")))?;
    Ok(StrategyRow {
        name: r.get("name"),
        description: r.get("description"),
        spec: r.get("spec"),
        template: r.get("template"),
        enabled: r.get("enabled"),
        author: r.get("author"),
        category: r.get("category"),
        tags,
        created_ms: r.get("created_ms"),
        updated_ms: r.get("updated_ms"),
        last_activated_ms: r.get("last_activated_ms"),
        deleted_ms: r.get("deleted_ms"),
        id,
    })
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

impl Store {
    async fn next_strategy_id(&self) -> StoreResult<String> {
        Ok(format!("st{:06}", self.next_sequence("strategies").await?))
    }

    /// Stores a new strategy (disabled) and returns it with its new id.
    pub async fn insert_strategy(
        &self,
        f: &StrategyFields,
        now_ms: TimestampMs,
    ) -> StoreResult<StrategyRow> {
        let id = self.next_strategy_id().await?;
        sqlx::query(
            "INSERT INTO strategies (id, name, description, spec, template, enabled, author, \
             category, tags, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&f.name)
        .bind(&f.description)
        .bind(&f.spec)
        .bind(&f.template)
        .bind(&f.author)
        .bind(&f.category)
        .bind(tags_json(&f.tags))
        .bind(now_ms)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        self.strategy(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("strategy {id} vanished after insert")))
    }

    /// Replaces the editable fields of a live strategy and bumps `updated_ms`. `None` when no
    /// live strategy has this id (unknown or deleted).
    pub async fn update_strategy(
        &self,
        id: &str,
        f: &StrategyFields,
        now_ms: TimestampMs,
    ) -> StoreResult<Option<StrategyRow>> {
        let done = sqlx::query(
            "UPDATE strategies SET name = ?, description = ?, spec = ?, template = ?, author = ?, \
             category = ?, tags = ?, updated_ms = ? WHERE id = ? AND deleted_ms IS NULL",
        )
        .bind(&f.name)
        .bind(&f.description)
        .bind(&f.spec)
        .bind(&f.template)
        .bind(&f.author)
        .bind(&f.category)
        .bind(tags_json(&f.tags))
        .bind(now_ms)
        .bind(id)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.strategy(id).await
    }

    /// The strategy with this id, deleted or not.
    pub async fn strategy(&self, id: &str) -> StoreResult<Option<StrategyRow>> {
        // The writer: a read right after a write must see it.
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM strategies WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.writer())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Strategies by name (then id); deleted ones only when `include_deleted`.
    pub async fn list_strategies(&self, include_deleted: bool) -> StoreResult<Vec<StrategyRow>> {
        let filter = if include_deleted {
            ""
        } else {
            "WHERE deleted_ms IS NULL"
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM strategies {filter} ORDER BY name, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// A copy of a live strategy under a new id, named `name + " (copy)"`, disabled, never
    /// activated. `spec` replaces the copied spec when given (the engine renames it inside the
    /// spec too). `None` when no live strategy has this id.
    pub async fn duplicate_strategy(
        &self,
        id: &str,
        spec: Option<&str>,
        now_ms: TimestampMs,
    ) -> StoreResult<Option<StrategyRow>> {
        let Some(src) = self.strategy(id).await? else {
            return Ok(None);
        };
        if src.deleted_ms.is_some() {
            return Ok(None);
        }
        let fields = StrategyFields {
            name: format!("{} (copy)", src.name),
            description: src.description,
            spec: spec.map_or(src.spec, str::to_owned),
            template: src.template,
            author: src.author,
            category: src.category,
            tags: src.tags,
        };
        self.insert_strategy(&fields, now_ms).await.map(Some)
    }

    /// Enables or disables a live strategy (enabling records `last_activated_ms`). `None` when
    /// no live strategy has this id.
    pub async fn set_strategy_enabled(
        &self,
        id: &str,
        enabled: bool,
        now_ms: TimestampMs,
    ) -> StoreResult<Option<StrategyRow>> {
        let done = sqlx::query(
            "UPDATE strategies SET enabled = ?, updated_ms = ?, \
             last_activated_ms = CASE WHEN ? THEN ? ELSE last_activated_ms END \
             WHERE id = ? AND deleted_ms IS NULL",
        )
        .bind(enabled)
        .bind(now_ms)
        .bind(enabled)
        .bind(now_ms)
        .bind(id)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.strategy(id).await
    }

    /// Soft-deletes a live strategy (it is also disabled). False when no live strategy has
    /// this id.
    pub async fn delete_strategy(&self, id: &str, now_ms: TimestampMs) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE strategies SET deleted_ms = ?, enabled = 0, updated_ms = ? \
             WHERE id = ? AND deleted_ms IS NULL",
        )
        .bind(now_ms)
        .bind(now_ms)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Brings a deleted strategy back (disabled). False when no deleted strategy has this id.
    pub async fn restore_strategy(&self, id: &str, now_ms: TimestampMs) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE strategies SET deleted_ms = NULL, updated_ms = ? \
             WHERE id = ? AND deleted_ms IS NOT NULL",
        )
        .bind(now_ms)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
