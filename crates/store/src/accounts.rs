use crate::{Store, StoreResult};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: String,
    pub venue: String,
    pub market: String,
    pub label: String,
    pub created_ms: i64,
}

impl Store {
    /// Inserts the account if its id is new; an existing account is left as it is.
    pub async fn ensure_account(&self, account: &AccountRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO accounts (id, venue, market, label, created_ms) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(id) DO NOTHING",
        )
        .bind(&account.id)
        .bind(&account.venue)
        .bind(&account.market)
        .bind(&account.label)
        .bind(account.created_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn accounts(&self) -> StoreResult<Vec<AccountRow>> {
        let rows = sqlx::query(
            "SELECT id, venue, market, label, created_ms FROM accounts ORDER BY created_ms, id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AccountRow {
                id: r.get("id"),
                venue: r.get("venue"),
                market: r.get("market"),
                label: r.get("label"),
                created_ms: r.get("created_ms"),
            })
            .collect())
    }
}
