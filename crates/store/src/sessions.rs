//! Recording sessions: live trades, candles and book snapshots of chosen symbols, written in
//! batches, and read back in arrival order for replay. An imported trade file is stored as a
//! session too (status `imported`), so it replays the same way.

use crate::{Store, StoreError, StoreResult, decimal_text, parse_decimal};
use keel_domain::{BookLevel, Candle, OrderBook, Side, Trade};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use ts_rs::TS;

/// Rows per multi-VALUES insert (12 columns at most: 6,000 parameters, far below SQLite's limit).
const CHUNK: usize = 500;

/// A session's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Recording,
    Stopped,
    /// Keel stopped while recording (crash, power cut); ends at its last event.
    Interrupted,
    /// Made from an imported trade file.
    Imported,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Recording => "recording",
            SessionStatus::Stopped => "stopped",
            SessionStatus::Interrupted => "interrupted",
            SessionStatus::Imported => "imported",
        }
    }

    fn parse(s: &str) -> StoreResult<SessionStatus> {
        Ok(match s {
            "recording" => SessionStatus::Recording,
            "stopped" => SessionStatus::Stopped,
            "interrupted" => SessionStatus::Interrupted,
            "imported" => SessionStatus::Imported,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "recording_sessions.status: {other:?}"
                )));
            }
        })
    }
}

/// A recording session's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordingSession {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub account_id: String,
    pub venue: String,
    pub symbols: Vec<String>,
    /// `trades`, `candles`, `books`.
    pub kinds: Vec<String>,
    pub status: SessionStatus,
    #[ts(type = "number")]
    pub start_ms: i64,
    #[ts(type = "number | null")]
    pub end_ms: Option<i64>,
    #[ts(type = "number")]
    pub trade_count: i64,
    #[ts(type = "number")]
    pub candle_count: i64,
    #[ts(type = "number")]
    pub book_count: i64,
}

/// What a new session records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub name: String,
    pub account_id: String,
    pub venue: String,
    pub symbols: Vec<String>,
    pub kinds: Vec<String>,
    pub start_ms: i64,
}

/// One recorded market event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedPayload {
    Trade {
        symbol: String,
        trade: Trade,
    },
    Candle {
        symbol: String,
        interval_ms: i64,
        candle: Candle,
        closed: bool,
    },
    Book {
        symbol: String,
        book: OrderBook,
    },
}

/// An event with its place in the session: `seq` orders events across kinds, `recv_ms` is when
/// the recorder received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    pub seq: i64,
    pub recv_ms: i64,
    pub payload: RecordedPayload,
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn levels_json(levels: &[BookLevel]) -> String {
    let pairs: Vec<(String, String)> = levels
        .iter()
        .map(|l| (decimal_text(l.price), decimal_text(l.qty)))
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())
}

fn parse_levels(text: &str, column: &str) -> StoreResult<Vec<BookLevel>> {
    let pairs: Vec<(String, String)> =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))?;
    pairs
        .iter()
        .map(|(p, q)| {
            Ok(BookLevel {
                price: parse_decimal(p, column)?,
                qty: parse_decimal(q, column)?,
            })
        })
        .collect()
}

fn session_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<RecordingSession> {
    let list = |col: &str| -> StoreResult<Vec<String>> {
        let text: String = r.get(col);
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("recording_sessions.{col}: {e}")))
    };
    Ok(RecordingSession {
        id: r.get("id"),
        name: r.get("name"),
        account_id: r.get("account_id"),
        venue: r.get("venue"),
        symbols: list("symbols")?,
        kinds: list("kinds")?,
        status: SessionStatus::parse(r.get("status"))?,
        start_ms: r.get("start_ms"),
        end_ms: r.get("end_ms"),
        trade_count: r.get("trade_count"),
        candle_count: r.get("candle_count"),
        book_count: r.get("book_count"),
    })
}

async fn insert_session(
    conn: &mut SqliteConnection,
    new: &NewSession,
    status: SessionStatus,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO recording_sessions (name, account_id, venue, symbols, kinds, status, start_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&new.name)
    .bind(&new.account_id)
    .bind(&new.venue)
    .bind(json_list(&new.symbols))
    .bind(json_list(&new.kinds))
    .bind(status.as_str())
    .bind(new.start_ms)
    .execute(&mut *conn)
    .await?
    .last_insert_rowid())
}

