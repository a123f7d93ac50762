//! A trader's Binance accounts end to end: the real engine and the real Binance adapter against
//! the mock Binance of the test kit (its ledger is the ground truth), with keys in the encrypted
//! vault file, through the faults of the design's orders.md.

use keel_binance::common::config::Endpoints;
use keel_domain::{Amount, OrderKind, OrderStatus, Side};
use keel_engine::api::*;
use keel_engine::{Engine, EngineConfig, SecretsMode, VenueEndpoints};
use keel_testkit::{Fault, Market, MockBinance, MockConfig, RestMatch, StreamKind};
use keel_vault::Secret;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::time::Duration;

pub const KEY: &str = "mockKeyVmPUZE6mv9SD5VNHk4HlWFsOr6aK";
pub const SECRET: &str = "mockSecretNhqPtmdSJYdKjVHjA7PZj4Mge3";
const VAULT_PASSWORD: &str = "vault-password-1";

pub struct Rig {
    pub mock: MockBinance,
    pub dir: tempfile::TempDir,
    pub engine: Engine,
}

pub fn engine_config(dir: &std::path::Path, mock: &MockBinance) -> EngineConfig {
    let mut config = EngineConfig::new(dir.to_path_buf());
    config.secrets = SecretsMode::VaultFile;
    config.endpoints = VenueEndpoints {
        binance_spot: Some(Endpoints::loopback(
            &mock.spot_rest_url(),
            &mock.spot_stream_url(),
        )),
        binance_usdm: Some(Endpoints::loopback(
            &mock.futures_rest_url(),
            &mock.futures_stream_url(),
        )),
    };
    config
}

pub async fn rig_with(mock_config: MockConfig) -> Rig {
    rig_tuned(mock_config, |_| {}).await
}

/// A rig whose engine config the test adjusts first.
pub async fn rig_tuned(mock_config: MockConfig, tune: impl FnOnce(&mut EngineConfig)) -> Rig {
    let mock = MockBinance::start(mock_config).await.expect("mock starts");
    let dir = tempfile::tempdir().expect("dir");
    let mut config = engine_config(dir.path(), &mock);
    tune(&mut config);
    let engine = Engine::start(config).await.expect("engine starts");
    engine
        .create_vault(Secret::new(VAULT_PASSWORD))
        .await
        .expect("vault created");
    // Liquidity around 50,000 on both products.
    for market in [Market::Spot, Market::Futures] {
        mock.set_book(
            market,
            "BTCUSDT",
            &[(dec!(49990), dec!(2)), (dec!(49980), dec!(5))],
            &[(dec!(50010), dec!(2)), (dec!(50020), dec!(5))],
        );
    }
    Rig { mock, dir, engine }
}

pub async fn rig(seed: u64) -> Rig {
    rig_with(MockConfig::new(seed, KEY, SECRET)).await
}

pub fn new_account(market: &str, key: &str, secret: &str) -> NewAccountRequest {
    NewAccountRequest {
        venue: "binance".into(),
        market: market.into(),
        label: format!("Binance {market}"),
        api_key: SecretInput(Secret::new(key)),
        secret: SecretInput(Secret::new(secret)),
        passphrase: None,
        testnet: false,
        proxy: None,
    }
}

/// Adds the account with the mock's key and switches it to live trading.
pub async fn add_live(engine: &Engine, market: &str) -> AccountView {
    let view = engine
        .add_account(new_account(market, KEY, SECRET))
        .await
        .expect("account added");
    engine
        .set_account_live(&view.id, true, None)
        .await
        .expect("live")
}

pub fn order(
    account: &str,
    side: Side,
    kind: OrderKind,
    price: Option<Decimal>,
    qty: Decimal,
) -> PlaceOrderRequest {
    PlaceOrderRequest {
        account_id: account.into(),
        symbol: "BTC/USDT".into(),
        side,
        kind,
        price,
        amount: Amount::Base(qty),
        options: None,
    }
}

async fn market_of(rig: &Rig, account: &str) -> Market {
    let accounts = rig.engine.accounts().await.expect("accounts");
    match accounts
        .iter()
        .find(|a| a.id == account)
        .map(|a| a.market.as_str())
    {
        Some("futures") => Market::Futures,
        _ => Market::Spot,
    }
}

