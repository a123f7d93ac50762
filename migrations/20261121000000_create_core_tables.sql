-- Keel's core state. Migrations are append-only: never edit a released file, add a new one.
-- Decimals are stored as canonical TEXT (rust_decimal normalised); times as epoch milliseconds UTC.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    venue       TEXT NOT NULL,
    market      TEXT NOT NULL CHECK (market IN ('spot', 'futures')),
    label       TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
) STRICT;

-- Sequences for deterministic client order ids: (source, next value).
CREATE TABLE id_sequences (
    name        TEXT PRIMARY KEY,
    next_value  INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    venue            TEXT NOT NULL,
    client_order_id  TEXT NOT NULL UNIQUE,
    venue_order_id   TEXT,
    symbol           TEXT NOT NULL,
    side             TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    kind             TEXT NOT NULL CHECK (kind IN ('market', 'limit')),
    price            TEXT,
    amount_unit      TEXT NOT NULL CHECK (amount_unit IN ('base', 'quote')),
    amount           TEXT NOT NULL,
    filled_qty       TEXT NOT NULL DEFAULT '0',
    filled_quote     TEXT NOT NULL DEFAULT '0',
    status           TEXT NOT NULL,
    reason           TEXT,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_account_status ON orders(account_id, status);

CREATE TABLE fills (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    venue            TEXT NOT NULL,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    symbol           TEXT NOT NULL,
    side             TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    price            TEXT NOT NULL,
    qty              TEXT NOT NULL,
    quote_qty        TEXT NOT NULL,
    fee              TEXT NOT NULL,
    fee_asset        TEXT NOT NULL,
    venue_order_id   TEXT NOT NULL,
    client_order_id  TEXT NOT NULL,
    trade_id         TEXT NOT NULL,
    is_maker         INTEGER NOT NULL,
    ts_ms            INTEGER NOT NULL,
    -- A fill is applied exactly once, keyed by the venue's trade id.
    UNIQUE (venue, account_id, trade_id)
) STRICT;
CREATE INDEX fills_account_time ON fills(account_id, ts_ms);

CREATE TABLE balances (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    asset       TEXT NOT NULL,
    free        TEXT NOT NULL,
    locked      TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (account_id, asset)
) STRICT;

CREATE TABLE candles (
    venue         TEXT NOT NULL,
    symbol        TEXT NOT NULL,
    interval_ms   INTEGER NOT NULL,
    open_time_ms  INTEGER NOT NULL,
    open          TEXT NOT NULL,
    high          TEXT NOT NULL,
    low           TEXT NOT NULL,
    close         TEXT NOT NULL,
    volume        TEXT NOT NULL,
    PRIMARY KEY (venue, symbol, interval_ms, open_time_ms)
) STRICT, WITHOUT ROWID;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
