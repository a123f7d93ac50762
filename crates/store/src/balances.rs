use crate::{Store, StoreResult, decimal_text, parse_decimal};
use keel_domain::{Balance, TimestampMs};
use sqlx::{Row, Sqlite, Transaction};

/// Replaces an account's balances with a full snapshot from its venue.
pub(crate) async fn replace_in_tx(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: &str,
    balances: &[Balance],
    now: TimestampMs,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM balances WHERE account_id = ?")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    for b in balances {
        sqlx::query(
            "INSERT INTO balances (account_id, asset, free, locked, updated_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(account_id)
        .bind(&b.asset)
        .bind(decimal_text(b.free))
        .bind(decimal_text(b.locked))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn replace_balances(
        &self,
        account_id: &str,
        balances: &[Balance],
        now: TimestampMs,
    ) -> StoreResult<()> {
        let mut tx = self.writer().begin().await?;
        replace_in_tx(&mut tx, account_id, balances, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The last balances recorded for an account, by asset.
    pub async fn balances(&self, account_id: &str) -> StoreResult<Vec<Balance>> {
        let rows = sqlx::query(
            "SELECT asset, free, locked FROM balances WHERE account_id = ? ORDER BY asset",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Balance {
                    asset: r.get("asset"),
                    free: parse_decimal(r.get("free"), "balances.free")?,
                    locked: parse_decimal(r.get("locked"), "balances.locked")?,
                })
            })
            .collect()
    }
}
