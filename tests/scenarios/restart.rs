use crate::support::*;
use keel_domain::{ManualClock, OrderStatus, Side};
use keel_engine::api::FillFilter;
use rust_decimal_macros::dec;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fills_balances_resting_orders_and_candles_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock.clone()).await;
    engine
        .place_order(market(Side::Buy, "ETH/USDT", dec!(0.1)))
        .await
        .unwrap();
    let bid = engine
        .order_book("demo", "BTC/USDT", 1)
        .await
        .unwrap()
        .best_bid()
        .unwrap();
    let resting = engine
        .place_order(limit(
            Side::Buy,
            "BTC/USDT",
            (bid * dec!(0.8)).round_dp(2),
            dec!(0.001),
        ))
        .await
        .unwrap();
    let fills = engine.fills(&FillFilter::default()).await.unwrap();
    let equity = engine.equity("demo").await.unwrap();
    let candles = engine.candles("demo", "ETH/USDT", 100).await.unwrap();
    engine.shutdown().await;
    drop(engine);

    let engine = start(dir.path(), clock.clone()).await;
    assert_eq!(engine.fills(&FillFilter::default()).await.unwrap(), fills);
    let after = engine.equity("demo").await.unwrap();
    for asset in ["USDT", "ETH", "BTC", "SOL"] {
        assert_eq!(
            balance(&after, asset),
            balance(&equity, asset),
            "{asset} balance after restart"
        );
    }
    let open = engine.open_orders("demo").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_order_id, resting.client_order_id);
    assert_eq!(open[0].status, OrderStatus::Open);
    // The restored order is live on the Demo exchange again: it can be canceled there.
    let canceled = engine.cancel_order("demo", resting.id).await.unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    // The chart continues from the stored history.
    let again = engine.candles("demo", "ETH/USDT", 100).await.unwrap();
    let first_closed = &candles[0];
    assert!(
        again.iter().any(|c| c == first_closed),
        "stored candle kept across the restart"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_after_a_restart_is_never_mistaken_for_an_old_one_even_if_the_clock_went_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock.clone()).await;
    engine
        .place_order(market(Side::Buy, "BTC/USDT", dec!(0.001)))
        .await
        .unwrap();
    let before = engine.fills(&FillFilter::default()).await.unwrap().len();
    engine.shutdown().await;
    drop(engine);

    // The clock reads what it read at the first start (stepped back by NTP, say): ids seeded
    // from the time alone would repeat the first run's.
    clock.set(START_MS);
    let engine = start(dir.path(), clock.clone()).await;
    engine
        .place_order(market(Side::Buy, "BTC/USDT", dec!(0.001)))
        .await
        .unwrap();
    let fills = engine.fills(&FillFilter::default()).await.unwrap();
    assert!(fills.len() > before, "the second fill was recorded");
    let qty: rust_decimal::Decimal = fills.iter().map(|f| f.qty).sum();
    assert_eq!(qty, dec!(0.002));
    engine.shutdown().await;
}
