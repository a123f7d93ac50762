-- Real exchange accounts, the audit log of secret use, and the full order vocabulary.
-- Secrets themselves never reach this database: they live in the OS keychain or the vault file.

ALTER TABLE accounts ADD COLUMN testnet INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN proxy TEXT;
-- The last four characters of the API key, so the trader can tell keys apart.
ALTER TABLE accounts ADD COLUMN api_key_hint TEXT;
-- Where the account's secret is kept: 'none' (Demo), 'keychain' or 'vault_file'.
ALTER TABLE accounts ADD COLUMN secret_store TEXT NOT NULL DEFAULT 'none'
    CHECK (secret_store IN ('none', 'keychain', 'vault_file'));
-- Orders are refused until the trader switches the account to live trading.
ALTER TABLE accounts ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
-- The permission probe's last answer, as JSON.
ALTER TABLE accounts ADD COLUMN permissions TEXT;
-- Removed accounts keep their orders and fills (history, exports); they are hidden and unused.
ALTER TABLE accounts ADD COLUMN removed_ms INTEGER;
UPDATE accounts SET live = 1 WHERE id = 'demo';

-- Every use of a secret: which account, when, what for. Never the secret.
CREATE TABLE secret_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  TEXT NOT NULL,
    ts_ms       INTEGER NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('store', 'read', 'delete')),
    purpose     TEXT NOT NULL
) STRICT;
CREATE INDEX secret_audit_account_time ON secret_audit(account_id, ts_ms);

-- Orders gain conditional kinds, time in force, and the futures flags. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with every row kept.
CREATE TABLE orders_v2 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    venue            TEXT NOT NULL,
    client_order_id  TEXT NOT NULL UNIQUE,
    venue_order_id   TEXT,
    symbol           TEXT NOT NULL,
    side             TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    kind             TEXT NOT NULL CHECK (kind IN ('market', 'limit', 'limit_maker', 'stop_market',
                         'stop_limit', 'take_profit_market', 'take_profit_limit')),
    price            TEXT,
    amount_unit      TEXT NOT NULL CHECK (amount_unit IN ('base', 'quote')),
    amount           TEXT NOT NULL,
    filled_qty       TEXT NOT NULL DEFAULT '0',
    filled_quote     TEXT NOT NULL DEFAULT '0',
    status           TEXT NOT NULL,
    reason           TEXT,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL,
    stop_price       TEXT,
    time_in_force    TEXT NOT NULL DEFAULT 'gtc' CHECK (time_in_force IN ('gtc', 'ioc', 'fok')),
    reduce_only      INTEGER NOT NULL DEFAULT 0,
    close_position   INTEGER NOT NULL DEFAULT 0,
    position_side    TEXT NOT NULL DEFAULT 'both' CHECK (position_side IN ('both', 'long', 'short'))
) STRICT;
INSERT INTO orders_v2 (id, account_id, venue, client_order_id, venue_order_id, symbol, side, kind,
        price, amount_unit, amount, filled_qty, filled_quote, status, reason, created_ms, updated_ms)
    SELECT id, account_id, venue, client_order_id, venue_order_id, symbol, side, kind,
        price, amount_unit, amount, filled_qty, filled_quote, status, reason, created_ms, updated_ms
    FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v2 RENAME TO orders;
CREATE INDEX orders_account_status ON orders(account_id, status);
