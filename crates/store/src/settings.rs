use crate::{Store, StoreResult};
use sqlx::Row;

impl Store {
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.get("value")))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}

impl Store {
    /// The next value of a named counter (1, 2, ...), committed: never handed out twice.
    pub async fn next_sequence(&self, name: &str) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO id_sequences (name, next_value) VALUES (?, 1)
             ON CONFLICT(name) DO UPDATE SET next_value = next_value + 1
             RETURNING next_value",
        )
        .bind(name)
        .fetch_one(self.writer())
        .await?;
        Ok(row.get(0))
    }
}
