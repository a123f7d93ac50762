//! The Demo exchange behind the venue traits: determinism, history, gaps, events and restore.

use keel_domain::{Amount, Candle, OrderKind, OrderStatus, Side, SubmitOrder};
use keel_exchange::{
    AccountState, ExecutionEvent, MarketData, MarketEvent, RejectReason, Trading, Venue,
};
use keel_sim::{DemoConfig, DemoExchange, RestoredOrder};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tokio::sync::broadcast;

/// 2026-01-01T00:00:30Z: mid-minute on purpose.
const START: i64 = 1_767_225_630_000;
const MINUTE: i64 = 60_000;

fn drain<T: Clone>(rx: &mut broadcast::Receiver<T>) -> Vec<T> {
    let mut out = Vec::new();
    while let Ok(event) = rx.try_recv() {
        out.push(event);
    }
    out
}

fn order(
    id: &str,
    symbol: &str,
    side: Side,
    kind: OrderKind,
    price: Option<Decimal>,
    amount: Amount,
) -> SubmitOrder {
    SubmitOrder {
        client_order_id: id.into(),
        symbol: symbol.into(),
        side,
        kind,
        price,
        amount,
        options: Default::default(),
    }
}

async fn best_bid(demo: &DemoExchange, symbol: &str) -> Decimal {
    demo.order_book(symbol, 1)
        .await
        .expect("a known symbol")
        .best_bid()
        .expect("a bid")
}

fn assert_candle_sane(c: &Candle) {
    assert!(c.low > Decimal::ZERO);
    assert!(
        c.low <= c.open && c.low <= c.close && c.high >= c.open && c.high >= c.close,
        "{c:?}"
    );
    assert!((c.open % dec!(0.01)).is_zero() && (c.high % dec!(0.01)).is_zero());
    assert_eq!(c.open_time_ms % MINUTE, 0);
}

/// One scripted session: market moves, a market order, a resting order, a long gap.
async fn session(seed: u64) -> (Vec<MarketEvent>, Vec<ExecutionEvent>) {
    let demo = DemoExchange::new(DemoConfig::standard(seed, START));
    let mut market = demo.market_events();
    let mut exec = demo.execution_events();
    let mut events = (Vec::new(), Vec::new());
    let mut t = START;
    for step in 0..600 {
        t += 100;
        demo.advance_to(t);
        if step == 50 {
            demo.submit_order(&order(
                "m1",
                "ETH/USDT",
                Side::Buy,
                OrderKind::Market,
                None,
                Amount::Base(dec!(0.1)),
            ))
            .await
            .expect("market order accepted");
        }
        if step == 100 {
            let bid = best_bid(&demo, "BTC/USDT").await;
            demo.submit_order(&order(
                "l1",
                "BTC/USDT",
                Side::Buy,
                OrderKind::Limit,
                Some(bid - dec!(0.01)),
                Amount::Base(dec!(0.01)),
            ))
            .await
            .expect("limit order accepted");
        }
        events.0.extend(drain(&mut market));
        events.1.extend(drain(&mut exec));
    }
    demo.advance_to(t + 20 * MINUTE);
    events.0.extend(drain(&mut market));
    events.1.extend(drain(&mut exec));
    events
}

#[tokio::test]
async fn the_same_seed_and_calls_give_identical_events() {
    let (market_a, exec_a) = session(7).await;
    let (market_b, exec_b) = session(7).await;
    assert!(market_a.len() > 500, "{} market events", market_a.len());
    assert!(exec_a.iter().any(|e| matches!(e, ExecutionEvent::Fill(_))));
    assert_eq!(market_a, market_b);
    assert_eq!(exec_a, exec_b);
    let (market_c, _) = session(8).await;
    assert_ne!(market_a, market_c, "another seed, another market");
}

