//! Store round-trips against a real SQLite file.

use keel_domain::{Amount, Balance, Candle, Fill, OrderKind, OrderStatus, Side};
use keel_store::{AccountRow, FillFilter, NewOrder, OrderChange, Store, StoreError};
use rust_decimal_macros::dec;

async fn open(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&dir.path().join("keel.db"))
        .await
        .expect("open store");
    store
        .ensure_account(&AccountRow::new("demo", "demo", "spot", "Demo", 1))
        .await
        .expect("account");
    store
}

fn new_order() -> NewOrder {
    NewOrder {
        account_id: "demo".into(),
        venue: "demo".into(),
        source: "m".into(),
        symbol: "BTC/USDT".into(),
        side: Side::Buy,
        kind: OrderKind::Limit,
        price: Some(dec!(65000.10)),
        amount: Amount::Base(dec!(0.00150)),
        options: Default::default(),
    }
}

fn fill(trade_id: &str, client_order_id: &str, ts_ms: i64, side: Side) -> Fill {
    Fill {
        venue: "demo".into(),
        account_id: "demo".into(),
        symbol: "BTC/USDT".into(),
        side,
        price: dec!(65000.1),
        qty: dec!(0.001),
        quote_qty: dec!(65.0001),
        fee: dec!(0.0650001),
        fee_asset: "USDT".into(),
        venue_order_id: "D1".into(),
        client_order_id: client_order_id.into(),
        trade_id: trade_id.into(),
        is_maker: false,
        ts_ms,
    }
}

#[tokio::test]
async fn intent_gets_a_deterministic_client_id_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    let a = store.insert_intent(&new_order(), 10).await.unwrap();
    let b = store.insert_intent(&new_order(), 11).await.unwrap();
    assert_eq!(a.client_order_id, "km000000000001");
    assert_eq!(b.client_order_id, "km000000000002");
    assert!(a.client_order_id.len() <= 32);
    assert_eq!(a.status, OrderStatus::Intent);
    assert_eq!(a.price, Some(dec!(65000.1)));
    assert_eq!(a.amount, Amount::Base(dec!(0.0015)));
    assert_eq!(store.order(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.order_by_client_id(&b.client_order_id).await.unwrap(),
        Some(b)
    );
}

#[tokio::test]
async fn fills_apply_once_and_a_late_ack_never_reopens_a_filled_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    let order = store.insert_intent(&new_order(), 10).await.unwrap();
    let cid = order.client_order_id.clone();
    let submitting = OrderChange {
        client_order_id: cid.clone(),
        venue_order_id: None,
        status: OrderStatus::Submitting,
        filled_qty: None,
        filled_quote: None,
        reason: None,
    };
    store.apply_order_change(&submitting, 15).await.unwrap();
    let filled = OrderChange {
        client_order_id: cid.clone(),
        venue_order_id: Some("D1".into()),
        status: OrderStatus::Filled,
        filled_qty: Some(dec!(0.0015)),
        filled_quote: Some(dec!(97.5)),
        reason: None,
    };
    let balances = [Balance {
        asset: "USDT".into(),
        free: dec!(9902.5),
        locked: dec!(0),
    }];
    let f = fill("T1", &cid, 20, Side::Buy);
    let (new, orders) = store
        .apply_execution(
            "demo",
            std::slice::from_ref(&f),
            std::slice::from_ref(&filled),
            Some(&balances),
            20,
        )
        .await
        .unwrap();
    assert_eq!(new, vec![f.clone()]);
    assert_eq!(orders[0].status, OrderStatus::Filled);
    // The same fill again (from the stream after the ack): not applied twice.
    let (new, _) = store
        .apply_execution("demo", &[f], &[], None, 21)
        .await
        .unwrap();
    assert!(new.is_empty());
    assert_eq!(store.fills(&FillFilter::default()).await.unwrap().len(), 1);
    // A late "open" ack must not regress the order.
    let late = OrderChange {
        status: OrderStatus::Open,
        filled_qty: Some(dec!(0)),
        ..filled
    };
    let after = store.apply_order_change(&late, 22).await.unwrap().unwrap();
    assert_eq!(after.status, OrderStatus::Filled);
    assert_eq!(after.filled_qty, dec!(0.0015));
    assert_eq!(store.balances("demo").await.unwrap(), balances.to_vec());
}

#[tokio::test]
async fn an_intent_cannot_jump_to_filled_without_being_sent() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    let order = store.insert_intent(&new_order(), 10).await.unwrap();
    let change = OrderChange {
        client_order_id: order.client_order_id,
        venue_order_id: None,
        status: OrderStatus::Filled,
        filled_qty: None,
        filled_quote: None,
        reason: None,
    };
    let after = store
        .apply_order_change(&change, 11)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, OrderStatus::Intent);
}

