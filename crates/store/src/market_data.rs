//! Stored market data for backtests: candle ranges, the gap finder, candle download jobs, and
//! what each dataset takes on disk.

use crate::{Store, StoreResult, decimal_text, parse_decimal};
use keel_domain::Candle;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite};
use ts_rs::TS;

/// Rows per multi-VALUES insert (SQLite allows 32,766 bound parameters; 9 columns each).
const CANDLE_CHUNK: usize = 500;
/// Bytes a stored candle row costs beyond its text columns (key integers, record headers,
/// b-tree cells): an estimate, `dbstat` is not compiled into every SQLite.
const CANDLE_ROW_OVERHEAD: i64 = 40;
/// The same estimate for a recorded event row.
const EVENT_ROW_OVERHEAD: i64 = 32;

/// A run of missing candle open times: `[start_ms, end_ms)`, `missing` intervals long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GapRange {
    #[ts(type = "number")]
    pub start_ms: i64,
    #[ts(type = "number")]
    pub end_ms: i64,
    #[ts(type = "number")]
    pub missing: i64,
}

impl GapRange {
    /// The gap of open times from `start_ms` up to (not including) `end_ms`.
    pub fn new(start_ms: i64, end_ms: i64, interval_ms: i64) -> GapRange {
        let span = (end_ms - start_ms).max(0);
        GapRange {
            start_ms,
            end_ms,
            missing: (span + interval_ms - 1) / interval_ms.max(1),
        }
    }
}

/// Which stored data a usage row or a delete is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DatasetRef {
    Candles {
        venue: String,
        symbol: String,
        #[ts(type = "number")]
        interval_ms: i64,
    },
    Session {
        #[ts(type = "number")]
        session_id: i64,
    },
}

/// Storage used by one dataset: its rows, time span and an estimate of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DatasetUsage {
    pub dataset: DatasetRef,
    /// Session name, or `venue symbol interval` for candles.
    pub label: String,
    #[ts(type = "number")]
    pub rows: i64,
    #[ts(type = "number | null")]
    pub first_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub last_ms: Option<i64>,
    /// Estimated: text lengths plus a per-row overhead.
    #[ts(type = "number")]
    pub approx_bytes: i64,
}

/// The status of a download job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DownloadStatus {
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl DownloadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadStatus::Running => "running",
            DownloadStatus::Completed => "completed",
            DownloadStatus::Failed => "failed",
            DownloadStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> StoreResult<DownloadStatus> {
        Ok(match s {
            "running" => DownloadStatus::Running,
            "completed" => DownloadStatus::Completed,
            "failed" => DownloadStatus::Failed,
            "cancelled" => DownloadStatus::Cancelled,
            other => {
                return Err(crate::StoreError::Corrupt(format!(
                    "candle_downloads.status: {other:?}"
                )));
            }
        })
    }
}

/// A candle download job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DownloadJob {
    #[ts(type = "number")]
    pub id: i64,
    pub account_id: String,
    pub venue: String,
    pub symbol: String,
    #[ts(type = "number")]
    pub interval_ms: i64,
    #[ts(type = "number")]
    pub start_ms: i64,
    #[ts(type = "number")]
    pub end_ms: i64,
    #[ts(type = "number")]
    pub stored_before: i64,
    #[ts(type = "number")]
    pub fetched: i64,
    #[ts(type = "number")]
    pub requests: i64,
    pub progress: f64,
    pub status: DownloadStatus,
    pub error: Option<String>,
    pub venue_gaps: Vec<GapRange>,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub updated_ms: i64,
}

/// What a download has done so far (written with each page, in the page's transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadState {
    pub fetched: i64,
    pub requests: i64,
    pub progress: f64,
    pub status: DownloadStatus,
    pub error: Option<String>,
    pub venue_gaps: Vec<GapRange>,
}

