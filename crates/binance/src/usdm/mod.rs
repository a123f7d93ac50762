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
//! Known limit: since late 2025 Binance routes conditional orders (STOP, STOP_MARKET,
//! TAKE_PROFIT, TAKE_PROFIT_MARKET) through its algo service (`/fapi/v1/algoOrder`); this
//! module sends them to `/fapi/v1/order` and reads `ALGO_UPDATE` events.

pub mod events;
mod market_stream;
pub mod orders;
pub mod parse;
mod user_stream;
mod venue;
mod wire;

pub use events::{MarketMsg, UserEvent, is_venue_initiated, parse_market_msg, parse_user_event};
pub use market_stream::BOOK_DEPTH;
pub use parse::{AccountCtx, ExchangeInfo, FundingRate, SymbolSettings, UsdmInstrument};
pub use user_stream::{KEEPALIVE_INTERVAL, keepalive_loop};
pub use venue::{BinanceUsdm, UsdmOptions, VENUE_ID};
