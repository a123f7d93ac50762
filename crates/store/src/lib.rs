//! Keel's local state: one SQLite file per data directory, through sqlx.
//!
//! - WAL with `synchronous = FULL`: an order intent or a fill that was committed survives a power
//!   cut, which is what stops a restart from sending an order twice.
//! - A busy timeout instead of "database is locked" errors.
//! - A lock file beside the database: a second engine on the same file refuses to start.
//! - Migrations (workspace `migrations/`) are embedded at compile time and append-only.

mod accounts;
mod backtests;
mod balances;
mod candles;
pub mod csv_import;
mod error;
mod export;
mod fills;
mod lock;
mod market_data;
mod orders;
mod sessions;
mod settings;
mod strategies;

pub use accounts::{AccountRow, AuditEntry};
pub use backtests::{BacktestRunRow, NewBacktestRun, NewSweepRun, SweepRunRow};
pub use error::StoreError;
pub use export::{CSV_HEADER, write_fills_csv};
pub use fills::FillFilter;
pub use market_data::{
    DatasetRef, DatasetUsage, DownloadJob, DownloadState, DownloadStatus, GapRange,
};
pub use orders::{NewOrder, OrderChange};
pub use sessions::{NewSession, RecordedEvent, RecordedPayload, RecordingSession, SessionStatus};
pub use strategies::{StrategyFields, StrategyRow};

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub type StoreResult<T> = Result<T, StoreError>;

/// The database handle. Cheap to clone; holds the single-engine lock while any clone lives.
#[derive(Clone, Debug)]
pub struct Store {
    /// Readers: WAL lets them run beside the writer without blocking.
    pool: SqlitePool,
    /// The one writer connection: writes queue here instead of failing with SQLITE_BUSY when
    /// two transactions try to upgrade to a write lock at once.
    writer: SqlitePool,
    path: PathBuf,
    _lock: std::sync::Arc<lock::EngineLock>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

impl Store {
    /// Opens (creating if needed) the database at `path`, takes the single-engine lock and runs
    /// pending migrations.
    pub async fn open(path: &Path) -> StoreResult<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
                path: dir.to_path_buf(),
                source: e,
            })?;
        }
        let lock = lock::EngineLock::acquire(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Store {
            pool,
            writer,
            path: path.to_path_buf(),
            _lock: std::sync::Arc::new(lock),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool (checkpointing the WAL) and releases the lock once every clone is dropped.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

/// Parses a stored decimal column, naming the column when the text is not a decimal.
pub(crate) fn parse_decimal(text: &str, column: &str) -> StoreResult<rust_decimal::Decimal> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column}: {text:?} is not a decimal")))
}

/// The canonical text of a decimal as stored.
pub(crate) fn decimal_text(d: rust_decimal::Decimal) -> String {
    d.normalize().to_string()
}
