//! The paper venue: orders matched against the wrapped venue's live prints, its own spot
//! balances (exact Decimals), and nothing ever sent to the wrapped venue's trading side.

#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use keel_domain::{
    Amount, Balance, Candle, Fill, Instrument, ManualClock, OrderBook, OrderKind, OrderOptions,
    OrderStatus, Side, SubmitOrder, TimeInForce, Trade,
};
use keel_exchange::{
    AccountState, ExchangeError, ExchangeResult, ExecutionEvent, FeeRates, MarketData, MarketEvent,
    OrderAck, OrderUpdate, RejectReason, Trading, Venue,
};
use keel_sim::paper::{PaperConfig, PaperVenue};
use keel_sim::{DemoConfig, DemoExchange, RestoredOrder};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// A real venue's stand-in: market data we script, a trading side that counts every call (and
/// must never see one).
struct Fake {
    market_tx: broadcast::Sender<MarketEvent>,
    execution_tx: broadcast::Sender<ExecutionEvent>,
    trades: Mutex<Vec<Trade>>,
    trading_calls: AtomicUsize,
    watching: AtomicI64,
    next_trade: AtomicU64,
    fees: Option<FeeRates>,
}

impl Fake {
    fn new(fees: Option<FeeRates>) -> Arc<Fake> {
        Arc::new(Fake {
            market_tx: broadcast::channel(1024).0,
            execution_tx: broadcast::channel(16).0,
            trades: Mutex::default(),
            trading_calls: AtomicUsize::new(0),
            watching: AtomicI64::new(0),
            next_trade: AtomicU64::new(1),
            fees,
        })
    }

    fn print(&self, ts_ms: i64, price: Decimal, qty: Decimal, taker_side: Side) {
        let trade = Trade {
            id: self.next_trade.fetch_add(1, Ordering::SeqCst),
            ts_ms,
            price,
            qty,
            taker_side,
        };
        self.trades.lock().unwrap().push(trade.clone());
        let _ = self.market_tx.send(MarketEvent::Trade {
            symbol: "BTC/USDT".into(),
            trade,
        });
    }

    fn refused<T>(&self) -> ExchangeResult<T> {
        self.trading_calls.fetch_add(1, Ordering::SeqCst);
        Err(ExchangeError::rejected(
            RejectReason::Other,
            "sent to the real venue",
        ))
    }
}

fn btc() -> Instrument {
    Instrument {
        symbol: "BTC/USDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick_size: dec!(0.01),
        step_size: dec!(0.0001),
        min_qty: dec!(0.0001),
        max_qty: dec!(1000),
        min_notional: dec!(5),
    }
}

