//! Binance spot: wire types and parsers, the fast aggTrade decoder, order mapping, the market
//! and user data streams, and [`BinanceSpot`], the venue behind Keel's traits.

pub mod events;
pub mod fast;
pub mod market;
pub mod orders;
pub mod streams;
pub mod venue;
pub mod wire;

pub use venue::BinanceSpot;

/// The venue id stored with Binance orders and fills.
pub const VENUE_ID: &str = "binance";