/// Polls until `check` holds (real time: the mock and the adapter run on real sockets).
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The engine's order as the venue's ledger must see it: same status and filled quantity, and
/// exactly one venue order per client id.
async fn assert_matches_ledger(rig: &Rig, account: &str) {
    let market = market_of(rig, account).await;
    let ledger = rig.mock.ledger();
    let stats = rig.mock.stats();
    for (cid, n) in &stats.orders_created_per_client_id {
        assert_eq!(*n, 1, "client id {cid} was placed {n} times");
    }
    let orders = rig
        .engine
        .recent_orders(account, 100)
        .await
        .expect("orders");
    for o in orders.iter().filter(|o| o.venue_order_id.is_some()) {
        let l = ledger
            .order_by_client_id(market, &o.client_order_id)
            .unwrap_or_else(|| panic!("{} not on the venue", o.client_order_id));
        assert_eq!(
            o.filled_qty, l.executed_qty,
            "{} filled qty",
            o.client_order_id
        );
    }
    let fills = rig
        .engine
        .fills(&FillFilter {
            account_id: Some(account.into()),
            ..Default::default()
        })
        .await
        .expect("fills");
    let venue_fills = ledger
        .fills
        .iter()
        .filter(|f| {
            orders
                .iter()
                .any(|o| o.client_order_id == f.client_order_id)
        })
        .count();
    assert_eq!(fills.len(), venue_fills, "every venue fill recorded once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trader_adds_a_binance_key_sees_the_market_and_trades() {
    let rig = rig(1).await;
    let engine = &rig.engine;
    let view = engine
        .add_account(new_account("spot", KEY, SECRET))
        .await
        .expect("account added");
    assert_eq!(
        (view.venue.as_str(), view.market.as_str()),
        ("binance", "spot")
    );
    assert_eq!(view.secret_store, "vault_file");
    assert_eq!(
        view.api_key_hint.as_deref(),
        Some("…ur6aK").map(|_| "…r6aK")
    );
    let permissions = view.permissions.clone().expect("permissions probed");
    assert!(permissions.can_trade_spot && !permissions.can_withdraw);
    assert!(!view.live, "a new account starts read-only");

    // Read-only until switched.
    let refused = engine
        .place_order(order(
            &view.id,
            Side::Buy,
            OrderKind::Market,
            None,
            dec!(0.01),
        ))
        .await
        .expect_err("read-only");
    assert_eq!(refused.code, ErrorCode::AccountNotLive);
    assert!(
        rig.mock.ledger().orders.is_empty(),
        "nothing reached the venue"
    );
    let view = engine
        .set_account_live(&view.id, true, None)
        .await
        .expect("live");
    assert!(view.live);

    // Balances from the venue.
    let equity = engine.equity(&view.id).await.expect("equity");
    let usdt = equity
        .balances
        .iter()
        .find(|b| b.balance.asset == "USDT")
        .expect("USDT");
    assert_eq!(usdt.balance.free, dec!(10000));

    // A live market: prints on the venue reach the engine's coalesced stream.
    let mut batches = engine
        .market_batches(&view.id, "BTC/USDT", Duration::from_millis(50))
        .expect("stream");
    let mut printed = false;
    for i in 0..100 {
        rig.mock.trade(
            Market::Spot,
            "BTCUSDT",
            dec!(50010) + Decimal::from(i),
            dec!(0.01),
        );
        if let Ok(Some(batch)) =
            tokio::time::timeout(Duration::from_millis(200), batches.recv()).await
            && !batch.trades.is_empty()
        {
            printed = true;
            break;
        }
    }
    assert!(printed, "venue prints reach the market stream");

    // A resting limit order, then cancel it.
    let resting = engine
        .place_order(order(
            &view.id,
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(40000)),
            dec!(0.01),
        ))
        .await
        .expect("limit placed");
    assert_eq!(resting.status, OrderStatus::Open);
    let on_venue = rig
        .mock
        .ledger()
        .order_by_client_id(Market::Spot, &resting.client_order_id)
        .expect("on venue")
        .clone();
    assert_eq!(
        (on_venue.price, on_venue.orig_qty),
        (dec!(40000), dec!(0.01))
    );
    let canceled = engine
        .cancel_order(&view.id, resting.id)
        .await
        .expect("canceled");
    assert_eq!(canceled.status, OrderStatus::Canceled);

    // A market buy fills; the fill is recorded once.
    let filled = engine
        .place_order(order(
            &view.id,
            Side::Buy,
            OrderKind::Market,
            None,
            dec!(0.01),
        ))
        .await
        .expect("market placed");
    assert_eq!(filled.status, OrderStatus::Filled);
    until("the fill is recorded", || async {
        !engine
            .fills(&FillFilter {
                account_id: Some(view.id.clone()),
                ..Default::default()
            })
            .await
            .expect("fills")
            .is_empty()
    })
    .await;
    assert_matches_ledger(&rig, &view.id).await;

    // The secret's uses are audited, without the secret.
    let audit = engine.secret_audit(Some(&view.id)).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "store" && e.purpose == "account added")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_can_withdraw_is_refused_and_nothing_is_kept() {
    let mut config = MockConfig::new(2, KEY, SECRET);
    config.api_restrictions.enable_withdrawals = true;
    let rig = rig_with(config).await;
    let err = rig
        .engine
        .add_account(new_account("spot", KEY, SECRET))
        .await
        .expect_err("refused");
    assert_eq!(err.code, ErrorCode::KeyCanWithdraw);
    let accounts = rig.engine.accounts().await.expect("accounts");
    assert_eq!(accounts.len(), 1, "only the Demo account: {accounts:?}");
    assert!(
        rig.engine
            .secret_audit(None)
            .await
            .expect("audit")
            .is_empty(),
        "the key was never stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_with_a_clear_error() {
    let rig = rig(3).await;
    let err = rig
        .engine
        .add_account(new_account("spot", KEY, "not-the-secret"))
        .await
        .expect_err("refused");
    assert_eq!(err.code, ErrorCode::KeyInvalid, "{err:?}");
    assert_eq!(rig.engine.accounts().await.expect("accounts").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_order_whose_answer_is_lost_is_resolved_not_resent() {
    let rig = rig(4).await;
    let account = add_live(&rig.engine, "spot").await;
    for fault in [
        Fault::accept_then_timeout(RestMatch::new(Market::Spot, "POST", "/api/v3/order"), 200),
        Fault::server_error_after_accept(
            RestMatch::new(Market::Spot, "POST", "/api/v3/order"),
            503,
        ),
    ] {
        rig.mock.faults().push(fault);
        let err = rig
            .engine
            .place_order(order(
                &account.id,
                Side::Buy,
                OrderKind::Limit,
                Some(dec!(45000)),
                dec!(0.01),
            ))
            .await
            .expect_err("outcome unknown");
        assert_eq!(err.code, ErrorCode::OutcomeUnknown, "{err:?}");
        until("the unknown order is resolved from the venue", || async {
            rig.engine
                .open_orders(&account.id)
                .await
                .expect("orders")
                .iter()
                .all(|o| o.status == OrderStatus::Open)
        })
        .await;
    }
    let open = rig.engine.open_orders(&account.id).await.expect("orders");
    assert_eq!(open.len(), 2, "both orders are known, once each");
    assert_matches_ledger(&rig, &account.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_waited_out_and_never_becomes_a_ban() {
    let rig = rig(5).await;
    let account = add_live(&rig.engine, "spot").await;
    rig.mock.faults().push(Fault::rate_limit_429(
        RestMatch::new(Market::Spot, "POST", "/api/v3/order"),
        2,
    ));
    let first = rig
        .engine
        .place_order(order(
            &account.id,
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(45000)),
            dec!(0.01),
        ))
        .await;
    assert_eq!(
        first.expect_err("throttled").code,
        ErrorCode::VenueUnavailable
    );
    // The trader tries again at once, and again: Keel waits for Retry-After instead of
    // walking into a ban.
    for _ in 0..2 {
        rig.engine
            .place_order(order(
                &account.id,
                Side::Buy,
                OrderKind::Limit,
                Some(dec!(45000)),
                dec!(0.01),
            ))
            .await
            .expect("placed after the wait");
    }
    let stats = rig.mock.stats();
    assert_eq!(
        (
            stats.http_429_sent,
            stats.http_418_sent,
            stats.requests_while_limited
        ),
        (1, 0, 0)
    );
    assert_matches_ledger(&rig, &account.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_resyncs_once_instead_of_a_retry_storm() {
    let rig = rig(6).await;
    let account = add_live(&rig.engine, "spot").await;
    for skew in [3_000, -7_000] {
        rig.mock.set_clock_skew_ms(skew);
        let before = rig.mock.stats().minus_1021_sent;
        for _ in 0..3 {
            rig.engine
                .place_order(order(
                    &account.id,
                    Side::Buy,
                    OrderKind::Limit,
                    Some(dec!(45000)),
                    dec!(0.01),
                ))
                .await
                .expect("placed despite the skew");
        }
        let after = rig.mock.stats().minus_1021_sent;
        assert!(
            after - before <= 1,
            "at most one -1021 per skew change, got {}",
            after - before
        );
    }
    assert_matches_ledger(&rig, &account.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fills_lost_with_a_dropped_stream_are_recovered() {
    let rig = rig(7).await;
    let account = add_live(&rig.engine, "spot").await;
    let resting = rig
        .engine
        .place_order(order(
            &account.id,
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(49000)),
            dec!(0.02),
        ))
        .await
        .expect("placed");
    // The execution report of the fill is lost, then the user stream drops.
    rig.mock.faults().push(Fault::drop_event(Market::Spot, 1));
    rig.mock
        .trade(Market::Spot, "BTCUSDT", dec!(48990), dec!(0.05));
    until("the venue filled the order", || async {
        rig.mock
            .ledger()
            .order_by_client_id(Market::Spot, &resting.client_order_id)
            .is_some_and(|o| o.executed_qty == dec!(0.02))
    })
    .await;
    rig.mock
        .faults()
        .push(Fault::now(keel_testkit::Action::ForcedDisconnect {
            stream: StreamKind::SpotUser,
        }));
    until("the fill is recovered after the reconnect", || async {
        rig.engine
            .fills(&FillFilter {
                account_id: Some(account.id.clone()),
                ..Default::default()
            })
            .await
            .expect("fills")
            .len()
            == 1
    })
    .await;
    let order = rig
        .engine
        .recent_orders(&account.id, 1)
        .await
        .expect("orders");
    assert_eq!(order[0].status, OrderStatus::Filled);
    assert_matches_ledger(&rig, &account.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_and_reordered_events_change_nothing() {
    let rig = rig(8).await;
    let account = add_live(&rig.engine, "spot").await;
    let mut placed = Vec::new();
    for price in [49000, 48900] {
        placed.push(
            rig.engine
                .place_order(order(
                    &account.id,
                    Side::Buy,
                    OrderKind::Limit,
                    Some(Decimal::from(price)),
                    dec!(0.01),
                ))
                .await
                .expect("placed"),
        );
    }
    rig.mock
        .faults()
        .push(Fault::duplicate_event(Market::Spot, 1));
    rig.mock
        .faults()
        .push(Fault::reorder_event(Market::Spot, 2));
    rig.mock
        .trade(Market::Spot, "BTCUSDT", dec!(48800), dec!(1));
    rig.mock.flush_held_events();
    until("both orders filled", || async {
        rig.engine
            .open_orders(&account.id)
            .await
            .expect("open")
            .is_empty()
    })
    .await;
    for o in rig
        .engine
        .recent_orders(&account.id, 10)
        .await
        .expect("orders")
    {
        assert_eq!((o.status, o.filled_qty), (OrderStatus::Filled, dec!(0.01)));
    }
    assert_matches_ledger(&rig, &account.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_depth_gap_is_detected_and_the_book_resynced() {
    let rig = rig(9).await;
    let account = add_live(&rig.engine, "spot").await;
    let mut batches = rig
        .engine
        .market_batches(&account.id, "BTC/USDT", Duration::from_millis(50))
        .expect("stream");
    // Let the stream subscribe and the book sync.
    tokio::time::sleep(Duration::from_millis(500)).await;
    rig.mock
        .faults()
        .push(Fault::now(keel_testkit::Action::DepthGap {
            market: Market::Spot,
            symbol: "BTCUSDT".into(),
        }));
    rig.mock.set_level(
        Market::Spot,
        "BTCUSDT",
        keel_testkit::Side::Buy,
        dec!(49999),
        dec!(3),
    );
    // After the gap, the book must show the new best bid (only a resync from a fresh
    // snapshot can), and never be crossed.
    let mut seen = false;
    for i in 0..100 {
        rig.mock.trade(
            Market::Spot,
            "BTCUSDT",
            dec!(50100) + Decimal::from(i % 3),
            dec!(0.001),
        );
        if let Ok(Some(batch)) =
            tokio::time::timeout(Duration::from_millis(100), batches.recv()).await
            && let Some(book) = batch.book
        {
            if let (Some(bid), Some(ask)) = (book.best_bid(), book.best_ask()) {
                assert!(bid < ask, "crossed book {bid} >= {ask}");
            }
            if book.best_bid() == Some(dec!(49999)) {
                seen = true;
                break;
            }
        }
    }
    assert!(seen, "the book resynced after the gap");
    assert_eq!(rig.mock.stats().depth_gaps_injected, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_futures_account_trades_and_shows_its_position() {
    let rig = rig(10).await;
    let account = add_live(&rig.engine, "futures").await;
    assert_eq!(account.market, "futures");
    let placed = rig
        .engine
        .place_order(order(
            &account.id,
            Side::Buy,
            OrderKind::Market,
            None,
            dec!(0.01),
        ))
        .await
        .expect("placed");
    assert!(
        matches!(placed.status, OrderStatus::Filled | OrderStatus::Open),
        "{placed:?}"
    );
    until("the position shows", || async {
        rig.engine
            .positions(&account.id)
            .await
            .expect("positions")
            .iter()
            .any(|p| p.symbol == "BTC/USDT" && p.qty == dec!(0.01))
    })
    .await;
    // A reduce-only protective stop.
    let mut stop = order(
        &account.id,
        Side::Sell,
        OrderKind::StopMarket,
        None,
        dec!(0.01),
    );
    stop.options = Some(keel_domain::OrderOptions {
        stop_price: Some(dec!(45000)),
        reduce_only: true,
        ..Default::default()
    });
    let stop = rig.engine.place_order(stop).await.expect("stop placed");
    let on_venue = rig
        .mock
        .ledger()
        .order_by_client_id(Market::Futures, &stop.client_order_id)
        .expect("on venue")
        .clone();
    assert!(on_venue.reduce_only && on_venue.stop_price == dec!(45000));
    // The listen key expires: the stream is recreated and nothing is missed.
    rig.mock
        .faults()
        .push(Fault::now(keel_testkit::Action::ListenKeyExpire));
    rig.mock
        .trade(Market::Futures, "BTCUSDT", dec!(44990), dec!(1));
    until("the stop fills and its fill is recorded", || async {
        rig.engine
            .fills(&FillFilter {
                account_id: Some(account.id.clone()),
                ..Default::default()
            })
            .await
            .expect("fills")
            .len()
            >= 2
    })
    .await;
    assert_matches_ledger(&rig, &account.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_with_open_orders_cannot_be_removed_and_removal_deletes_the_key() {
    let rig = rig(11).await;
    let account = add_live(&rig.engine, "spot").await;
    let resting = rig
        .engine
        .place_order(order(
            &account.id,
            Side::Buy,
            OrderKind::Limit,
            Some(dec!(40000)),
            dec!(0.01),
        ))
        .await
        .expect("placed");
    let err = rig
        .engine
        .remove_account(&account.id)
        .await
        .expect_err("open orders");
    assert_eq!(err.code, ErrorCode::HasOpenOrders);
    rig.engine
        .cancel_order(&account.id, resting.id)
        .await
        .expect("canceled");
    rig.engine
        .remove_account(&account.id)
        .await
        .expect("removed");
    assert_eq!(rig.engine.accounts().await.expect("accounts").len(), 1);
    let audit = rig
        .engine
        .secret_audit(Some(&account.id))
        .await
        .expect("audit");
    assert_eq!(audit[0].action, "delete");
    // History stays.
    assert_eq!(
        rig.engine
            .recent_orders(&account.id, 10)
            .await
            .map(|o| o.len())
            .unwrap_or(0),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_account_waits_for_the_vault_then_reconnects() {
    let Rig { mock, dir, engine } = rig(12).await;
    let account = add_live(&engine, "spot").await;
    engine.shutdown().await;
    drop(engine);
    let engine = Engine::start(engine_config(dir.path(), &mock))
        .await
        .expect("restarted");
    let err = engine
        .equity(&account.id)
        .await
        .expect_err("no key before the vault is unlocked");
    assert_eq!(err.code, ErrorCode::VenueUnavailable);
    let wrong = engine
        .unlock_vault(Secret::new("not the password"))
        .await
        .expect_err("wrong");
    assert_eq!(wrong.code, ErrorCode::WrongPassword);
    engine
        .unlock_vault(Secret::new(VAULT_PASSWORD))
        .await
        .expect("unlocked");
    until("the account reconnects", || async {
        engine.equity(&account.id).await.is_ok()
    })
    .await;
    let view = engine.accounts().await.expect("accounts");
    let back = view.iter().find(|a| a.id == account.id).expect("listed");
    assert!(back.live, "live trading is remembered");
    assert_eq!(back.connection.state, "connected");
    engine.shutdown().await;
}
