//! Paper accounts: the paper account of the Demo account trades through `Engine::place_order` on
//! the Demo market with its own balances, leaves the Demo account alone, and survives a restart.

#![allow(clippy::unwrap_used)]

use keel_domain::{Amount, Balance, Decimal, OrderKind, OrderStatus, Side};
use keel_engine::api::{FillFilter, PlaceOrderRequest};
use keel_engine::{Engine, EngineConfig, SecretsMode};
use rust_decimal_macros::dec;
use std::time::Duration;

const PAPER: &str = "paper-demo";

async fn engine(dir: &tempfile::TempDir) -> Engine {
    let mut config = EngineConfig::new(dir.path().to_path_buf());
    config.secrets = SecretsMode::VaultFile;
    config.demo_tick_ms = 10;
    Engine::start(config).await.expect("engine")
}

async fn balances(engine: &Engine, account: &str) -> Vec<Balance> {
    let mut b: Vec<Balance> = engine
        .equity(account)
        .await
        .unwrap()
        .balances
        .into_iter()
        .map(|v| v.balance)
        .collect();
    b.sort_by(|x, y| x.asset.cmp(&y.asset));
    b
}

fn asset(balances: &[Balance], asset: &str) -> (Decimal, Decimal) {
    balances
        .iter()
        .find(|b| b.asset == asset)
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
}

fn order(kind: OrderKind, side: Side, price: Option<Decimal>, qty: Decimal) -> PlaceOrderRequest {
    PlaceOrderRequest {
        account_id: PAPER.into(),
        symbol: "BTC/USDT".into(),
        side,
        kind,
        price,
        amount: Amount::Base(qty),
        options: None,
    }
}