#[tokio::test]
async fn a_fresh_exchange_has_history_a_book_and_the_standard_account() {
    let demo = DemoExchange::new(DemoConfig::standard(1, START));
    assert_eq!(demo.venue_id(), "demo");
    assert_eq!(DemoExchange::VENUE_ID, "demo");
    assert_eq!(demo.fees(), (dec!(0.0008), dec!(0.001)));
    let instruments = demo.instruments().await.unwrap();
    let symbols: Vec<&str> = instruments.iter().map(|i| i.symbol.as_str()).collect();
    assert_eq!(symbols, ["BTC/USDT", "ETH/USDT", "SOL/USDT"]);
    let balances = demo.balances().await.unwrap();
    let total = |asset: &str| balances.iter().find(|b| b.asset == asset).unwrap().total();
    assert_eq!(
        (total("USDT"), total("BTC"), total("ETH"), total("SOL")),
        (dec!(10000), dec!(0.1), dec!(2), dec!(20))
    );

    for (symbol, reference) in [
        ("BTC/USDT", dec!(65000)),
        ("ETH/USDT", dec!(3200)),
        ("SOL/USDT", dec!(150)),
    ] {
        let candles = demo.candles(symbol, MINUTE, 5_000).await.unwrap();
        assert_eq!(candles.len(), 721, "720 backfilled + the open one");
        assert!(
            candles
                .windows(2)
                .all(|w| w[1].open_time_ms == w[0].open_time_ms + MINUTE)
        );
        assert_eq!(candles.last().unwrap().open_time_ms, START - START % MINUTE);
        candles.iter().for_each(assert_candle_sane);
        let close = candles.last().unwrap().close;
        assert!(
            close > reference * dec!(0.8) && close < reference * dec!(1.2),
            "{symbol} at {close}"
        );
        let book = demo.order_book(symbol, 100).await.unwrap();
        assert_eq!((book.bids.len(), book.asks.len()), (20, 20));
        assert!(book.best_bid() < book.best_ask());
        let spread_bp = (book.best_ask().unwrap() - book.best_bid().unwrap()) / close * dec!(10000);
        assert!(spread_bp < dec!(3), "{symbol} spread {spread_bp} bp");
        assert_eq!(demo.order_book(symbol, 5).await.unwrap().bids.len(), 5);
        assert_eq!(demo.last_price(symbol), Some(close));
        // Aggregation: an hour is its minutes.
        let hours = demo.candles(symbol, 60 * MINUTE, 3).await.unwrap();
        assert_eq!(hours.len(), 3);
        let last_hour: Vec<&Candle> = candles
            .iter()
            .filter(|c| c.open_time_ms >= hours[2].open_time_ms)
            .collect();
        assert_eq!(hours[2].open, last_hour[0].open);
        assert_eq!(hours[2].close, close);
        assert_eq!(
            hours[2].high,
            last_hour.iter().map(|c| c.high).max().unwrap()
        );
        assert_eq!(
            hours[2].volume,
            last_hour.iter().map(|c| c.volume).sum::<Decimal>()
        );
    }
    let err = demo.candles("BTC/USDT", 90_000, 10).await.unwrap_err();
    assert!(matches!(
        err,
        keel_exchange::ExchangeError::Rejected {
            reason: RejectReason::Other,
            ..
        }
    ));
    let err = demo.candles("DOGE/USDT", MINUTE, 10).await.unwrap_err();
    assert!(matches!(
        err,
        keel_exchange::ExchangeError::Rejected {
            reason: RejectReason::UnknownSymbol,
            ..
        }
    ));
}

#[tokio::test]
async fn history_is_continued_from_its_last_close_and_the_gap_generated() {
    let start_bucket = START - START % MINUTE;
    let history: Vec<Candle> = (0..30)
        .map(|i| {
            let p = dec!(3000) + Decimal::from(i);
            Candle {
                open_time_ms: start_bucket - (150 - i) * MINUTE,
                open: p,
                high: p + dec!(1),
                low: p - dec!(1),
                close: p,
                volume: dec!(3),
            }
        })
        .collect();
    let mut config = DemoConfig::standard(5, START);
    config.symbols[1].history = history.clone();
    let demo = DemoExchange::new(config);
    let candles = demo.candles("ETH/USDT", MINUTE, 10_000).await.unwrap();
    assert_eq!(&candles[..30], &history[..], "history kept as given");
    assert_eq!(
        candles.len(),
        30 + 120 + 1,
        "the 2-hour gap generated, then the open candle"
    );
    assert!(
        candles
            .windows(2)
            .all(|w| w[1].open_time_ms == w[0].open_time_ms + MINUTE)
    );
    let first_generated = &candles[30];
    assert!(
        (first_generated.open - dec!(3029)).abs() < dec!(10),
        "continues from the last close"
    );

    // A history older than a day: only the last 24 h of the gap are generated.
    let mut config = DemoConfig::standard(5, START);
    config.symbols[0].history = vec![Candle {
        open_time_ms: start_bucket - 3 * 1_440 * MINUTE,
        ..history[0].clone()
    }];
    let demo = DemoExchange::new(config);
    assert_eq!(
        demo.candles("BTC/USDT", MINUTE, 10_000)
            .await
            .unwrap()
            .len(),
        1 + 1_440 + 1
    );
}

