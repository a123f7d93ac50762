//! Fills: inserted once per (venue, account, trade id); queried with the History filters.

use crate::{Store, StoreError, StoreResult, decimal_text, parse_decimal};
use keel_domain::{Fill, Side};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use ts_rs::TS;

/// Which fills to list or export. Every field narrows; none set means all fills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FillFilter {
    #[ts(optional)]
    pub account_id: Option<String>,
    #[ts(optional)]
    pub symbol: Option<String>,
    #[ts(optional)]
    pub side: Option<Side>,
    /// Inclusive lower bound, epoch ms.
    #[ts(optional, type = "number")]
    pub from_ms: Option<i64>,
    /// Exclusive upper bound, epoch ms.
    #[ts(optional, type = "number")]
    pub to_ms: Option<i64>,
    /// At most this many (the newest); none means all.
    #[ts(optional, type = "number")]
    pub limit: Option<u32>,
}

const FILL_COLUMNS: &str = "venue, account_id, symbol, side, price, qty, quote_qty, fee, fee_asset, \
     venue_order_id, client_order_id, trade_id, is_maker, ts_ms";

fn fill_from_row(r: &SqliteRow) -> StoreResult<Fill> {
    let side: String = r.get("side");
    Ok(Fill {
        venue: r.get("venue"),
        account_id: r.get("account_id"),
        symbol: r.get("symbol"),
        side: Side::parse(&side).ok_or_else(|| StoreError::Corrupt(format!("side {side:?}")))?,
        price: parse_decimal(r.get("price"), "fills.price")?,
        qty: parse_decimal(r.get("qty"), "fills.qty")?,
        quote_qty: parse_decimal(r.get("quote_qty"), "fills.quote_qty")?,
        fee: parse_decimal(r.get("fee"), "fills.fee")?,
        fee_asset: r.get("fee_asset"),
        venue_order_id: r.get("venue_order_id"),
        client_order_id: r.get("client_order_id"),
        trade_id: r.get("trade_id"),
        is_maker: r.get::<i64, _>("is_maker") != 0,
        ts_ms: r.get("ts_ms"),
    })
}

/// Inserts a fill unless its trade id is already recorded; true when it was new.
pub(crate) async fn insert_fill(tx: &mut Transaction<'_, Sqlite>, f: &Fill) -> StoreResult<bool> {
    let done = sqlx::query(&format!(
        "INSERT INTO fills ({FILL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(venue, account_id, trade_id) DO NOTHING"
    ))
    .bind(&f.venue)
    .bind(&f.account_id)
    .bind(&f.symbol)
    .bind(f.side.as_str())
    .bind(decimal_text(f.price))
    .bind(decimal_text(f.qty))
    .bind(decimal_text(f.quote_qty))
    .bind(decimal_text(f.fee))
    .bind(&f.fee_asset)
    .bind(&f.venue_order_id)
    .bind(&f.client_order_id)
    .bind(&f.trade_id)
    .bind(i64::from(f.is_maker))
    .bind(f.ts_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Fills matching `filter`, newest first.
    pub async fn fills(&self, filter: &FillFilter) -> StoreResult<Vec<Fill>> {
        let mut q =
            QueryBuilder::<Sqlite>::new(format!("SELECT {FILL_COLUMNS} FROM fills WHERE 1 = 1"));
        if let Some(account) = &filter.account_id {
            q.push(" AND account_id = ").push_bind(account);
        }
        if let Some(symbol) = &filter.symbol {
            q.push(" AND symbol = ").push_bind(symbol);
        }
        if let Some(side) = filter.side {
            q.push(" AND side = ").push_bind(side.as_str());
        }
        if let Some(from) = filter.from_ms {
            q.push(" AND ts_ms >= ").push_bind(from);
        }
        if let Some(to) = filter.to_ms {
            q.push(" AND ts_ms < ").push_bind(to);
        }
        q.push(" ORDER BY ts_ms DESC, id DESC");
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(limit);
        }
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(fill_from_row).collect()
    }
}