pub(crate) fn candle_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<Candle> {
    Ok(Candle {
        open_time_ms: r.get("open_time_ms"),
        open: parse_decimal(r.get("open"), "candles.open")?,
        high: parse_decimal(r.get("high"), "candles.high")?,
        low: parse_decimal(r.get("low"), "candles.low")?,
        close: parse_decimal(r.get("close"), "candles.close")?,
        volume: parse_decimal(r.get("volume"), "candles.volume")?,
    })
}

/// Inserts or replaces candles in `tx`, many rows per statement (SQLite's bound-parameter
/// limit is 32,766; 9 columns each).
pub(crate) async fn insert_candles(
    tx: &mut sqlx::SqliteConnection,
    venue: &str,
    symbol: &str,
    interval_ms: i64,
    candles: &[Candle],
) -> StoreResult<()> {
    for chunk in candles.chunks(CANDLE_CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO candles (venue, symbol, interval_ms, open_time_ms, open, high, low, close, volume) ",
        );
        q.push_values(chunk, |mut b, c| {
            b.push_bind(venue)
                .push_bind(symbol)
                .push_bind(interval_ms)
                .push_bind(c.open_time_ms)
                .push_bind(decimal_text(c.open))
                .push_bind(decimal_text(c.high))
                .push_bind(decimal_text(c.low))
                .push_bind(decimal_text(c.close))
                .push_bind(decimal_text(c.volume));
        });
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}

impl Store {
    /// Stored candles with `start_ms <= open_time_ms < end_ms`, oldest first.
    pub async fn candles_between(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        end_ms: i64,
    ) -> StoreResult<Vec<Candle>> {
        let rows = sqlx::query(
            "SELECT open_time_ms, open, high, low, close, volume FROM candles
             WHERE venue = ? AND symbol = ? AND interval_ms = ? AND open_time_ms >= ? AND open_time_ms < ?
             ORDER BY open_time_ms",
        )
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(candle_from_row).collect()
    }

