//! Binance USD-M futures (`fapi` REST, `fstream` WebSockets) behind the venue traits.
//!
//! * [`parse`]: REST bodies into domain types; [`events`]: market and user stream frames.
//! * [`orders`]: a Keel order as `/fapi/v1/order` parameters.
//! * [`BinanceUsdm`]: the venue (market data, trading, account, derivatives), with its user
//!   data stream (listenKey kept alive, recreated on expiry; `Resynced` after every reconnect)
//!   and on-demand market streams with local books.
//!
//! Wire types stay in the private `wire` module.
//!
//! * [`algo`]: conditional orders (stop / take-profit), which Binance takes only through its
//!   algo service (`/fapi/v1/algoOrder`, `ALGO_UPDATE`) since 2025-12-09.

pub mod algo;
pub mod events;
mod market_stream;
pub mod orders;
pub mod parse;
mod user_stream;
mod venue;
mod wire;

pub use algo::{AlgoView, algo_status, parse_algo_order, parse_algo_orders};
pub use events::{MarketMsg, UserEvent, is_venue_initiated, parse_market_msg, parse_user_event};
pub use market_stream::BOOK_DEPTH;
pub use parse::{AccountCtx, ExchangeInfo, FundingRate, SymbolSettings, UsdmInstrument};
pub use user_stream::{KEEPALIVE_INTERVAL, keepalive_loop};
pub use venue::{BinanceUsdm, UsdmOptions, VENUE_ID};