/// Inserts events and bumps the session's counts.
async fn insert_events(
    conn: &mut SqliteConnection,
    session_id: i64,
    events: &[RecordedEvent],
) -> StoreResult<()> {
    let mut trades = Vec::new();
    let mut candles = Vec::new();
    let mut books = Vec::new();
    for e in events {
        match &e.payload {
            RecordedPayload::Trade { .. } => trades.push(e),
            RecordedPayload::Candle { .. } => candles.push(e),
            RecordedPayload::Book { .. } => books.push(e),
        }
    }
    for chunk in trades.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO recorded_trades (session_id, seq, recv_ms, symbol, trade_id, ts_ms, side, price, qty) ",
        );
        q.push_values(chunk, |mut b, e| {
            if let RecordedPayload::Trade { symbol, trade } = &e.payload {
                b.push_bind(session_id)
                    .push_bind(e.seq)
                    .push_bind(e.recv_ms)
                    .push_bind(symbol.clone())
                    .push_bind(i64::try_from(trade.id).unwrap_or(i64::MAX))
                    .push_bind(trade.ts_ms)
                    .push_bind(trade.taker_side.as_str())
                    .push_bind(decimal_text(trade.price))
                    .push_bind(decimal_text(trade.qty));
            }
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in candles.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO recorded_candles (session_id, seq, recv_ms, symbol, interval_ms, open_time_ms, open, high, low, close, volume, closed) ",
        );
        q.push_values(chunk, |mut b, e| {
            if let RecordedPayload::Candle {
                symbol,
                interval_ms,
                candle,
                closed,
            } = &e.payload
            {
                b.push_bind(session_id)
                    .push_bind(e.seq)
                    .push_bind(e.recv_ms)
                    .push_bind(symbol.clone())
                    .push_bind(*interval_ms)
                    .push_bind(candle.open_time_ms)
                    .push_bind(decimal_text(candle.open))
                    .push_bind(decimal_text(candle.high))
                    .push_bind(decimal_text(candle.low))
                    .push_bind(decimal_text(candle.close))
                    .push_bind(decimal_text(candle.volume))
                    .push_bind(*closed);
            }
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in books.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO recorded_books (session_id, seq, recv_ms, symbol, ts_ms, bids, asks) ",
        );
        q.push_values(chunk, |mut b, e| {
            if let RecordedPayload::Book { symbol, book } = &e.payload {
                b.push_bind(session_id)
                    .push_bind(e.seq)
                    .push_bind(e.recv_ms)
                    .push_bind(symbol.clone())
                    .push_bind(book.ts_ms)
                    .push_bind(levels_json(&book.bids))
                    .push_bind(levels_json(&book.asks));
            }
        });
        q.build().execute(&mut *conn).await?;
    }
    sqlx::query(
        "UPDATE recording_sessions SET trade_count = trade_count + ?, candle_count = candle_count + ?,
             book_count = book_count + ? WHERE id = ?",
    )
    .bind(trades.len() as i64)
    .bind(candles.len() as i64)
    .bind(books.len() as i64)
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Creates a session in the `recording` state and returns its id.
    pub async fn create_session(&self, new: &NewSession) -> StoreResult<i64> {
        let mut conn = self.writer().acquire().await?;
        insert_session(&mut conn, new, SessionStatus::Recording).await
    }

    /// Appends a batch of events (and their counts) in one transaction.
    pub async fn append_session_events(
        &self,
        session_id: i64,
        events: &[RecordedEvent],
    ) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.writer().begin().await?;
        insert_events(&mut tx, session_id, events).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a session: its end time and final status.
    pub async fn finish_session(
        &self,
        session_id: i64,
        end_ms: i64,
        status: SessionStatus,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE recording_sessions SET end_ms = ?, status = ? WHERE id = ?")
            .bind(end_ms)
            .bind(status.as_str())
            .bind(session_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Sessions still marked `recording` from a previous run become `interrupted`, ending at
    /// their last recorded event (or their start). Returns how many.
    pub async fn close_interrupted_sessions(&self) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE recording_sessions SET status = 'interrupted', end_ms = MAX(start_ms, COALESCE(
                 (SELECT MAX(recv_ms) FROM (
                     SELECT recv_ms FROM recorded_trades WHERE session_id = recording_sessions.id
                     UNION ALL SELECT recv_ms FROM recorded_candles WHERE session_id = recording_sessions.id
                     UNION ALL SELECT recv_ms FROM recorded_books WHERE session_id = recording_sessions.id)),
                 start_ms))
             WHERE status = 'recording'",
        )
        .execute(self.writer())
        .await?
        .rows_affected())
    }

    /// Every session, newest first.
    pub async fn sessions(&self) -> StoreResult<Vec<RecordingSession>> {
        let rows = sqlx::query("SELECT * FROM recording_sessions ORDER BY id DESC")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(session_from_row).collect()
    }

    pub async fn session(&self, session_id: i64) -> StoreResult<Option<RecordingSession>> {
        let row = sqlx::query("SELECT * FROM recording_sessions WHERE id = ?")
            .bind(session_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Stores imported trades as a finished session (`imported`), all in one transaction.
    pub async fn import_trade_session(
        &self,
        new: &NewSession,
        symbol: &str,
        trades: &[Trade],
    ) -> StoreResult<i64> {
        let mut tx = self.writer().begin().await?;
        let id = insert_session(&mut tx, new, SessionStatus::Imported).await?;
        let events: Vec<RecordedEvent> = trades
            .iter()
            .enumerate()
            .map(|(i, t)| RecordedEvent {
                seq: i as i64,
                recv_ms: t.ts_ms,
                payload: RecordedPayload::Trade {
                    symbol: symbol.to_string(),
                    trade: t.clone(),
                },
            })
            .collect();
        insert_events(&mut tx, id, &events).await?;
        let end = trades.last().map_or(new.start_ms, |t| t.ts_ms);
        sqlx::query("UPDATE recording_sessions SET end_ms = ? WHERE id = ?")
            .bind(end)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Up to `limit` events of a session with `seq > after_seq`, in `seq` order (merged across
    /// trades, candles and books). Page on with the last `seq` returned.
    pub async fn session_events(
        &self,
        session_id: i64,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<RecordedEvent>> {
        let trades = sqlx::query(
            "SELECT seq, recv_ms, symbol, trade_id, ts_ms, side, price, qty FROM recorded_trades
             WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(session_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let candles = sqlx::query(
            "SELECT seq, recv_ms, symbol, interval_ms, open_time_ms, open, high, low, close, volume, closed
             FROM recorded_candles WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(session_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let books = sqlx::query(
            "SELECT seq, recv_ms, symbol, ts_ms, bids, asks FROM recorded_books
             WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(session_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(trades.len() + candles.len() + books.len());
        for r in &trades {
            let side: String = r.get("side");
            let id: i64 = r.get("trade_id");
            out.push(RecordedEvent {
                seq: r.get("seq"),
                recv_ms: r.get("recv_ms"),
                payload: RecordedPayload::Trade {
                    symbol: r.get("symbol"),
                    trade: Trade {
                        id: u64::try_from(id).unwrap_or_default(),
                        ts_ms: r.get("ts_ms"),
                        price: parse_decimal(r.get("price"), "recorded_trades.price")?,
                        qty: parse_decimal(r.get("qty"), "recorded_trades.qty")?,
                        taker_side: Side::parse(&side).ok_or_else(|| {
                            StoreError::Corrupt(format!("recorded_trades.side: {side:?}"))
                        })?,
                    },
                },
            });
        }
        for r in &candles {
            out.push(RecordedEvent {
                seq: r.get("seq"),
                recv_ms: r.get("recv_ms"),
                payload: RecordedPayload::Candle {
                    symbol: r.get("symbol"),
                    interval_ms: r.get("interval_ms"),
                    candle: Candle {
                        open_time_ms: r.get("open_time_ms"),
                        open: parse_decimal(r.get("open"), "recorded_candles.open")?,
                        high: parse_decimal(r.get("high"), "recorded_candles.high")?,
                        low: parse_decimal(r.get("low"), "recorded_candles.low")?,
                        close: parse_decimal(r.get("close"), "recorded_candles.close")?,
                        volume: parse_decimal(r.get("volume"), "recorded_candles.volume")?,
                    },
                    closed: r.get("closed"),
                },
            });
        }
        for r in &books {
            out.push(RecordedEvent {
                seq: r.get("seq"),
                recv_ms: r.get("recv_ms"),
                payload: RecordedPayload::Book {
                    symbol: r.get("symbol"),
                    book: OrderBook {
                        bids: parse_levels(r.get("bids"), "recorded_books.bids")?,
                        asks: parse_levels(r.get("asks"), "recorded_books.asks")?,
                        ts_ms: r.get("ts_ms"),
                    },
                },
            });
        }
        out.sort_by_key(|e| e.seq);
        out.truncate(limit as usize);
        Ok(out)
    }
}
