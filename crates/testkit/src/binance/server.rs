//! [`MockBinance`]: starts the two loopback servers and exposes the test-side controls.

use crate::binance::http::{Ctx, rest};
use crate::binance::state::Shared;
use crate::binance::ws::{ws_api, ws_combined, ws_named, ws_raw};
use crate::config::{Market, MockConfig, Side};
use crate::fault::{Fault, FaultScript};
use crate::ledger::Ledger;
use crate::stats::Stats;
use axum::Router;
use axum::routing::get;
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running mock: a spot server and a futures server on `127.0.0.1`, one shared ledger.
/// Dropping it stops both servers.
pub struct MockBinance {
    shared: Arc<Shared>,
    spot_addr: SocketAddr,
    futures_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for MockBinance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockBinance")
            .field("spot", &self.spot_addr)
            .field("futures", &self.futures_addr)
            .finish_non_exhaustive()
    }
}

fn router(shared: Arc<Shared>, market: Market) -> Router {
    let ctx = Ctx { shared, market };
    let mut r = Router::new()
        .route("/ws", get(ws_raw))
        .route("/ws/{name}", get(ws_named))
        .route("/stream", get(ws_combined));
    if market == Market::Spot {
        r = r.route("/ws-api/v3", get(ws_api));
    }
    r.fallback(rest).with_state(ctx)
}

async fn serve(router: Router) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((addr, task))
}

/// Arms faults on a running mock.
#[derive(Debug)]
pub struct FaultHandle<'a> {
    mock: &'a MockBinance,
}

impl FaultHandle<'_> {
    /// Arms one fault ([`crate::Trigger::Now`] faults act immediately).
    pub fn push(&self, fault: Fault) -> &Self {
        self.mock.shared.lock().push_fault(fault);
        self
    }

    /// Arms every fault of a script, in order.
    pub fn extend(&self, script: FaultScript) -> &Self {
        let mut st = self.mock.shared.lock();
        for f in script.faults {
            st.push_fault(f);
        }
        self
    }

    /// Faults still waiting for their trigger.
    pub fn pending(&self) -> Vec<Fault> {
        self.mock
            .shared
            .lock()
            .faults
            .iter()
            .map(|a| a.fault.clone())
            .collect()
    }

    /// Disarms every pending fault.
    pub fn clear(&self) {
        self.mock.shared.lock().faults.clear();
    }
}

impl MockBinance {
    /// Binds `127.0.0.1:0` twice (spot, futures) and starts serving.
    pub async fn start(cfg: MockConfig) -> std::io::Result<Self> {
        let shared = Shared::new(cfg);
        let (spot_addr, t1) = serve(router(shared.clone(), Market::Spot)).await?;
        let (futures_addr, t2) = serve(router(shared.clone(), Market::Futures)).await?;
        Ok(Self {
            shared,
            spot_addr,
            futures_addr,
            tasks: vec![t1, t2],
        })
    }

    /// `http://127.0.0.1:PORT` — spot REST (`/api/v3/...`, `/sapi/v1/...`).
    pub fn spot_rest_url(&self) -> String {
        format!("http://{}", self.spot_addr)
    }
    /// `ws://127.0.0.1:PORT` — spot market streams (`/ws`, `/ws/<stream>`, `/stream?streams=`).
    pub fn spot_stream_url(&self) -> String {
        format!("ws://{}", self.spot_addr)
    }
    /// `ws://127.0.0.1:PORT/ws-api/v3` — spot WebSocket API (user data subscriptions).
    pub fn spot_ws_api_url(&self) -> String {
        format!("ws://{}/ws-api/v3", self.spot_addr)
    }
    /// `http://127.0.0.1:PORT` — futures REST (`/fapi/v1/...`, `/fapi/v3/...`).
    pub fn futures_rest_url(&self) -> String {
        format!("http://{}", self.futures_addr)
    }
    /// `ws://127.0.0.1:PORT` — futures market streams and `/ws/<listenKey>` user streams.
    pub fn futures_stream_url(&self) -> String {
        format!("ws://{}", self.futures_addr)
    }

    /// A public print of `qty` at `price`: consumes book liquidity, publishes trade / aggTrade /
    /// kline_1m (and depth, bookTicker, futures markPrice) frames, triggers stop orders, and fills
    /// resting orders it crosses (touch fills: buy limit >= price, sell limit <= price) as makers
    /// at their limit price, up to `qty` per side, price-time priority.
    pub fn trade(&self, market: Market, symbol: &str, price: Decimal, qty: Decimal) {
        self.shared.lock().print(market, symbol, price, qty);
    }

    /// Replaces the public book (levels `(price, qty)`); publishes the difference as one diff.
    pub fn set_book(
        &self,
        market: Market,
        symbol: &str,
        bids: &[(Decimal, Decimal)],
        asks: &[(Decimal, Decimal)],
    ) {
        self.shared.lock().set_book(market, symbol, bids, asks);
    }

    /// Sets one level (`qty` 0 removes it); publishes one diff.
    pub fn set_level(
        &self,
        market: Market,
        symbol: &str,
        side: Side,
        price: Decimal,
        qty: Decimal,
    ) {
        self.shared
            .lock()
            .publish_depth(market, symbol, vec![(side, price, qty)]);
    }

    /// Sets the futures mark (and index) price, publishes markPriceUpdate and triggers
    /// `workingType=MARK_PRICE` conditional orders. The next print moves the mark again.
    pub fn set_mark_price(&self, symbol: &str, mark: Decimal) {
        let mut st = self.shared.lock();
        if let Some(m) = st.marks.get_mut(symbol) {
            m.0 = mark;
            m.1 = mark;
        }
        st.publish_mark(symbol);
        st.trigger_stops(Market::Futures, symbol, mark, true);
    }

    /// Sets the futures funding rate and next funding time (premiumIndex, markPriceUpdate).
    pub fn set_funding(&self, symbol: &str, rate: Decimal, next_funding_time: i64) {
        let mut st = self.shared.lock();
        if let Some(m) = st.marks.get_mut(symbol) {
            m.2 = rate;
            m.3 = next_funding_time;
        }
        st.publish_mark(symbol);
    }

    /// A spot deposit (positive) or withdrawal (negative): balanceUpdate + outboundAccountPosition.
    pub fn spot_balance_update(&self, asset: &str, delta: Decimal) {
        self.shared.lock().spot_balance_update(asset, delta);
    }

    /// A snapshot of the authoritative ledger.
    pub fn ledger(&self) -> Ledger {
        self.shared.lock().ledger.clone()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats.clone()
    }

    /// Arms faults.
    pub fn faults(&self) -> FaultHandle<'_> {
        FaultHandle { mock: self }
    }

    /// Sets the server clock skew in ms (server time = wall time + skew).
    pub fn set_clock_skew_ms(&self, ms: i64) {
        self.shared.clock.set_skew(ms);
    }

    /// The current skew.
    pub fn clock_skew_ms(&self) -> i64 {
        self.shared.clock.skew()
    }

    /// The server time (ms) the mock uses for timestamps and `/time`.
    pub fn server_time_ms(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    /// Sends events held back by a ReorderEvent fault.
    pub fn flush_held_events(&self) {
        self.shared.lock().flush_held();
    }

    /// The currently valid futures listenKey, if one exists.
    pub fn listen_key(&self) -> Option<String> {
        let mut st = self.shared.lock();
        let keys: Vec<String> = st.listen_keys.keys().cloned().collect();
        keys.into_iter().find(|k| st.listen_key_valid(k))
    }

    /// The configuration the mock runs with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.cfg
    }
}

impl Drop for MockBinance {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
