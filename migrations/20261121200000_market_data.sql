-- Market data for backtests: candle download jobs, recording sessions and what they recorded.
-- Candles themselves live in `candles` (20261121000000). Decimals are canonical TEXT, times epoch
-- milliseconds UTC, like the rest of the store.

-- One run of a candle download: the requested range [start_ms, end_ms), how far it got, and the
-- ranges the venue itself had no candles for.
CREATE TABLE candle_downloads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      TEXT NOT NULL,
    venue           TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    interval_ms     INTEGER NOT NULL CHECK (interval_ms > 0),
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER NOT NULL,
    -- Candles already stored when the run began, fetched by it, and requests it sent.
    stored_before   INTEGER NOT NULL DEFAULT 0,
    fetched         INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    -- Fraction of the range covered, 0 to 1.
    progress        REAL NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    error           TEXT,
    -- JSON [{"startMs":..,"endMs":..}]: open times the venue returned nothing for.
    venue_gaps      TEXT NOT NULL DEFAULT '[]',
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX candle_downloads_dataset ON candle_downloads(venue, symbol, interval_ms);

-- A recording of live market events (or an imported trade file). `symbols` and `kinds` are JSON
-- arrays; the counts are kept up to date as batches are written.
CREATE TABLE recording_sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    venue           TEXT NOT NULL,
    symbols         TEXT NOT NULL,
    kinds           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('recording', 'stopped', 'interrupted', 'imported')),
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER,
    trade_count     INTEGER NOT NULL DEFAULT 0,
    candle_count    INTEGER NOT NULL DEFAULT 0,
    book_count      INTEGER NOT NULL DEFAULT 0,
    error           TEXT
) STRICT;

-- Events of a session. `seq` is the arrival order across the three tables (replay merges them
-- by it); `recv_ms` is when the recorder received the event, the clock replay is paced by.
CREATE TABLE recorded_trades (
    session_id  INTEGER NOT NULL REFERENCES recording_sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    recv_ms     INTEGER NOT NULL,
    symbol      TEXT NOT NULL,
    trade_id    INTEGER NOT NULL,
    ts_ms       INTEGER NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    price       TEXT NOT NULL,
    qty         TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE recorded_candles (
    session_id    INTEGER NOT NULL REFERENCES recording_sessions(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    recv_ms       INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    interval_ms   INTEGER NOT NULL,
    open_time_ms  INTEGER NOT NULL,
    open          TEXT NOT NULL,
    high          TEXT NOT NULL,
    low           TEXT NOT NULL,
    close         TEXT NOT NULL,
    volume        TEXT NOT NULL,
    closed        INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;

-- Book snapshots: levels as JSON [["price","qty"],...], best first.
CREATE TABLE recorded_books (
    session_id  INTEGER NOT NULL REFERENCES recording_sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    recv_ms     INTEGER NOT NULL,
    symbol      TEXT NOT NULL,
    ts_ms       INTEGER NOT NULL,
    bids        TEXT NOT NULL,
    asks        TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;
