//! Shared venue transport: what every real venue needs beneath its own wire format.
//!
//! - [`rest`]: a REST client (rustls, optional HTTP/SOCKS5 proxy, per-request timeout) that
//!   classifies failures by what they mean for a retry, waits for the rate budget and picks the
//!   healthiest endpoint.
//! - [`budget`]: one process-wide request-weight budget per venue and IP, fed by the venue's
//!   used-weight header, blocked by 429/418, with headroom reserved for trading.
//! - [`endpoints`]: a pool of base URLs scored by latency and failures, with cooldowns.
//! - [`clock`]: the venue's server-time offset with single-flight resync.
//! - [`ws`]: a reconnecting WebSocket client (backoff with jitter, pings, stall detection,
//!   forced rotation, resubscribe on every open).
//! - [`book`]: a local order book kept from a snapshot plus sequenced depth diffs.
//!
//! Nothing here knows a venue's message formats: header names, limits and URLs come in through
//! configuration, and the adapter parses what it receives.

pub mod book;
pub mod budget;
pub mod clock;
pub mod endpoints;
mod net;
pub mod rest;
pub mod ws;

pub use book::{BookStatus, BookSync, DepthDiff, DepthSnapshot, SequenceRule};
pub use budget::{BudgetSnapshot, RateBudget};
pub use clock::ServerClock;
pub use endpoints::EndpointPool;
pub use rest::{Priority, RestClient, RestConfig, RestRequest, RestResponse};
pub use ws::{WsConfig, WsControl, WsHandle, WsSender, WsSession, backoff_delay, spawn_ws};
