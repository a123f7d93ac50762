-- Backtest reports and parameter sweeps, kept so a trader can open, compare and delete them.
-- The report is the backtester's canonical JSON (byte-identical for identical inputs); the
-- columns beside it are what the list shows without parsing it.

CREATE TABLE backtest_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    -- What ran: {"kind": "builtin"|"saved"|"spec", ...} and the parameter values used.
    strategy        TEXT NOT NULL,
    strategy_label  TEXT NOT NULL,
    params          TEXT NOT NULL,
    -- On what: {"kind": "candles"|"session", ...} and a label ("demo BTC/USDT 1m, 2026-11-01..").
    data            TEXT NOT NULL,
    data_label      TEXT NOT NULL,
    -- Settings (cash, fees, slippage, latency, fill path) as JSON.
    settings        TEXT NOT NULL,
    bars            INTEGER NOT NULL,
    total_return    REAL NOT NULL,
    max_drawdown    REAL NOT NULL,
    sharpe          REAL,
    trades          INTEGER NOT NULL,
    report          TEXT NOT NULL
) STRICT;
CREATE INDEX backtest_runs_created ON backtest_runs(created_ms);

CREATE TABLE sweep_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    strategy        TEXT NOT NULL,
    strategy_label  TEXT NOT NULL,
    data            TEXT NOT NULL,
    data_label      TEXT NOT NULL,
    settings        TEXT NOT NULL,
    -- The sweep request (parameters, search, objective) and its result (rows, best, heatmap).
    spec            TEXT NOT NULL,
    sets            INTEGER NOT NULL,
    result          TEXT NOT NULL
) STRICT;
CREATE INDEX sweep_runs_created ON sweep_runs(created_ms);
