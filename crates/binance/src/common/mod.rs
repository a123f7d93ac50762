//! What Binance spot and USD-M futures share.

pub mod config;
pub mod error;
pub mod filters;
pub mod interval;
pub mod num;
pub(crate) mod permissions;
pub mod rest;
pub mod sign;

pub use config::{BinanceConfig, Endpoints};
pub use error::{ApiErrorBody, BinanceFailure, classify_api_error, classify_http};
pub use filters::{RawFilter, SymbolInfo, SymbolMap, SymbolRules};
pub use rest::{Auth, BinanceRest};
pub use sign::{KeyKind, Signer};
