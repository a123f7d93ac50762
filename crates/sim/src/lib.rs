//! The Demo exchange: a simulated venue that needs no keys and no network, behind the same venue
//! traits as every real exchange ([`keel_exchange::Venue`]).
//!
//! - [`market`]: a seeded price process per symbol (log-price random walk with stochastic
//!   volatility and a tiny pull towards a reference price), Poisson trade prints at the touch with
//!   log-normal sizes and autocorrelated taker sides; prices on the tick grid, quantities on the
//!   step grid.
//! - [`book`]: a synthetic order book of 20 levels per side around the mid, and the taker walk.
//! - [`matching`]: validation against the instrument filters, balances with free/locked parts,
//!   market and limit orders, partial fills, maker/taker fees, self-trade prevention. Pure and
//!   synchronous; its documentation states the fill model.
//! - [`exchange`]: [`DemoExchange`], which ties them together and broadcasts market and
//!   execution events.
//!
//! Nothing here reads the wall clock or spawns a task: time is passed in with
//! [`DemoExchange::advance_to`], so a seed and a sequence of calls always give the same events.
//! Money is [`rust_decimal::Decimal`]; the generator computes its walk in `f64` and converts
//! prices onto the tick grid.

pub mod book;
pub mod candles;
pub mod config;
pub mod exchange;
pub mod grid;
mod hash;
pub mod market;
pub mod matching;
pub mod paper;
pub mod rng;
pub mod venue;

pub use config::{DemoConfig, DemoSymbol};
pub use exchange::DemoExchange;
pub use matching::{Executions, Matcher, RestoredOrder};
pub use venue::{SimConfig, SimEvent, SimFill, SimOrder, SimReject, SimVenue};