    /// How many candles are stored in `[start_ms, end_ms)`.
    pub async fn count_candles(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        end_ms: i64,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM candles
             WHERE venue = ? AND symbol = ? AND interval_ms = ? AND open_time_ms >= ? AND open_time_ms < ?",
        )
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .bind(start_ms)
        .bind(end_ms)
        .fetch_one(self.pool())
        .await?)
    }

    /// Open times missing in `[start_ms, end_ms)`, as ranges, oldest first. The expected open
    /// times are the grid of the dataset's stored candles (multiples of `interval_ms` since the
    /// epoch when nothing is stored), so weekly candles that open on Mondays are handled.
    pub async fn candle_gaps(
        &self,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        end_ms: i64,
    ) -> StoreResult<Vec<GapRange>> {
        if interval_ms <= 0 || start_ms >= end_ms {
            return Ok(Vec::new());
        }
        let phase: i64 = sqlx::query_scalar(
            "SELECT open_time_ms FROM candles WHERE venue = ? AND symbol = ? AND interval_ms = ? LIMIT 1",
        )
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .fetch_optional(self.pool())
        .await?
        .unwrap_or(0i64)
        .rem_euclid(interval_ms);
        // The first expected open time at or after `start_ms`.
        let first = start_ms + (phase - start_ms).rem_euclid(interval_ms);
        if first >= end_ms {
            return Ok(Vec::new());
        }
        // Each stored candle with the one before it: a step of more than one interval is a hole.
        let rows = sqlx::query(
            "SELECT prev, open_time_ms FROM (
                 SELECT open_time_ms, LAG(open_time_ms) OVER (ORDER BY open_time_ms) AS prev
                 FROM candles
                 WHERE venue = ? AND symbol = ? AND interval_ms = ? AND open_time_ms >= ? AND open_time_ms < ?
             ) WHERE prev IS NULL OR open_time_ms - prev > ?
             ORDER BY open_time_ms",
        )
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .bind(first)
        .bind(end_ms)
        .bind(interval_ms)
        .fetch_all(self.pool())
        .await?;
        let mut gaps = Vec::new();
        for r in &rows {
            let prev: Option<i64> = r.get("prev");
            let open: i64 = r.get("open_time_ms");
            let from = prev.map_or(first, |p| p + interval_ms);
            if open > from {
                gaps.push(GapRange::new(from, open, interval_ms));
            }
        }
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(open_time_ms) FROM candles
             WHERE venue = ? AND symbol = ? AND interval_ms = ? AND open_time_ms >= ? AND open_time_ms < ?",
        )
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .bind(first)
        .bind(end_ms)
        .fetch_one(self.pool())
        .await?;
        let tail_from = last.map_or(first, |l| l + interval_ms);
        if tail_from < end_ms {
            gaps.push(GapRange::new(tail_from, end_ms, interval_ms));
        }
        Ok(gaps)
    }

    /// Starts a download job (status running) and returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_download(
        &self,
        account_id: &str,
        venue: &str,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        end_ms: i64,
        stored_before: i64,
        now_ms: i64,
    ) -> StoreResult<i64> {
        let id = sqlx::query(
            "INSERT INTO candle_downloads (account_id, venue, symbol, interval_ms, start_ms, end_ms,
                 stored_before, status, created_ms, updated_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
        )
        .bind(account_id)
        .bind(venue)
        .bind(symbol)
        .bind(interval_ms)
        .bind(start_ms)
        .bind(end_ms)
        .bind(stored_before)
        .bind(now_ms)
        .bind(now_ms)
        .execute(self.writer())
        .await?
        .last_insert_rowid();
        Ok(id)
    }

    /// Stores one downloaded page and the job's new state in one transaction: after a crash the
    /// database holds whole pages and a job that says how far it got.
    pub async fn store_download_page(
        &self,
        job_id: i64,
        candles: &[Candle],
        state: &DownloadState,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.writer().begin().await?;
        let row =
            sqlx::query("SELECT venue, symbol, interval_ms FROM candle_downloads WHERE id = ?")
                .bind(job_id)
                .fetch_one(&mut *tx)
                .await?;
        let (venue, symbol, interval_ms): (String, String, i64) =
            (row.get("venue"), row.get("symbol"), row.get("interval_ms"));
        insert_candles(&mut tx, &venue, &symbol, interval_ms, candles).await?;
        let gaps = serde_json::to_string(&state.venue_gaps)
            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE candle_downloads SET fetched = ?, requests = ?, progress = ?, status = ?,
                 error = ?, venue_gaps = ?, updated_ms = ? WHERE id = ?",
        )
        .bind(state.fetched)
        .bind(state.requests)
        .bind(state.progress)
        .bind(state.status.as_str())
        .bind(state.error.as_deref())
        .bind(gaps)
        .bind(now_ms)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Download jobs, newest first.
    pub async fn downloads(&self, limit: u32) -> StoreResult<Vec<DownloadJob>> {
        let rows = sqlx::query("SELECT * FROM candle_downloads ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let gaps: String = r.get("venue_gaps");
                Ok(DownloadJob {
                    id: r.get("id"),
                    account_id: r.get("account_id"),
                    venue: r.get("venue"),
                    symbol: r.get("symbol"),
                    interval_ms: r.get("interval_ms"),
                    start_ms: r.get("start_ms"),
                    end_ms: r.get("end_ms"),
                    stored_before: r.get("stored_before"),
                    fetched: r.get("fetched"),
                    requests: r.get("requests"),
                    progress: r.get("progress"),
                    status: DownloadStatus::parse(r.get("status"))?,
                    error: r.get("error"),
                    venue_gaps: serde_json::from_str(&gaps).map_err(|e| {
                        crate::StoreError::Corrupt(format!("candle_downloads.venue_gaps: {e}"))
                    })?,
                    created_ms: r.get("created_ms"),
                    updated_ms: r.get("updated_ms"),
                })
            })
            .collect()
    }

    /// Storage used per dataset: every (venue, symbol, interval) of candles and every recording
    /// session, with row counts and estimated bytes.
    pub async fn dataset_usage(&self) -> StoreResult<Vec<DatasetUsage>> {
        let rows = sqlx::query(
            "SELECT venue, symbol, interval_ms, COUNT(*) AS n, MIN(open_time_ms) AS first,
                    MAX(open_time_ms) AS last,
                    SUM(length(venue) + length(symbol) + length(open) + length(high) + length(low)
                        + length(close) + length(volume)) AS text_bytes
             FROM candles GROUP BY venue, symbol, interval_ms ORDER BY venue, symbol, interval_ms",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<DatasetUsage> = rows
            .iter()
            .map(|r| {
                let (venue, symbol, interval_ms): (String, String, i64) =
                    (r.get("venue"), r.get("symbol"), r.get("interval_ms"));
                let n: i64 = r.get("n");
                let text: i64 = r.get("text_bytes");
                DatasetUsage {
                    label: format!("{venue} {symbol} {interval_ms} ms"),
                    dataset: DatasetRef::Candles {
                        venue,
                        symbol,
                        interval_ms,
                    },
                    rows: n,
                    first_ms: r.get("first"),
                    last_ms: r.get("last"),
                    approx_bytes: text + n * CANDLE_ROW_OVERHEAD,
                }
            })
            .collect();
        let sessions = sqlx::query(
            "SELECT s.id, s.name, s.start_ms, s.end_ms,
                 (SELECT COUNT(*) FROM recorded_trades t WHERE t.session_id = s.id) AS trades,
                 (SELECT COALESCE(SUM(length(symbol) + length(price) + length(qty)), 0)
                    FROM recorded_trades t WHERE t.session_id = s.id) AS trade_bytes,
                 (SELECT COUNT(*) FROM recorded_candles c WHERE c.session_id = s.id) AS candles,
                 (SELECT COALESCE(SUM(length(symbol) + length(open) + length(high) + length(low)
                        + length(close) + length(volume)), 0)
                    FROM recorded_candles c WHERE c.session_id = s.id) AS candle_bytes,
                 (SELECT COUNT(*) FROM recorded_books b WHERE b.session_id = s.id) AS books,
                 (SELECT COALESCE(SUM(length(symbol) + length(bids) + length(asks)), 0)
                    FROM recorded_books b WHERE b.session_id = s.id) AS book_bytes
             FROM recording_sessions s ORDER BY s.id",
        )
        .fetch_all(self.pool())
        .await?;
        for r in &sessions {
            let rows: i64 =
                r.get::<i64, _>("trades") + r.get::<i64, _>("candles") + r.get::<i64, _>("books");
            let text: i64 = r.get::<i64, _>("trade_bytes")
                + r.get::<i64, _>("candle_bytes")
                + r.get::<i64, _>("book_bytes");
            out.push(DatasetUsage {
                dataset: DatasetRef::Session {
                    session_id: r.get("id"),
                },
                label: r.get("name"),
                rows,
                first_ms: r.get("start_ms"),
                last_ms: r.get("end_ms"),
                approx_bytes: text + rows * EVENT_ROW_OVERHEAD,
            });
        }
        Ok(out)
    }

    /// Deletes a dataset (a candle series, or a session with its events). Returns the rows
    /// deleted.
    pub async fn delete_dataset(&self, dataset: &DatasetRef) -> StoreResult<u64> {
        let mut tx = self.writer().begin().await?;
        let n = match dataset {
            DatasetRef::Candles {
                venue,
                symbol,
                interval_ms,
            } => sqlx::query(
                "DELETE FROM candles WHERE venue = ? AND symbol = ? AND interval_ms = ?",
            )
            .bind(venue)
            .bind(symbol)
            .bind(interval_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            DatasetRef::Session { session_id } => {
                let mut n = 0;
                for table in ["recorded_trades", "recorded_candles", "recorded_books"] {
                    n += sqlx::query(&format!("DELETE FROM {table} WHERE session_id = ?"))
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                n + sqlx::query("DELETE FROM recording_sessions WHERE id = ?")
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            }
        };
        tx.commit().await?;
        Ok(n)
    }
}
