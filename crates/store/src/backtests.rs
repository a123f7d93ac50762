//! Saved backtest reports and parameter sweeps. The store keeps the JSON it is given; the engine
//! owns its shape.

use crate::{Store, StoreResult};
use sqlx::Row;

/// A backtest report to save, with the columns the list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBacktestRun {
    pub name: String,
    pub created_ms: i64,
    pub strategy: String,
    pub strategy_label: String,
    pub params: String,
    pub data: String,
    pub data_label: String,
    pub settings: String,
    pub bars: i64,
    pub total_return: f64,
    pub max_drawdown: f64,
    pub sharpe: Option<f64>,
    pub trades: i64,
    pub report: String,
}

/// A saved backtest without its report.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestRunRow {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub strategy_label: String,
    pub params: String,
    pub data_label: String,
    pub settings: String,
    pub bars: i64,
    pub total_return: f64,
    pub max_drawdown: f64,
    pub sharpe: Option<f64>,
    pub trades: i64,
}

/// A sweep to save.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSweepRun {
    pub name: String,
    pub created_ms: i64,
    pub strategy: String,
    pub strategy_label: String,
    pub data: String,
    pub data_label: String,
    pub settings: String,
    pub spec: String,
    pub sets: i64,
    pub result: String,
}

/// A saved sweep without its result.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRunRow {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub strategy_label: String,
    pub data_label: String,
    pub sets: i64,
}

impl Store {
    /// Saves a report; returns its id.
    pub async fn insert_backtest_run(&self, run: &NewBacktestRun) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO backtest_runs (name, created_ms, strategy, strategy_label, params, data,
                 data_label, settings, bars, total_return, max_drawdown, sharpe, trades, report)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&run.name)
        .bind(run.created_ms)
        .bind(&run.strategy)
        .bind(&run.strategy_label)
        .bind(&run.params)
        .bind(&run.data)
        .bind(&run.data_label)
        .bind(&run.settings)
        .bind(run.bars)
        .bind(run.total_return)
        .bind(run.max_drawdown)
        .bind(run.sharpe)
        .bind(run.trades)
        .bind(&run.report)
        .fetch_one(self.writer())
        .await?;
        Ok(row.get(0))
    }

    /// Saved reports, newest first.
    pub async fn backtest_runs(&self, limit: u32) -> StoreResult<Vec<BacktestRunRow>> {
        let rows = sqlx::query(
            "SELECT id, name, created_ms, strategy_label, params, data_label, settings, bars,
                    total_return, max_drawdown, sharpe, trades
             FROM backtest_runs ORDER BY created_ms DESC, id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| BacktestRunRow {
                id: r.get("id"),
                name: r.get("name"),
                created_ms: r.get("created_ms"),
                strategy_label: r.get("strategy_label"),
                params: r.get("params"),
                data_label: r.get("data_label"),
                settings: r.get("settings"),
                bars: r.get("bars"),
                total_return: r.get("total_return"),
                max_drawdown: r.get("max_drawdown"),
                sharpe: r.get("sharpe"),
                trades: r.get("trades"),
            })
            .collect())
    }

    /// The report JSON of a saved run.
    pub async fn backtest_report(&self, id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT report FROM backtest_runs WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Deletes a saved run; false if there was none.
    pub async fn delete_backtest_run(&self, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM backtest_runs WHERE id = ?")
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Saves a sweep; returns its id.
    pub async fn insert_sweep_run(&self, run: &NewSweepRun) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO sweep_runs (name, created_ms, strategy, strategy_label, data, data_label,
                 settings, spec, sets, result)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&run.name)
        .bind(run.created_ms)
        .bind(&run.strategy)
        .bind(&run.strategy_label)
        .bind(&run.data)
        .bind(&run.data_label)
        .bind(&run.settings)
        .bind(&run.spec)
        .bind(run.sets)
        .bind(&run.result)
        .fetch_one(self.writer())
        .await?;
        Ok(row.get(0))
    }

    /// Saved sweeps, newest first.
    pub async fn sweep_runs(&self, limit: u32) -> StoreResult<Vec<SweepRunRow>> {
        let rows = sqlx::query(
            "SELECT id, name, created_ms, strategy_label, data_label, sets
             FROM sweep_runs ORDER BY created_ms DESC, id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| SweepRunRow {
                id: r.get("id"),
                name: r.get("name"),
                created_ms: r.get("created_ms"),
                strategy_label: r.get("strategy_label"),
                data_label: r.get("data_label"),
                sets: r.get("sets"),
            })
            .collect())
    }

    /// The result JSON of a saved sweep.
    pub async fn sweep_result(&self, id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT result FROM sweep_runs WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.get(0)))
    }
}