#[tokio::test]
async fn fill_filters_select_by_symbol_side_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    let mut eth = fill("T3", "c3", 300, Side::Sell);
    eth.symbol = "ETH/USDT".into();
    let fills = [
        fill("T1", "c1", 100, Side::Buy),
        fill("T2", "c2", 200, Side::Sell),
        eth,
    ];
    store
        .apply_execution("demo", &fills, &[], None, 1)
        .await
        .unwrap();
    let all = store.fills(&FillFilter::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|f| f.trade_id.as_str()).collect::<Vec<_>>(),
        ["T3", "T2", "T1"]
    );
    let q = |f: FillFilter| {
        let store = store.clone();
        async move {
            store
                .fills(&f)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.trade_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        q(FillFilter {
            symbol: Some("BTC/USDT".into()),
            ..Default::default()
        })
        .await,
        ["T2", "T1"]
    );
    assert_eq!(
        q(FillFilter {
            side: Some(Side::Sell),
            ..Default::default()
        })
        .await,
        ["T3", "T2"]
    );
    assert_eq!(
        q(FillFilter {
            from_ms: Some(200),
            to_ms: Some(300),
            ..Default::default()
        })
        .await,
        ["T2"]
    );
    assert_eq!(
        q(FillFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await,
        ["T3"]
    );
}

#[tokio::test]
async fn csv_export_has_the_header_and_exact_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    store
        .apply_execution(
            "demo",
            &[fill("T1", "km1", 1_763_751_600_123, Side::Buy)],
            &[],
            None,
            1,
        )
        .await
        .unwrap();
    let out = dir.path().join("fills.csv");
    let rows = store
        .export_fills_csv(&FillFilter::default(), &out)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text,
        "time_utc,venue,account,symbol,side,price,quantity,quote_amount,fee,fee_asset,order_id,trade_id\n\
         2025-11-21T19:00:00.123Z,demo,demo,BTC/USDT,buy,65000.1,0.001,65.0001,0.0650001,USDT,D1,T1\n"
    );
    let bad = dir.path().join("no/such/dir/fills.csv");
    assert!(matches!(
        store.export_fills_csv(&FillFilter::default(), &bad).await,
        Err(StoreError::Io { .. })
    ));
}

#[tokio::test]
async fn candles_upsert_and_read_back_newest_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    let candles: Vec<Candle> = (0..1200)
        .map(|i| Candle {
            open_time_ms: i * 60_000,
            open: dec!(1.5),
            high: dec!(2),
            low: dec!(1),
            close: dec!(1.75),
            volume: rust_decimal::Decimal::from(i),
        })
        .collect();
    store
        .upsert_candles("demo", "BTC/USDT", 60_000, &candles)
        .await
        .unwrap();
    let back = store
        .candles("demo", "BTC/USDT", 60_000, 100)
        .await
        .unwrap();
    assert_eq!(back.len(), 100);
    assert_eq!(back[0], candles[1100]);
    assert_eq!(back[99], candles[1199]);
}

#[tokio::test]
async fn a_second_engine_on_the_same_database_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(&dir).await;
    let second = Store::open(&dir.path().join("keel.db")).await;
    assert!(
        matches!(second, Err(StoreError::AlreadyOpen { .. })),
        "{second:?}"
    );
    first.close().await;
    drop(first);
    let third = Store::open(&dir.path().join("keel.db"))
        .await
        .expect("reopen after close");
    assert_eq!(
        third.accounts().await.unwrap().len(),
        1,
        "state survived the restart"
    );
}

#[tokio::test]
async fn settings_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    assert_eq!(store.setting("trading_paused").await.unwrap(), None);
    store.set_setting("trading_paused", "true").await.unwrap();
    store.set_setting("trading_paused", "false").await.unwrap();
    assert_eq!(
        store.setting("trading_paused").await.unwrap().as_deref(),
        Some("false")
    );
}

