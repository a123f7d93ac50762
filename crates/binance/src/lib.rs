//! Binance spot and USD-M futures behind Keel's venue traits.
//!
//! * [`common`]: what spot and futures share: request signing (HMAC, Ed25519, RSA), error
//!   classification, exchangeInfo filters, the signed-REST helper and configuration.
//! * [`spot`]: the spot venue ([`spot::BinanceSpot`]).
//! * [`usdm`]: the USD-M futures venue.

pub mod common;
pub mod spot;
pub mod usdm;
