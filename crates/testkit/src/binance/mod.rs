//! The mock Binance (spot + USD-M futures) server. See the crate docs for the API.

pub(crate) mod algo;
pub(crate) mod auth;
pub(crate) mod book;
pub(crate) mod fmt;
pub(crate) mod futures;
pub(crate) mod http;
pub(crate) mod market_rest;
pub(crate) mod orders;
pub(crate) mod params;
pub(crate) mod spot;
pub(crate) mod state;
pub(crate) mod ws;

mod server;

pub use auth::hmac_hex;
pub use server::{FaultHandle, MockBinance};