#[tokio::test]
async fn accounts_keep_settings_and_history_after_removal() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let row = AccountRow {
        testnet: true,
        proxy: Some("socks5://127.0.0.1:1080".into()),
        api_key_hint: Some("h8A9".into()),
        secret_store: "keychain".into(),
        ..AccountRow::new("bn1", "binance", "spot", "Binance main", 10)
    };
    store.upsert_account(&row).await.expect("insert");
    store.set_account_live("bn1", true).await.expect("live");
    let got = store.accounts().await.expect("accounts");
    let bn = got.iter().find(|a| a.id == "bn1").expect("bn1 listed");
    assert_eq!(
        (bn.live, bn.testnet, bn.proxy.as_deref()),
        (true, true, Some("socks5://127.0.0.1:1080"))
    );

    // An order on the account, then the account is removed: hidden, not live, history kept.
    let intent = store
        .insert_intent(
            &NewOrder {
                account_id: "bn1".into(),
                venue: "binance".into(),
                ..new_order()
            },
            20,
        )
        .await
        .expect("intent");
    assert!(store.remove_account("bn1", 30).await.expect("remove"));
    assert!(
        !store.remove_account("bn1", 31).await.expect("again"),
        "removing twice is a no-op"
    );
    assert!(
        store
            .accounts()
            .await
            .expect("accounts")
            .iter()
            .all(|a| a.id != "bn1")
    );
    assert!(store.order(intent.id).await.expect("order").is_some());

    // Adding it again brings it back with the new settings, read-only until switched.
    store
        .upsert_account(&AccountRow {
            label: "Binance again".into(),
            ..row.clone()
        })
        .await
        .expect("re-add");
    let back = store.accounts().await.expect("accounts");
    let bn = back.iter().find(|a| a.id == "bn1").expect("bn1 back");
    assert_eq!((bn.label.as_str(), bn.live), ("Binance again", false));
}

#[tokio::test]
async fn the_secret_audit_log_records_uses_newest_first() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    store
        .audit_secret("bn1", "store", "account added", 1)
        .await
        .expect("a");
    store
        .audit_secret("bn1", "read", "connect", 2)
        .await
        .expect("b");
    store
        .audit_secret("bn2", "read", "connect", 3)
        .await
        .expect("c");
    let all = store.secret_audit(None, 10).await.expect("all");
    assert_eq!(
        all.iter().map(|e| e.ts_ms).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    let one = store.secret_audit(Some("bn1"), 10).await.expect("one");
    assert_eq!(
        one.iter()
            .map(|e| (e.action.as_str(), e.purpose.as_str()))
            .collect::<Vec<_>>(),
        vec![("read", "connect"), ("store", "account added")]
    );
    assert!(
        store.audit_secret("bn1", "leak", "x", 4).await.is_err(),
        "unknown actions are refused"
    );
}

#[tokio::test]
async fn conditional_orders_keep_their_options() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let options = keel_domain::OrderOptions {
        stop_price: Some(dec!(61000)),
        time_in_force: keel_domain::TimeInForce::Ioc,
        reduce_only: true,
        close_position: false,
        position_side: keel_domain::PositionSide::Long,
    };
    let new = NewOrder {
        kind: OrderKind::StopLimit,
        options,
        ..new_order()
    };
    let intent = store.insert_intent(&new, 5).await.expect("intent");
    let again = store.order(intent.id).await.expect("read").expect("exists");
    assert_eq!((again.kind, again.options), (OrderKind::StopLimit, options));
}

/// A database written by the first release (before order options existed) opens with every
/// order intact after the table rebuild.
#[tokio::test]
async fn upgrading_an_old_database_keeps_its_orders() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("keel.db");
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut first = sqlx::migrate::Migrator::new(std::path::Path::new(migrations))
        .await
        .expect("migrations");
    first.migrations = std::borrow::Cow::Owned(first.migrations[..1].to_vec());
    let pool = SqlitePoolOptions::new()
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .expect("old db");
    first.run(&pool).await.expect("first migration");
    sqlx::query("INSERT INTO accounts (id, venue, market, label, created_ms) VALUES ('demo', 'demo', 'spot', 'Demo', 1)")
        .execute(&pool)
        .await
        .expect("account");
    sqlx::query(
        "INSERT INTO orders (account_id, venue, client_order_id, symbol, side, kind, price, amount_unit,
             amount, filled_qty, filled_quote, status, created_ms, updated_ms)
         VALUES ('demo', 'demo', 'km000000000007', 'BTC/USDT', 'buy', 'limit', '65000.1', 'base',
             '0.0015', '0.0015', '97.50015', 'filled', 5, 6)",
    )
    .execute(&pool)
    .await
    .expect("old order");
    pool.close().await;

    let store = Store::open(&path).await.expect("upgraded");
    let order = store
        .order_by_client_id("km000000000007")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (order.status, order.filled_quote, order.options),
        (
            OrderStatus::Filled,
            dec!(97.50015),
            keel_domain::OrderOptions::default()
        )
    );
    let demo = store.accounts().await.expect("accounts");
    assert!(demo[0].live, "the Demo account trades without switching");
}
