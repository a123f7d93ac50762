//! Orders: the intent is committed before anything is sent; later changes follow the lifecycle
//! rule in `OrderStatus::can_become`, so a late ack never turns a filled order back into open.

use crate::{Store, StoreError, StoreResult, decimal_text, parse_decimal};
use keel_domain::{
    Amount, Balance, Decimal, Fill, OrderKind, OrderOptions, OrderRecord, OrderStatus,
    PositionSide, Side, TimeInForce, TimestampMs,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

/// An order the trader (or a bot) wants; becomes an `Intent` row with a fresh client order id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub account_id: String,
    pub venue: String,
    /// Who asked, `[a-z0-9]{1,8}`: `m` for manual orders, a bot's short id otherwise.
    pub source: String,
    pub symbol: String,
    pub side: Side,
    pub kind: OrderKind,
    pub price: Option<Decimal>,
    pub amount: Amount,
    pub options: OrderOptions,
}

/// What the venue said about an order: applied if the lifecycle allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderChange {
    pub client_order_id: String,
    pub venue_order_id: Option<String>,
    pub status: OrderStatus,
    /// Cumulative filled quantity and quote as the venue reports them; only ever grow.
    pub filled_qty: Option<Decimal>,
    pub filled_quote: Option<Decimal>,
    pub reason: Option<String>,
}

const ORDER_COLUMNS: &str = "id, account_id, venue, client_order_id, venue_order_id, symbol, side, \
     kind, price, amount_unit, amount, filled_qty, filled_quote, status, reason, created_ms, updated_ms, \
     stop_price, time_in_force, reduce_only, close_position, position_side";

fn order_from_row(r: &SqliteRow) -> StoreResult<OrderRecord> {
    let side: String = r.get("side");
    let kind: String = r.get("kind");
    let status: String = r.get("status");
    let unit: String = r.get("amount_unit");
    let amount = parse_decimal(r.get("amount"), "orders.amount")?;
    let price: Option<String> = r.get("price");
    let stop_price: Option<String> = r.get("stop_price");
    let tif: String = r.get("time_in_force");
    let position_side: String = r.get("position_side");
    let options = OrderOptions {
        stop_price: stop_price
            .map(|p| parse_decimal(&p, "orders.stop_price"))
            .transpose()?,
        time_in_force: TimeInForce::parse(&tif)
            .ok_or_else(|| StoreError::Corrupt(format!("time_in_force {tif:?}")))?,
        reduce_only: r.get("reduce_only"),
        close_position: r.get("close_position"),
        position_side: PositionSide::parse(&position_side)
            .ok_or_else(|| StoreError::Corrupt(format!("position_side {position_side:?}")))?,
    };
    Ok(OrderRecord {
        id: r.get("id"),
        account_id: r.get("account_id"),
        venue: r.get("venue"),
        client_order_id: r.get("client_order_id"),
        venue_order_id: r.get("venue_order_id"),
        symbol: r.get("symbol"),
        side: Side::parse(&side).ok_or_else(|| StoreError::Corrupt(format!("side {side:?}")))?,
        kind: OrderKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?,
        price: price
            .map(|p| parse_decimal(&p, "orders.price"))
            .transpose()?,
        amount: match unit.as_str() {
            "base" => Amount::Base(amount),
            "quote" => Amount::Quote(amount),
            other => return Err(StoreError::Corrupt(format!("amount_unit {other:?}"))),
        },
        filled_qty: parse_decimal(r.get("filled_qty"), "orders.filled_qty")?,
        filled_quote: parse_decimal(r.get("filled_quote"), "orders.filled_quote")?,
        status: OrderStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
        reason: r.get("reason"),
        created_ms: r.get("created_ms"),
        updated_ms: r.get("updated_ms"),
        options,
    })
}

fn amount_parts(amount: Amount) -> (&'static str, String) {
    match amount {
        Amount::Base(v) => ("base", decimal_text(v)),
        Amount::Quote(v) => ("quote", decimal_text(v)),
    }
}

