use crate::{Store, StoreResult};
use keel_domain::Candle;

impl Store {
    /// Inserts or replaces candles, many rows per statement, in one transaction.
    pub async fn upsert_candles(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        candles: &[Candle],
    ) -> StoreResult<()> {
        let mut tx = self.writer().begin().await?;
        crate::market_data::insert_candles(&mut tx, venue, symbol, interval_ms, candles).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` candles, oldest first.
    pub async fn candles(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<Candle>> {
        let rows = sqlx::query(
            "SELECT open_time_ms, open, high, low, close, volume FROM candles
             WHERE venue = ? AND symbol = ? AND interval_ms = ?
             ORDER BY open_time_ms DESC LIMIT ?",
        )
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(crate::market_data::candle_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }
}