#[async_trait]
impl MarketData for Fake {
    async fn instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        Ok(vec![btc()])
    }
    async fn candles(&self, _: &str, _: i64, _: usize) -> ExchangeResult<Vec<Candle>> {
        Ok(Vec::new())
    }
    async fn order_book(&self, _: &str, _: usize) -> ExchangeResult<OrderBook> {
        Ok(OrderBook {
            bids: vec![],
            asks: vec![],
            ts_ms: 0,
        })
    }
    async fn recent_trades(&self, _: &str, limit: usize) -> ExchangeResult<Vec<Trade>> {
        Ok(self
            .trades
            .lock()
            .unwrap()
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }
    fn market_events(&self) -> broadcast::Receiver<MarketEvent> {
        self.market_tx.subscribe()
    }
    async fn watch(&self, _: &str) -> ExchangeResult<()> {
        self.watching.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn unwatch(&self, _: &str) {
        self.watching.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl Trading for Fake {
    async fn submit_order(&self, _: &SubmitOrder) -> ExchangeResult<OrderAck> {
        self.refused()
    }
    async fn cancel_order(&self, _: &str, _: &str) -> ExchangeResult<OrderUpdate> {
        self.refused()
    }
    async fn query_order(&self, _: &str, _: &str) -> ExchangeResult<Option<OrderUpdate>> {
        self.refused()
    }
    async fn open_orders(&self) -> ExchangeResult<Vec<OrderUpdate>> {
        self.refused()
    }
    async fn order_fills(&self, _: &str, _: &str) -> ExchangeResult<Vec<Fill>> {
        self.refused()
    }
    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent> {
        self.trading_calls.fetch_add(1, Ordering::SeqCst);
        self.execution_tx.subscribe()
    }
}

#[async_trait]
impl AccountState for Fake {
    async fn balances(&self) -> ExchangeResult<Vec<Balance>> {
        Ok(vec![Balance {
            asset: "USDT".into(),
            free: dec!(5),
            locked: dec!(0),
        }])
    }
    async fn fee_rates(&self, _: &str) -> ExchangeResult<FeeRates> {
        self.fees.ok_or(ExchangeError::Transient {
            message: "no fee endpoint".into(),
            retry_after_ms: None,
        })
    }
}

#[async_trait]
impl Venue for Fake {
    fn venue_id(&self) -> &str {
        "fake"
    }
}

const FEES: FeeRates = FeeRates {
    maker: dec!(0.0008),
    taker: dec!(0.001),
};

async fn paper(fake: &Arc<Fake>) -> Arc<PaperVenue> {
    PaperVenue::connect(
        fake.clone(),
        PaperConfig {
            account_id: "paper-x".into(),
            balances: None,
            first_id: 100,
        },
        Arc::new(ManualClock::new(1_000)),
    )
    .await
    .unwrap()
}

fn order(
    cid: &str,
    side: Side,
    kind: OrderKind,
    price: Option<Decimal>,
    qty: Decimal,
) -> SubmitOrder {
    SubmitOrder {
        client_order_id: cid.into(),
        symbol: "BTC/USDT".into(),
        side,
        kind,
        price,
        amount: Amount::Base(qty),
        options: OrderOptions::default(),
    }
}

fn balance(balances: &[Balance], asset: &str) -> (Decimal, Decimal) {
    balances
        .iter()
        .find(|b| b.asset == asset)
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
}

async fn next_fill(events: &mut broadcast::Receiver<ExecutionEvent>) -> Fill {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let ExecutionEvent::Fill(f) = events.recv().await.unwrap() {
                return f;
            }
        }
    })
    .await
    .expect("a fill arrives")
}