#[tokio::test]
async fn a_long_gap_generates_candles_and_no_flood_of_trades() {
    let demo = DemoExchange::new(DemoConfig::standard(3, START));
    let mut rx = demo.market_events();
    demo.advance_to(START + 1_000);
    let first = drain(&mut rx);
    assert!(first.iter().any(|e| matches!(e, MarketEvent::Trade { .. })));
    for symbol in ["BTC/USDT", "ETH/USDT", "SOL/USDT"] {
        let books = first
            .iter()
            .filter(|e| matches!(e, MarketEvent::Book { symbol: s, .. } if s == symbol))
            .count();
        assert!(books <= 1, "at most one book per call and symbol");
    }

    // The laptop sleeps for three hours.
    demo.advance_to(START + 1_000 + 3 * 60 * MINUTE);
    let gap = drain(&mut rx);
    assert!(
        !gap.iter().any(|e| matches!(e, MarketEvent::Trade { .. })),
        "no individual prints"
    );
    let closed: Vec<&Candle> = gap
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Candle {
                symbol,
                candle,
                closed: true,
                ..
            } if symbol == "SOL/USDT" => Some(candle),
            _ => None,
        })
        .collect();
    assert_eq!(closed.len(), 180);
    closed.iter().copied().for_each(assert_candle_sane);
    assert!(
        closed
            .windows(2)
            .all(|w| w[1].open_time_ms == w[0].open_time_ms + MINUTE)
    );
    let candles = demo.candles("SOL/USDT", MINUTE, 10_000).await.unwrap();
    assert!(
        candles
            .windows(2)
            .all(|w| w[1].open_time_ms == w[0].open_time_ms + MINUTE),
        "no hole in the chart"
    );
    assert_eq!(candles.len(), 721 + 180);
    // Normal prints resume afterwards; time never goes back.
    demo.advance_to(START + 1_000 + 3 * 60 * MINUTE + 2_000);
    assert!(
        drain(&mut rx)
            .iter()
            .any(|e| matches!(e, MarketEvent::Trade { .. }))
    );
    demo.advance_to(START);
    assert!(drain(&mut rx).is_empty());
}

#[tokio::test]
async fn a_submit_broadcasts_its_fills_then_the_order_then_the_balances() {
    let demo = DemoExchange::new(DemoConfig::standard(2, START));
    demo.advance_to(START + 500);
    let mut exec = demo.execution_events();
    let mut market = demo.market_events();
    let ask = demo
        .order_book("SOL/USDT", 1)
        .await
        .unwrap()
        .best_ask()
        .unwrap();
    let ack = demo
        .submit_order(&order(
            "s1",
            "SOL/USDT",
            Side::Buy,
            OrderKind::Market,
            None,
            Amount::Base(dec!(1)),
        ))
        .await
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Filled);
    assert_eq!(ack.fills[0].price, ask);
    assert_eq!(ack.fills[0].ts_ms, START + 500);
    let events = drain(&mut exec);
    let n = ack.fills.len();
    assert_eq!(events.len(), n + 2);
    for (event, fill) in events.iter().zip(&ack.fills) {
        assert_eq!(event, &ExecutionEvent::Fill(fill.clone()));
    }
    assert_eq!(events[n], ExecutionEvent::Order(ack.order.clone()));
    let ExecutionEvent::Balances(balances) = &events[n + 1] else {
        panic!("balances last")
    };
    assert_eq!(balances, &demo.balances().await.unwrap());
    let spent: Decimal = ack.fills.iter().map(|f| f.quote_qty + f.fee).sum();
    let usdt = balances.iter().find(|b| b.asset == "USDT").unwrap();
    assert_eq!(usdt.free, dec!(10000) - spent);
    // The account's own taker fill shows on the tape.
    let tape = drain(&mut market);
    assert!(tape.iter().any(|e| matches!(e, MarketEvent::Trade { trade, .. } if trade.price == ask && trade.taker_side == Side::Buy)));
    assert_eq!(
        demo.recent_trades("SOL/USDT", 1).await.unwrap()[0].price,
        ask
    );

    let err = demo
        .submit_order(&order(
            "s2",
            "SOL/USDT",
            Side::Sell,
            OrderKind::Market,
            None,
            Amount::Base(dec!(500)),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        keel_exchange::ExchangeError::Rejected {
            reason: RejectReason::InsufficientBalance,
            ..
        }
    ));
    assert!(drain(&mut exec).is_empty(), "a refusal broadcasts nothing");
}