async fn paper_fills(engine: &Engine) -> Vec<keel_domain::Fill> {
    engine
        .fills(&FillFilter {
            account_id: Some(PAPER.into()),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_accounts_paper_account_trades_on_its_market_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let demo_before = balances(&engine, "demo").await;

    let view = engine.open_paper_account("demo").await.unwrap();
    assert_eq!(view.id, PAPER);
    assert_eq!(view.venue, "paper");
    assert_eq!(view.market, "spot");
    assert_eq!(view.label, "Paper · Demo exchange");
    assert!(view.live);
    assert_eq!(view.connection.state, "connected");
    assert_eq!(engine.open_paper_account("demo").await.unwrap().id, PAPER);
    assert!(engine.open_paper_account(PAPER).await.is_err());
    assert_eq!(
        balances(&engine, PAPER).await,
        vec![Balance {
            asset: "USDT".into(),
            free: dec!(10000),
            locked: dec!(0)
        }]
    );

    // A market buy fills at once on the Demo market, recorded in the store.
    let bought = engine
        .place_order(order(OrderKind::Market, Side::Buy, None, dec!(0.01)))
        .await
        .unwrap();
    assert_eq!(bought.status, OrderStatus::Filled);
    assert_eq!(bought.venue, "paper");
    let fills = paper_fills(&engine).await;
    assert_eq!(fills.len(), 1);
    let fill = &fills[0];
    assert_eq!((fill.venue.as_str(), fill.qty), ("paper", dec!(0.01)));
    let after_buy = balances(&engine, PAPER).await;
    assert_eq!(
        asset(&after_buy, "USDT"),
        (dec!(10000) - fill.price * fill.qty - fill.fee, dec!(0))
    );
    assert_eq!(asset(&after_buy, "BTC"), (dec!(0.01), dec!(0)));

    // A limit buy above the market takes at once (never above its limit).
    let limit = (fill.price * dec!(1.01)).round_dp(2);
    let taken = engine
        .place_order(order(OrderKind::Limit, Side::Buy, Some(limit), dec!(0.01)))
        .await
        .unwrap();
    assert_eq!(taken.status, OrderStatus::Filled);
    let fills = paper_fills(&engine).await;
    assert_eq!(fills.len(), 2);
    assert!(fills.iter().all(|f| f.price <= limit));
    assert_eq!(
        asset(&balances(&engine, PAPER).await, "BTC"),
        (dec!(0.02), dec!(0))
    );

    // A limit far below rests and locks its funds; canceling unlocks them.
    let low = (fill.price / dec!(2)).round_dp(2);
    let resting = engine
        .place_order(order(OrderKind::Limit, Side::Buy, Some(low), dec!(0.01)))
        .await
        .unwrap();
    assert_eq!(resting.status, OrderStatus::Open);
    let locked = asset(&balances(&engine, PAPER).await, "USDT").1;
    assert_eq!(locked, low * dec!(0.01) * dec!(1.001));
    let canceled = engine.cancel_order(PAPER, resting.id).await.unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert_eq!(asset(&balances(&engine, PAPER).await, "USDT").1, dec!(0));

    // Spending more than the paper account holds is refused, by code.
    let err = engine
        .place_order(order(OrderKind::Market, Side::Buy, None, dec!(5)))
        .await
        .unwrap_err();
    assert_eq!(err.code, keel_engine::api::ErrorCode::InsufficientBalance);

    // One more resting order to carry over the restart.
    let carried = engine
        .place_order(order(OrderKind::Limit, Side::Buy, Some(low), dec!(0.01)))
        .await
        .unwrap();
    assert_eq!(carried.status, OrderStatus::Open);
    let paper_before = balances(&engine, PAPER).await;

    // The Demo account saw none of it.
    assert_eq!(balances(&engine, "demo").await, demo_before);
    assert!(engine.recent_orders("demo", 50).await.unwrap().is_empty());
    assert!(
        engine
            .fills(&FillFilter {
                account_id: Some("demo".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
    // Let the execution recorder store the last balances.
    tokio::time::sleep(Duration::from_millis(200)).await;
    engine.shutdown().await;
    drop(engine);

    // Restart on the same data: the paper account comes back with its balances and order.
    let engine = engine_again(&dir).await;
    let mut reopened = false;
    for _ in 0..200 {
        if engine.equity(PAPER).await.is_ok() {
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened, "the paper account reconnects in the background");
    let accounts = engine.accounts().await.unwrap();
    let row = accounts.iter().find(|a| a.id == PAPER).unwrap();
    assert_eq!(row.venue, "paper");
    assert_eq!(balances(&engine, PAPER).await, paper_before);
    let open = engine.open_orders(PAPER).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, carried.id);
    assert_eq!(open[0].status, OrderStatus::Open);
    engine.cancel_order(PAPER, carried.id).await.unwrap();
    assert_eq!(asset(&balances(&engine, PAPER).await, "USDT").1, dec!(0));
    // A fresh Demo market has printed nothing yet: wait for its first trade.
    for _ in 0..200 {
        if !engine
            .recent_trades(PAPER, "BTC/USDT", 1)
            .await
            .unwrap()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // New fills after the restart get new trade ids (the store keeps each id once).
    let sold = engine
        .place_order(order(OrderKind::Market, Side::Sell, None, dec!(0.02)))
        .await
        .unwrap();
    assert_eq!(sold.status, OrderStatus::Filled);
    let fills = paper_fills(&engine).await;
    assert_eq!(fills.len(), 3);
    assert_eq!(
        asset(&balances(&engine, PAPER).await, "BTC"),
        (dec!(0), dec!(0))
    );
    assert_eq!(balances(&engine, "demo").await.len(), demo_before.len());

    // Removing it follows the usual rules; it is gone from the list after.
    engine.remove_account(PAPER).await.unwrap();
    assert!(
        engine
            .accounts()
            .await
            .unwrap()
            .iter()
            .all(|a| a.id != PAPER)
    );
    engine.shutdown().await;
}

async fn engine_again(dir: &tempfile::TempDir) -> Engine {
    engine(dir).await
}
