//! The Demo exchange's wiring: built from what the store remembers (balances, resting orders,
//! candles), driven forward by the clock, its closed candles recorded.

use crate::api::AppResult;
use crate::config::EngineConfig;
use keel_domain::{Clock, SubmitOrder};
use keel_exchange::{MarketData, MarketEvent};
use keel_sim::{DemoConfig, DemoExchange, RestoredOrder};
use keel_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

const MINUTE_MS: i64 = 60_000;
/// How much history the chart gets and the generator continues from.
const HISTORY_CANDLES: u32 = 720;

pub(crate) async fn open_demo(
    store: &Store,
    config: &EngineConfig,
    now: i64,
) -> AppResult<Arc<DemoExchange>> {
    let venue = DemoExchange::VENUE_ID;
    let mut demo_config = DemoConfig::standard(config.demo_seed, now);
    for symbol in &mut demo_config.symbols {
        symbol.history = store
            .candles(venue, &symbol.instrument.symbol, MINUTE_MS, HISTORY_CANDLES)
            .await?;
    }
    let symbols: Vec<String> = demo_config
        .symbols
        .iter()
        .map(|s| s.instrument.symbol.clone())
        .collect();
    let demo = Arc::new(DemoExchange::new(demo_config));

    // Ids continue after the last ones recorded, whatever the clock says.
    let last_fill = store
        .fills(&keel_store::FillFilter {
            account_id: Some(crate::engine::DEMO_ACCOUNT.into()),
            limit: Some(1),
            ..Default::default()
        })
        .await?;
    for fill in &last_fill {
        demo.skip_ids_past(&fill.trade_id);
        demo.skip_ids_past(&fill.venue_order_id);
    }
    for order in store.recent_orders(crate::engine::DEMO_ACCOUNT, 1).await? {
        if let Some(id) = &order.venue_order_id {
            demo.skip_ids_past(id);
        }
    }

    let balances = store.balances(crate::engine::DEMO_ACCOUNT).await?;
    if balances.is_empty() {
        // First start: the demo balance becomes the account's recorded balance.
        let initial = keel_exchange::AccountState::balances(demo.as_ref()).await?;
        store
            .replace_balances(crate::engine::DEMO_ACCOUNT, &initial, now)
            .await?;
    } else {
        let resting = store
            .live_orders(crate::engine::DEMO_ACCOUNT)
            .await?
            .into_iter()
            .filter(|o| o.status.is_working())
            .filter_map(|o| {
                Some(RestoredOrder {
                    venue_order_id: o.venue_order_id.clone()?,
                    filled_qty: o.filled_qty,
                    filled_quote: o.filled_quote,
                    order: SubmitOrder {
                        client_order_id: o.client_order_id,
                        symbol: o.symbol,
                        side: o.side,
                        kind: o.kind,
                        price: o.price,
                        amount: o.amount,
                        options: Default::default(),
                    },
                })
            })
            .collect();
        demo.restore(balances, resting);
    }

    // Keep the generated history, so the chart continues where it left off next time.
    for symbol in symbols {
        let mut candles = demo
            .candles(&symbol, MINUTE_MS, HISTORY_CANDLES as usize)
            .await?;
        candles.pop(); // the last one is still open
        store
            .upsert_candles(venue, &symbol, MINUTE_MS, &candles)
            .await?;
    }
    Ok(demo)
}

/// Steps the Demo market forward every `tick_ms` until shutdown.
pub(crate) async fn drive(
    demo: Arc<DemoExchange>,
    clock: Arc<dyn Clock>,
    tick_ms: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(Duration::from_millis(tick_ms.max(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = ticker.tick() => demo.advance_to(clock.now_ms()),
            _ = shutdown.changed() => return,
        }
    }
}

/// Stores every candle the market closes, so history survives restarts.
pub(crate) async fn record_closed_candles(
    store: Store,
    mut events: broadcast::Receiver<MarketEvent>,
) {
    loop {
        match events.recv().await {
            Ok(MarketEvent::Candle {
                symbol,
                interval_ms,
                candle,
                closed: true,
            }) => {
                if let Err(e) = store
                    .upsert_candles(DemoExchange::VENUE_ID, &symbol, interval_ms, &[candle])
                    .await
                {
                    tracing::warn!(error = %e, "could not store a candle");
                }
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