/// Waits until the feed task has seen everything sent so far (it handles events in order, and
/// a print far from every order only moves the last price).
async fn settle(fake: &Fake) {
    for _ in 0..200 {
        if fake.market_tx.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::test]
async fn a_fresh_paper_account_holds_ten_thousand_of_the_quote_asset_only() {
    let fake = Fake::new(Some(FEES));
    let paper = paper(&fake).await;
    let balances = paper.balances().await.unwrap();
    assert_eq!(
        balances,
        vec![Balance {
            asset: "USDT".into(),
            free: dec!(10000),
            locked: dec!(0)
        }]
    );
    assert_eq!(paper.venue_id(), "paper");
    assert!(paper.derivatives().is_none());
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_market_buy_fills_at_the_last_print_and_moves_balances_exactly() {
    let fake = Fake::new(Some(FEES));
    let paper = paper(&fake).await;
    let mut events = paper.execution_events();
    fake.print(900, dec!(100.00), dec!(5), Side::Sell);
    let ack = paper
        .submit_order(&order("k1", Side::Buy, OrderKind::Market, None, dec!(2)))
        .await
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Filled);
    assert_eq!(ack.order.filled_qty, dec!(2));
    assert_eq!(ack.order.filled_quote, dec!(200));
    assert_eq!(ack.fills.len(), 1);
    let fill = &ack.fills[0];
    assert_eq!(
        (fill.price, fill.qty, fill.fee),
        (dec!(100), dec!(2), dec!(0.2))
    );
    assert_eq!(fill.fee_asset, "USDT");
    assert_eq!(fill.account_id, "paper-x");
    assert_eq!(fill.venue, "paper");
    assert!(!fill.is_maker);
    // 200 + 0.1 % taker fee = 200.2 USDT.
    let balances = paper.balances().await.unwrap();
    assert_eq!(balance(&balances, "USDT"), (dec!(9799.8), dec!(0)));
    assert_eq!(balance(&balances, "BTC"), (dec!(2), dec!(0)));
    // The same fill on the stream, then the order, then the balances.
    assert_eq!(&next_fill(&mut events).await, fill);
    match events.recv().await.unwrap() {
        ExecutionEvent::Order(u) => assert_eq!(u, ack.order),
        other => panic!("expected the order, got {other:?}"),
    }
    assert!(matches!(events.recv().await.unwrap(), ExecutionEvent::Balances(b) if b == balances));
    // A second buy follows the next print, with a new trade id.
    fake.print(1_100, dec!(101.50), dec!(5), Side::Buy);
    settle(&fake).await;
    let ack2 = paper
        .submit_order(&order("k2", Side::Buy, OrderKind::Market, None, dec!(1)))
        .await
        .unwrap();
    assert_eq!(ack2.fills[0].price, dec!(101.5));
    assert_ne!(ack2.fills[0].trade_id, fill.trade_id);
    assert_ne!(ack2.order.venue_order_id, ack.order.venue_order_id);
    assert_eq!(
        paper.query_order("BTC/USDT", "k1").await.unwrap(),
        Some(ack.order.clone())
    );
    assert_eq!(
        paper
            .order_fills("BTC/USDT", &ack.order.venue_order_id)
            .await
            .unwrap(),
        vec![fill.clone()]
    );
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_resting_limit_fills_only_when_a_print_trades_through_it() {
    let fake = Fake::new(Some(FEES));
    let paper = paper(&fake).await;
    fake.print(900, dec!(100.00), dec!(5), Side::Buy);
    let ack = paper
        .submit_order(&order(
            "k1",
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(99)),
            dec!(1),
        ))
        .await
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Open);
    assert!(ack.fills.is_empty());
    // Locked: 99 * (1 + max(maker, taker)) = 99.099.
    let balances = paper.balances().await.unwrap();
    assert_eq!(balance(&balances, "USDT"), (dec!(9900.901), dec!(99.099)));
    assert_eq!(
        fake.watching.load(Ordering::SeqCst),
        1,
        "watched while working"
    );
    assert_eq!(paper.open_orders().await.unwrap(), vec![ack.order.clone()]);

    let mut events = paper.execution_events();
    // Above the limit, then a touch by a buyer: no fill. Then a print through it: a fill.
    fake.print(1_000, dec!(99.50), dec!(5), Side::Sell);
    fake.print(1_100, dec!(99.00), dec!(5), Side::Buy);
    fake.print(1_200, dec!(98.99), dec!(5), Side::Sell);
    let fill = next_fill(&mut events).await;
    assert_eq!(fill.ts_ms, 1_200, "only the print through the limit fills");
    assert_eq!((fill.price, fill.qty), (dec!(99), dec!(1)));
    assert!(fill.is_maker);
    assert_eq!(fill.fee, dec!(0.0792));
    settle(&fake).await;
    // Paid 99 + 0.0792 maker fee; the rest of the lock is released.
    let balances = paper.balances().await.unwrap();
    assert_eq!(balance(&balances, "USDT"), (dec!(9900.9208), dec!(0)));
    assert_eq!(balance(&balances, "BTC"), (dec!(1), dec!(0)));
    assert_eq!(
        paper
            .query_order("BTC/USDT", "k1")
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Filled
    );
    assert!(paper.open_orders().await.unwrap().is_empty());
    assert_eq!(
        fake.watching.load(Ordering::SeqCst),
        0,
        "unwatched when done"
    );

    // Selling it back with a limit above: base locked, quote proceeds minus the fee.
    let sell = paper
        .submit_order(&order(
            "k2",
            Side::Sell,
            OrderKind::Limit,
            Some(dec!(100)),
            dec!(1),
        ))
        .await
        .unwrap();
    assert_eq!(sell.order.status, OrderStatus::Open);
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "BTC"),
        (dec!(0), dec!(1))
    );
    fake.print(1_300, dec!(100.01), dec!(5), Side::Buy);
    let fill = next_fill(&mut events).await;
    assert_eq!((fill.price, fill.fee), (dec!(100), dec!(0.08)));
    settle(&fake).await;
    let balances = paper.balances().await.unwrap();
    assert_eq!(balance(&balances, "USDT"), (dec!(10000.8408), dec!(0)));
    assert_eq!(balance(&balances, "BTC"), (dec!(0), dec!(0)));
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn insufficient_funds_are_refused_with_nothing_changed() {
    let fake = Fake::new(Some(FEES));
    let paper = paper(&fake).await;
    fake.print(900, dec!(100), dec!(5), Side::Buy);
    let before = paper.balances().await.unwrap();
    // 100 BTC at 100 = 10,000 USDT, plus the fee: more than the account holds.
    let err = paper
        .submit_order(&order("k1", Side::Buy, OrderKind::Market, None, dec!(100)))
        .await
        .unwrap_err();
    match err {
        ExchangeError::Rejected { reason, message } => {
            assert_eq!(reason, RejectReason::InsufficientBalance);
            assert!(message.contains("10010 USDT"), "{message}");
            assert!(message.contains("10000 USDT is free"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Selling BTC the account does not have.
    let err = paper
        .submit_order(&order(
            "k2",
            Side::Sell,
            OrderKind::Limit,
            Some(dec!(120)),
            dec!(0.5),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ExchangeError::Rejected {
            reason: RejectReason::InsufficientBalance,
            ..
        }
    ));
    assert_eq!(paper.balances().await.unwrap(), before);
    assert!(paper.open_orders().await.unwrap().is_empty());
    assert_eq!(paper.query_order("BTC/USDT", "k1").await.unwrap(), None);
    // Exactly what the account holds, fees included, is accepted.
    let ack = paper
        .submit_order(&SubmitOrder {
            amount: Amount::Quote(dec!(10000)),
            ..order("k3", Side::Buy, OrderKind::Market, None, dec!(0))
        })
        .await
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Filled);
    let usdt = balance(&paper.balances().await.unwrap(), "USDT");
    assert!(usdt.0 >= Decimal::ZERO && usdt.0 < dec!(0.02), "{usdt:?}");
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn cancel_unlocks_and_other_refusals_name_the_reason() {
    // No fee endpoint on the real venue: 0.1 % both ways.
    let fake = Fake::new(None);
    let paper = paper(&fake).await;
    fake.print(900, dec!(100), dec!(5), Side::Buy);
    let ack = paper
        .submit_order(&order(
            "k1",
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(90)),
            dec!(10),
        ))
        .await
        .unwrap();
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "USDT"),
        (dec!(9099.1), dec!(900.9))
    );
    let canceled = paper.cancel_order("BTC/USDT", "k1").await.unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert_eq!(canceled.venue_order_id, ack.order.venue_order_id);
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "USDT"),
        (dec!(10000), dec!(0))
    );
    assert_eq!(fake.watching.load(Ordering::SeqCst), 0);
    let again = paper.cancel_order("BTC/USDT", "k1").await.unwrap_err();
    assert!(matches!(
        again,
        ExchangeError::Rejected {
            reason: RejectReason::NotCancelable,
            ..
        }
    ));
    // Post-only that would take, a duplicate id, an unknown symbol.
    let post_only = paper
        .submit_order(&order(
            "k2",
            Side::Buy,
            OrderKind::LimitMaker,
            Some(dec!(101)),
            dec!(1),
        ))
        .await
        .unwrap_err();
    assert!(post_only.to_string().contains("post-only"), "{post_only}");
    let dup = paper
        .submit_order(&order(
            "k1",
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(90)),
            dec!(1),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        dup,
        ExchangeError::Rejected {
            reason: RejectReason::DuplicateClientOrderId,
            ..
        }
    ));
    let unknown = paper
        .submit_order(&SubmitOrder {
            symbol: "DOGE/USDT".into(),
            ..order("k3", Side::Buy, OrderKind::Market, None, dec!(1))
        })
        .await
        .unwrap_err();
    assert!(matches!(
        unknown,
        ExchangeError::Rejected {
            reason: RejectReason::UnknownSymbol,
            ..
        }
    ));
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "USDT"),
        (dec!(10000), dec!(0))
    );
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_stop_market_sell_triggers_on_a_print_and_ioc_expires_its_rest() {
    let fake = Fake::new(Some(FEES));
    let paper = PaperVenue::connect(
        fake.clone(),
        PaperConfig {
            account_id: "paper-x".into(),
            balances: Some(vec![
                Balance {
                    asset: "USDT".into(),
                    free: dec!(1000),
                    locked: dec!(0),
                },
                Balance {
                    asset: "BTC".into(),
                    free: dec!(2),
                    locked: dec!(0),
                },
            ]),
            first_id: 0,
        },
        Arc::new(ManualClock::new(1_000)),
    )
    .await
    .unwrap();
    fake.print(900, dec!(100), dec!(5), Side::Buy);
    let stop = paper
        .submit_order(&SubmitOrder {
            options: OrderOptions {
                stop_price: Some(dec!(95)),
                ..OrderOptions::default()
            },
            ..order("k1", Side::Sell, OrderKind::StopMarket, None, dec!(2))
        })
        .await
        .unwrap();
    assert_eq!(stop.order.status, OrderStatus::Open);
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "BTC"),
        (dec!(0), dec!(2))
    );
    let mut events = paper.execution_events();
    fake.print(1_000, dec!(94.50), dec!(10), Side::Sell);
    let fill = next_fill(&mut events).await;
    assert_eq!(
        (fill.price, fill.qty, fill.fee),
        (dec!(94.5), dec!(2), dec!(0.189))
    );
    settle(&fake).await;
    let balances = paper.balances().await.unwrap();
    assert_eq!(balance(&balances, "USDT"), (dec!(1188.811), dec!(0)));
    assert_eq!(balance(&balances, "BTC"), (dec!(0), dec!(0)));

    // An IOC limit that cannot fill ends expired with its lock released.
    let ioc = paper
        .submit_order(&SubmitOrder {
            options: OrderOptions {
                time_in_force: TimeInForce::Ioc,
                ..OrderOptions::default()
            },
            ..order("k2", Side::Buy, OrderKind::Limit, Some(dec!(90)), dec!(1))
        })
        .await
        .unwrap();
    assert_eq!(ioc.order.status, OrderStatus::Expired);
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "USDT"),
        (dec!(1188.811), dec!(0))
    );
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn restored_orders_keep_working_without_locking_twice() {
    let fake = Fake::new(Some(FEES));
    let paper = paper(&fake).await;
    paper.skip_ids_past("PT500");
    let balances = vec![Balance {
        asset: "USDT".into(),
        free: dec!(9900.901),
        locked: dec!(99.099),
    }];
    paper
        .restore(
            balances.clone(),
            vec![RestoredOrder {
                order: order("k9", Side::Buy, OrderKind::Limit, Some(dec!(99)), dec!(1)),
                venue_order_id: "P200".into(),
                filled_qty: dec!(0),
                filled_quote: dec!(0),
            }],
        )
        .await
        .unwrap();
    assert_eq!(paper.balances().await.unwrap(), balances);
    assert_eq!(paper.open_orders().await.unwrap().len(), 1);
    assert_eq!(fake.watching.load(Ordering::SeqCst), 1);
    let mut events = paper.execution_events();
    fake.print(2_000, dec!(98), dec!(5), Side::Sell);
    let fill = next_fill(&mut events).await;
    assert_eq!(fill.client_order_id, "k9");
    assert_eq!(fill.venue_order_id, "P200");
    assert_eq!(
        fill.trade_id, "PT501",
        "ids continue past the recorded ones"
    );
    settle(&fake).await;
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "USDT"),
        (dec!(9900.9208), dec!(0))
    );
    assert_eq!(fake.trading_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn wrapping_the_demo_exchange_trades_on_its_prints_and_leaves_its_account_alone() {
    let start = 1_700_000_000_000;
    let demo = Arc::new(DemoExchange::new(DemoConfig::standard(7, start)));
    let clock = Arc::new(ManualClock::new(start));
    let paper = PaperVenue::connect(
        demo.clone(),
        PaperConfig {
            account_id: "paper-demo".into(),
            balances: None,
            first_id: 0,
        },
        clock.clone(),
    )
    .await
    .unwrap();
    let demo_balances = demo.balances().await.unwrap();
    let mut demo_executions = demo.execution_events();
    for step in 1..=20 {
        demo.advance_to(start + step * 500);
    }
    clock.set(start + 10_000);
    let ack = paper
        .submit_order(&order("k1", Side::Buy, OrderKind::Market, None, dec!(0.01)))
        .await
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Filled);
    let fill = &ack.fills[0];
    let last = demo.last_price("BTC/USDT").unwrap();
    // At the last print or walking the Demo's book, within a few ticks of the market.
    assert!(
        (fill.price - last).abs() / last < dec!(0.01),
        "{fill:?} vs {last}"
    );
    let cost = fill.price * fill.qty + fill.fee;
    assert_eq!(
        balance(&paper.balances().await.unwrap(), "USDT"),
        (dec!(10000) - cost, dec!(0))
    );
    // The Demo account saw nothing: same balances, no orders, no executions.
    assert_eq!(demo.balances().await.unwrap(), demo_balances);
    assert!(demo.open_orders().await.unwrap().is_empty());
    assert!(matches!(
        demo_executions.try_recv(),
        Err(broadcast::error::TryRecvError::Empty)
    ));
    paper.close().await;
}
