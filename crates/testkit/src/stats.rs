//! Counters the fault tests assert on.

use std::collections::BTreeMap;

/// What the mock saw and sent. All counters start at zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// REST requests per `"<market> <METHOD> <path>"`, e.g. `"spot POST /api/v3/order"`.
    pub requests_by_endpoint: BTreeMap<String, u64>,
    /// Orders accepted into the ledger per client order id (any market). > 1 for an id that was
    /// re-used after the first order closed, or a duplicate a client should not have sent.
    pub orders_created_per_client_id: BTreeMap<String, u64>,
    /// 429 responses (scripted or weight exhaustion).
    pub http_429_sent: u64,
    /// 418 responses (IP bans). Tests assert this stays 0.
    pub http_418_sent: u64,
    /// Requests that arrived while a 429 window or a ban was active.
    pub requests_while_limited: u64,
    /// -1021 (timestamp) rejections.
    pub minus_1021_sent: u64,
    /// REST -1021 rejections per endpoint (same keys as `requests_by_endpoint`).
    pub minus_1021_by_endpoint: BTreeMap<String, u64>,
    /// -1022 (signature) rejections.
    pub minus_1022_sent: u64,
    /// 5xx responses sent by faults.
    pub http_5xx_sent: u64,
    /// Responses broken by AcceptThenTimeout.
    pub responses_broken: u64,
    /// WebSocket connections accepted per family (`spot_market`, `futures_market`, `spot_user`,
    /// `futures_user`).
    pub ws_connections: BTreeMap<String, u64>,
    /// User-data events written to sockets (duplicates count twice; one per subscriber).
    pub user_events_sent: u64,
    /// User-data events produced by the ledger (before faults).
    pub user_events_produced: u64,
    /// Events dropped / duplicated / reordered by faults.
    pub user_events_dropped: u64,
    /// See `user_events_dropped`.
    pub user_events_duplicated: u64,
    /// See `user_events_dropped`.
    pub user_events_reordered: u64,
    /// Depth diffs swallowed by DepthGap.
    pub depth_gaps_injected: u64,
    /// Faults that fired.
    pub faults_fired: u64,
    /// Faults whose action did not fit their trigger.
    pub faults_ignored: u64,
    /// Connections closed by ForcedDisconnect / listenKey expiry.
    pub disconnects_forced: u64,
    /// Stall faults applied.
    pub stalls: u64,
    /// listenKeys expired by a fault.
    pub listen_keys_expired: u64,
    /// Keepalives answered -1125.
    pub minus_1125_sent: u64,
}

impl Stats {
    /// Requests seen for one endpoint, e.g. `stats.requests(Market::Spot, "POST", "/api/v3/order")`.
    pub fn requests(&self, market: crate::Market, method: &str, path: &str) -> u64 {
        self.requests_by_endpoint
            .get(&endpoint_key(market, method, path))
            .copied()
            .unwrap_or(0)
    }
}

pub(crate) fn endpoint_key(market: crate::Market, method: &str, path: &str) -> String {
    let m = match market {
        crate::Market::Spot => "spot",
        crate::Market::Futures => "futures",
    };
    format!("{m} {} {path}", method.to_ascii_uppercase())
}
