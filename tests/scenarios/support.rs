use keel_domain::{Amount, Decimal, ManualClock, OrderKind, Side};
use keel_engine::api::PlaceOrderRequest;
use keel_engine::{Engine, EngineConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// 2026-11-21T12:00:00Z: a fixed start, so every run sees the same market.
pub const START_MS: i64 = 1_795_262_400_000;

pub async fn start(dir: &Path, clock: Arc<ManualClock>) -> Engine {
    let mut config = EngineConfig::new(dir.to_path_buf());
    config.demo_tick_ms = 10;
    Engine::start_with_clock(config, clock)
        .await
        .expect("engine starts")
}

pub fn market(side: Side, symbol: &str, qty: Decimal) -> PlaceOrderRequest {
    PlaceOrderRequest {
        account_id: "demo".into(),
        symbol: symbol.into(),
        side,
        kind: OrderKind::Market,
        price: None,
        amount: Amount::Base(qty),
        options: None,
    }
}

pub fn limit(side: Side, symbol: &str, price: Decimal, qty: Decimal) -> PlaceOrderRequest {
    PlaceOrderRequest {
        kind: OrderKind::Limit,
        price: Some(price),
        ..market(side, symbol, qty)
    }
}

/// Polls `check` until it holds, moving the market clock forward a second at a time.
pub async fn eventually<F, Fut>(clock: &ManualClock, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        clock.advance(1_000);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

pub fn balance(view: &keel_engine::api::EquityView, asset: &str) -> (Decimal, Decimal) {
    view.balances
        .iter()
        .find(|b| b.balance.asset == asset)
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| {
            (b.balance.free, b.balance.locked)
        })
}
