use crate::support::*;
use keel_domain::{ManualClock, OrderStatus, Side};
use keel_engine::api::{AccountEvent, ErrorCode, FillFilter};
use rust_decimal_macros::dec;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_buy_fills_pays_fees_and_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock.clone()).await;
    let mut events = engine.account_events();
    let before = engine.equity("demo").await.unwrap();

    let order = engine
        .place_order(market(Side::Buy, "BTC/USDT", dec!(0.001)))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(order.filled_qty, dec!(0.001));
    assert!(order.client_order_id.starts_with("km") && order.client_order_id.len() <= 32);

    let fills = engine.fills(&FillFilter::default()).await.unwrap();
    assert!(!fills.is_empty());
    let qty: rust_decimal::Decimal = fills.iter().map(|f| f.qty).sum();
    let quote: rust_decimal::Decimal = fills.iter().map(|f| f.quote_qty).sum();
    let fees: rust_decimal::Decimal = fills.iter().map(|f| f.fee).sum();
    assert_eq!(qty, dec!(0.001));
    assert_eq!(quote, order.filled_quote);
    assert!(fees > dec!(0) && fills.iter().all(|f| f.fee_asset == "USDT" && !f.is_maker));

    let after = engine.equity("demo").await.unwrap();
    assert_eq!(
        balance(&after, "BTC").0 - balance(&before, "BTC").0,
        dec!(0.001)
    );
    assert_eq!(
        balance(&before, "USDT").0 - balance(&after, "USDT").0,
        quote + fees
    );

    // The venue also pushes the same fills on its stream: still recorded once.
    let mut saw_fill = false;
    while let Ok(Ok(ev)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), events.recv()).await
    {
        saw_fill |= matches!(ev, AccountEvent::Fill { .. });
    }
    assert!(saw_fill, "subscribers heard about the fill");
    assert_eq!(
        engine.fills(&FillFilter::default()).await.unwrap().len(),
        fills.len()
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_orders_are_refused_with_specific_codes_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock).await;

    let err = engine
        .place_order(market(Side::Buy, "BTC/USDT", dec!(0.000001)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::QuantityTooSmall);
    assert!(err.message.contains("minimum"), "{}", err.message);

    let err = engine
        .place_order(limit(Side::Buy, "BTC/USDT", dec!(60000.005), dec!(0.001)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::PriceOffTick);

    let err = engine
        .place_order(market(Side::Buy, "BTC/USDT", dec!(5)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientBalance);
    assert!(err.message.contains("USDT"), "{}", err.message);

    let err = engine
        .place_order(market(Side::Sell, "SOL/USDT", dec!(1000)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientBalance);

    let err = engine
        .place_order(market(Side::Buy, "DOGE/USDT", dec!(1)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownSymbol);

    assert!(engine.open_orders("demo").await.unwrap().is_empty());
    assert!(
        engine.recent_orders("demo", 10).await.unwrap().is_empty(),
        "no intent was written"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_trading_refuses_orders_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock).await;
    engine.set_trading_paused(true).await.unwrap();
    let err = engine
        .place_order(market(Side::Buy, "ETH/USDT", dec!(0.01)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::TradingPaused);
    engine.set_trading_paused(false).await.unwrap();
    engine
        .place_order(market(Side::Buy, "ETH/USDT", dec!(0.01)))
        .await
        .unwrap();
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_limit_locks_funds_fills_as_maker_on_the_prints_or_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock.clone()).await;
    let book = engine.order_book("demo", "SOL/USDT", 5).await.unwrap();
    let bid = book.best_bid().unwrap();

    // Far below the market: rests, locks quote, and can be canceled.
    let far = engine
        .place_order(limit(
            Side::Buy,
            "SOL/USDT",
            (bid * dec!(0.5)).round_dp(2),
            dec!(1),
        ))
        .await
        .unwrap();
    assert_eq!(far.status, OrderStatus::Open);
    let locked = balance(&engine.equity("demo").await.unwrap(), "USDT").1;
    assert!(locked > dec!(0));
    let canceled = engine.cancel_order("demo", far.id).await.unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert_eq!(
        balance(&engine.equity("demo").await.unwrap(), "USDT").1,
        dec!(0)
    );
    let err = engine.cancel_order("demo", far.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::OrderNotCancelable);

    // At the bid: the market trades through it before long.
    let near = engine
        .place_order(limit(Side::Buy, "SOL/USDT", bid, dec!(0.5)))
        .await
        .unwrap();
    assert!(matches!(
        near.status,
        OrderStatus::Open | OrderStatus::PartiallyFilled | OrderStatus::Filled
    ));
    let store_engine = engine.clone();
    eventually(&clock, "the resting limit to fill", || {
        let e = store_engine.clone();
        async move { e.recent_orders("demo", 1).await.unwrap()[0].status == OrderStatus::Filled }
    })
    .await;
    let fills = engine
        .fills(&FillFilter {
            symbol: Some("SOL/USDT".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        fills.iter().map(|f| f.qty).sum::<rust_decimal::Decimal>(),
        dec!(0.5)
    );
    assert!(fills.iter().all(|f| f.price <= bid));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_on_the_same_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock.clone()).await;
    let second = keel_engine::Engine::start_with_clock(
        keel_engine::EngineConfig::new(dir.path().into()),
        clock,
    )
    .await;
    assert_eq!(
        second.err().map(|e| e.code),
        Some(ErrorCode::AlreadyRunning)
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_streams_can_be_opened_from_a_thread_outside_the_runtime() {
    // The desktop shell calls synchronous commands from the UI thread, which has no runtime.
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock.clone()).await;
    let from_ui_thread = engine.clone();
    let mut batches = std::thread::spawn(move || {
        from_ui_thread
            .market_batches("demo", "BTC/USDT", std::time::Duration::from_millis(50))
            .expect("stream opens")
    })
    .join()
    .expect("no panic on a thread without a runtime");
    clock.advance(5_000);
    let batch = tokio::time::timeout(std::time::Duration::from_secs(5), batches.recv())
        .await
        .expect("a batch arrives")
        .expect("stream open");
    assert_eq!(batch.symbol, "BTC/USDT");
    assert!(batch.last_price.is_some());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_all_in_buy_that_leaves_nothing_for_the_fee_is_refused_before_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock).await;
    let ask = engine
        .order_book("demo", "BTC/USDT", 1)
        .await
        .unwrap()
        .best_ask()
        .unwrap();
    // 9,995 USDT of BTC fits the 10,000 USDT balance, but not with the 0.1 % taker fee.
    let qty = (dec!(9995) / ask).round_dp_with_strategy(5, rust_decimal::RoundingStrategy::ToZero);
    let err = engine
        .place_order(market(Side::Buy, "BTC/USDT", qty))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientBalance);
    assert!(err.message.contains("with fees"), "{}", err.message);
    assert!(engine.recent_orders("demo", 5).await.unwrap().is_empty());
    // Spending a quote amount includes the fee, so the whole balance can be used that way.
    let all_in = keel_engine::api::PlaceOrderRequest {
        amount: keel_domain::Amount::Quote(dec!(10000)),
        ..market(Side::Buy, "BTC/USDT", dec!(0))
    };
    let order = engine.place_order(all_in).await.unwrap();
    assert!(matches!(
        order.status,
        OrderStatus::Filled | OrderStatus::Expired
    ));
    let usdt = balance(&engine.equity("demo").await.unwrap(), "USDT").0;
    assert!(
        usdt >= dec!(0) && usdt < dec!(1),
        "spent all but dust: {usdt}"
    );
    engine.shutdown().await;
}