impl Store {
    /// Commits a new order as `Intent` with a deterministic client order id
    /// (`k<source><sequence>`, at most 32 characters of `[a-z0-9]`), before it is sent anywhere.
    pub async fn insert_intent(
        &self,
        new: &NewOrder,
        now: TimestampMs,
    ) -> StoreResult<OrderRecord> {
        if new.source.is_empty()
            || new.source.len() > 8
            || !new
                .source
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(StoreError::Corrupt(format!(
                "order source {:?}",
                new.source
            )));
        }
        let mut tx = self.writer().begin().await?;
        let seq: i64 = sqlx::query(
            "INSERT INTO id_sequences (name, next_value) VALUES (?, 1)
             ON CONFLICT(name) DO UPDATE SET next_value = next_value + 1
             RETURNING next_value",
        )
        .bind(format!("order:{}", new.source))
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        let client_order_id = format!("k{}{:012}", new.source, seq);
        let (unit, amount) = amount_parts(new.amount);
        let row = sqlx::query(&format!(
            "INSERT INTO orders (account_id, venue, client_order_id, symbol, side, kind, price,
                 amount_unit, amount, status, created_ms, updated_ms, stop_price, time_in_force,
                 reduce_only, close_position, position_side)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?, ?, ?, ?, ?, ?, ?)
             RETURNING {ORDER_COLUMNS}"
        ))
        .bind(&new.account_id)
        .bind(&new.venue)
        .bind(&client_order_id)
        .bind(&new.symbol)
        .bind(new.side.as_str())
        .bind(new.kind.as_str())
        .bind(new.price.map(decimal_text))
        .bind(unit)
        .bind(amount)
        .bind(now)
        .bind(now)
        .bind(new.options.stop_price.map(decimal_text))
        .bind(new.options.time_in_force.as_str())
        .bind(new.options.reduce_only)
        .bind(new.options.close_position)
        .bind(new.options.position_side.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let record = order_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn order(&self, id: i64) -> StoreResult<Option<OrderRecord>> {
        let row = sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    pub async fn order_by_client_id(
        &self,
        client_order_id: &str,
    ) -> StoreResult<Option<OrderRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE client_order_id = ?"
        ))
        .bind(client_order_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// Orders not yet in a terminal state (including intents and unresolved submits), oldest first.
    pub async fn live_orders(&self, account_id: &str) -> StoreResult<Vec<OrderRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = ?
               AND status NOT IN ('filled', 'canceled', 'expired', 'rejected')
             ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    pub async fn recent_orders(
        &self,
        account_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<OrderRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = ? ORDER BY id DESC LIMIT ?"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Applies one order change on its own.
    pub async fn apply_order_change(
        &self,
        change: &OrderChange,
        now: TimestampMs,
    ) -> StoreResult<Option<OrderRecord>> {
        let mut tx = self.writer().begin().await?;
        let record = change_in_tx(&mut tx, change, now).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Applies what a venue reported, in ONE transaction: new fills (each at most once, by
    /// trade id), order changes, and the account's balances. Returns the fills that were new
    /// and the orders as they now stand.
    pub async fn apply_execution(
        &self,
        account_id: &str,
        fills: &[Fill],
        changes: &[OrderChange],
        balances: Option<&[Balance]>,
        now: TimestampMs,
    ) -> StoreResult<(Vec<Fill>, Vec<OrderRecord>)> {
        let mut tx = self.writer().begin().await?;
        let mut new_fills = Vec::new();
        for fill in fills {
            if crate::fills::insert_fill(&mut tx, fill).await? {
                new_fills.push(fill.clone());
            }
        }
        let mut orders = Vec::new();
        for change in changes {
            if let Some(record) = change_in_tx(&mut tx, change, now).await? {
                orders.push(record);
            }
        }
        if let Some(balances) = balances {
            crate::balances::replace_in_tx(&mut tx, account_id, balances, now).await?;
        }
        tx.commit().await?;
        Ok((new_fills, orders))
    }
}

async fn change_in_tx(
    tx: &mut Transaction<'_, Sqlite>,
    change: &OrderChange,
    now: TimestampMs,
) -> StoreResult<Option<OrderRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE client_order_id = ?"
    ))
    .bind(&change.client_order_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(current) = row.as_ref().map(order_from_row).transpose()? else {
        return Ok(None);
    };
    let status = if current.status.can_become(change.status) {
        change.status
    } else {
        current.status
    };
    let filled_qty = change
        .filled_qty
        .map_or(current.filled_qty, |q| q.max(current.filled_qty));
    let filled_quote = change
        .filled_quote
        .map_or(current.filled_quote, |q| q.max(current.filled_quote));
    let venue_order_id = change
        .venue_order_id
        .clone()
        .or(current.venue_order_id.clone());
    let reason = change.reason.clone().or(current.reason.clone());
    let row = sqlx::query(&format!(
        "UPDATE orders SET status = ?, filled_qty = ?, filled_quote = ?, venue_order_id = ?,
             reason = ?, updated_ms = ?
         WHERE id = ? RETURNING {ORDER_COLUMNS}"
    ))
    .bind(status.as_str())
    .bind(decimal_text(filled_qty))
    .bind(decimal_text(filled_quote))
    .bind(venue_order_id)
    .bind(reason)
    .bind(now)
    .bind(current.id)
    .fetch_one(&mut **tx)
    .await?;
    order_from_row(&row).map(Some)
}

impl Store {
    /// Orders updated since `since_ms` whose cumulative filled quantity (as the venue reported
    /// it) is ahead of the fills recorded for them: their missing fills must be fetched.
    pub async fn orders_missing_fills(
        &self,
        account_id: &str,
        since_ms: TimestampMs,
    ) -> StoreResult<Vec<OrderRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders
             WHERE account_id = ? AND updated_ms >= ? AND filled_qty != '0' ORDER BY id"
        ))
        .bind(account_id)
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let order = order_from_row(row)?;
            let recorded: Vec<String> = sqlx::query_scalar(
                "SELECT qty FROM fills WHERE account_id = ? AND client_order_id = ?",
            )
            .bind(account_id)
            .bind(&order.client_order_id)
            .fetch_all(self.pool())
            .await?;
            let mut sum = Decimal::ZERO;
            for qty in &recorded {
                sum += parse_decimal(qty, "fills.qty")?;
            }
            if sum < order.filled_qty {
                out.push(order);
            }
        }
        Ok(out)
    }
}