#[tokio::test]
async fn restored_state_round_trips_and_a_restored_order_fills_later() {
    let demo = DemoExchange::new(DemoConfig::standard(11, START));
    demo.advance_to(START + 1_000);
    let bid = best_bid(&demo, "BTC/USDT").await;
    let price = bid - dec!(0.01);
    let submit = order(
        "keep1",
        "BTC/USDT",
        Side::Buy,
        OrderKind::Limit,
        Some(price),
        Amount::Base(dec!(0.05)),
    );
    let ack = demo.submit_order(&submit).await.unwrap();
    assert_eq!(ack.order.status, OrderStatus::Open);
    let far = order(
        "far1",
        "ETH/USDT",
        Side::Sell,
        OrderKind::Limit,
        Some(dec!(9000)),
        Amount::Base(dec!(0.5)),
    );
    demo.submit_order(&far).await.unwrap();
    let balances = demo.balances().await.unwrap();
    let open = demo.open_orders().await.unwrap();
    assert_eq!(open.len(), 2);

    // A restart an hour later, with the same seed.
    let later = START + 60 * MINUTE;
    let again = DemoExchange::new(DemoConfig::standard(11, later));
    let restored = [submit, far]
        .into_iter()
        .zip(&open)
        .map(|(order, u)| RestoredOrder {
            order,
            venue_order_id: u.venue_order_id.clone(),
            filled_qty: u.filled_qty,
            filled_quote: u.filled_quote,
        })
        .collect();
    again.restore(balances.clone(), restored);
    assert_eq!(again.balances().await.unwrap(), balances);
    let reopened = again.open_orders().await.unwrap();
    assert_eq!(reopened.len(), 2);
    assert_eq!(
        again
            .query_order("BTC/USDT", "keep1")
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Open
    );

    // Cancel the far one: its ETH comes back.
    again.cancel_order("ETH/USDT", "far1").await.unwrap();
    let eth = again
        .balances()
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.asset == "ETH")
        .unwrap();
    assert_eq!((eth.free, eth.locked), (dec!(2), dec!(0)));

    // The BTC bid was placed next to the touch of a market an hour ago; run the new market until
    // it trades there (the restarted market continues from the same reference price).
    let mut exec = again.execution_events();
    let mut t = later;
    let mut filled = Decimal::ZERO;
    let mut status = OrderStatus::Open;
    while status != OrderStatus::Filled && t < later + 48 * 60 * MINUTE {
        t += 1_000;
        again.advance_to(t);
        for event in drain(&mut exec) {
            match event {
                ExecutionEvent::Fill(f) => {
                    assert_eq!(
                        (f.price, f.is_maker, f.client_order_id.as_str()),
                        (price, true, "keep1")
                    );
                    filled += f.qty;
                }
                ExecutionEvent::Order(u) => status = u.status,
                ExecutionEvent::Balances(_) => {}
                other => panic!("the Demo exchange sent {other:?}"),
            }
        }
    }
    assert_eq!(status, OrderStatus::Filled, "the restored order filled");
    assert_eq!(filled, dec!(0.05));
    let usdt = again
        .balances()
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.asset == "USDT")
        .unwrap();
    assert_eq!(usdt.locked, dec!(0));
    let cost = price * dec!(0.05) * dec!(1.0008);
    assert_eq!(usdt.free, dec!(10000) - cost);
}
