-- Rule strategies: a strategy defined as data (the JSON rule spec of keel-strategy's `rules`),
-- with the metadata traders organise them by. Times are epoch milliseconds UTC.
CREATE TABLE strategies (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    -- The rule spec as JSON (validated by the engine before it is stored).
    spec               TEXT NOT NULL,
    -- The built-in template it was made from, if any.
    template           TEXT,
    enabled            INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    author             TEXT NOT NULL DEFAULT '',
    category           TEXT NOT NULL DEFAULT '',
    -- JSON array of strings.
    tags               TEXT NOT NULL DEFAULT '[]',
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    last_activated_ms  INTEGER,
    -- Soft delete: hidden from lists, kept for history and restore.
    deleted_ms         INTEGER
) STRICT;
CREATE INDEX strategies_live_name ON strategies(deleted_ms, name);
