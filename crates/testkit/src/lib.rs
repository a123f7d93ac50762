//! Dev-only test kit: a mock Binance (spot + USD-M futures) on loopback with an authoritative
//! order ledger and a seeded fault script. Nothing in a release build depends on this crate.
//!
//! The mock is independent ground truth for the `keel-binance` adapter: every response is built
//! from Binance's documented field names and typing (prices/quantities as strings, ids/times as
//! integers; see `/work/shared/vectors/payloads/binance_{spot,usdm}` and the design notes).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use keel_testkit::{Fault, Market, MockBinance, MockConfig, RestMatch};
//! use rust_decimal::Decimal;
//! let mock = MockBinance::start(MockConfig::new(7, "key", "secret")).await?;
//! let _rest = mock.spot_rest_url(); // http://127.0.0.1:PORT
//! mock.faults().push(Fault::accept_then_timeout(RestMatch::new(Market::Spot, "POST", "/api/v3/order"), 3_000));
//! mock.trade(Market::Spot, "BTCUSDT", Decimal::from(49_990), Decimal::ONE);
//! let ledger = mock.ledger();
//! let stats = mock.stats();
//! assert_eq!(stats.http_418_sent, 0);
//! # let _ = ledger; Ok(()) }
//! ```
//!
//! # Servers
//! * Spot (`spot_rest_url`, `spot_stream_url`, `spot_ws_api_url`): `GET /api/v3/{ping,time,
//!   exchangeInfo,depth,trades,aggTrades,klines,ticker/bookTicker}`, SIGNED `POST|GET|DELETE
//!   /api/v3/order`, `POST /api/v3/order/test`, `GET|DELETE /api/v3/openOrders`,
//!   `GET /api/v3/{allOrders,myTrades,account}`, `GET /sapi/v1/account/apiRestrictions`;
//!   streams `/ws`, `/ws/<stream>`, `/stream?streams=a/b` (SUBSCRIBE / UNSUBSCRIBE /
//!   LIST_SUBSCRIPTIONS frames, combined frames `{stream,data}`); WebSocket API `/ws-api/v3`
//!   (`userDataStream.subscribe.signature`, `session.logon` (HMAC accepted) +
//!   `userDataStream.subscribe`, `userDataStream.unsubscribe`, `ping`, `time`), events wrapped
//!   `{"subscriptionId":N,"event":{..}}` (executionReport, outboundAccountPosition, balanceUpdate,
//!   eventStreamTerminated).
//! * Futures (`futures_rest_url`, `futures_stream_url`): `GET /fapi/v1/{ping,time,exchangeInfo,
//!   depth,trades,aggTrades,klines,premiumIndex,ticker/bookTicker}`, SIGNED `POST|GET|DELETE
//!   /fapi/v1/order`, `/fapi/v1/order/test`, `openOrders`, `allOrders`, `DELETE allOpenOrders`,
//!   `userTrades`, `/fapi/v3/{account,balance,positionRisk}` (v2 aliases), `leverage`,
//!   `marginType`, `positionSide/dual` (GET/POST), `commissionRate`; `POST|PUT|DELETE
//!   /fapi/v1/listenKey` (API key only; -1125 for an unknown/expired key); user stream
//!   `/ws/<listenKey>` (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, listenKeyExpired with string `E`).
//!
//! # Rules the mock enforces
//! * `X-MBX-APIKEY` (-2014 missing / -2015 wrong, HTTP 401), HMAC-SHA256 `signature` over
//!   (query string + body as received, minus the signature pair) (-1022), and
//!   `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow` (-1021) with the
//!   skewable clock; `/time` returns the skewed time.
//! * Weight per market per wall-clock minute, `X-MBX-USED-WEIGHT-1M` on every response;
//!   exhaustion or a scripted 429 opens a window in which a request gets 418 (ban), except
//!   one arriving within 50 ms of the 429 (already in flight: it gets another 429).
//! * Orders: LIMIT (GTC/IOC/FOK, futures GTX), MARKET (spot quoteOrderQty), LIMIT_MAKER
//!   (-2010 "Order would immediately match and take."), STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT
//!   (spot), STOP / STOP_MARKET / TAKE_PROFIT / TAKE_PROFIT_MARKET with reduceOnly /
//!   closePosition / positionSide (futures); filters -1013; duplicate open client id -2010
//!   "Duplicate order sent." (spot) / -4116 (futures); -2013 unknown query, -2011 unknown cancel;
//!   -2010 insufficient balance (spot), -2019 margin (futures). Spot cancel events carry the
//!   cancel's client id in `c` and the original in `C`, as Binance does.
//! * Liquidity: taker orders walk the public book (set by [`MockBinance::set_book`]); a market
//!   order's remainder fills at the last trade price. The account's resting orders are not shown
//!   in the public book; they fill when a print ([`MockBinance::trade`]) crosses them.
//!
//! # Faults
//! [`Fault`] = [`Trigger`] + [`Action`]; see [`Action`] for each behaviour and
//! [`FaultScript::seeded`] for a deterministic random mix. [`Stats`] counts what happened.

mod binance;
mod config;
mod fault;
mod ledger;
mod rng;
mod stats;

pub use binance::{FaultHandle, MockBinance, hmac_hex};
pub use config::{ApiRestrictions, BalanceSpec, Market, MockConfig, Side, SymbolSpec};
pub use fault::{Action, Fault, FaultScript, RestMatch, StreamKind, Trigger};
pub use ledger::{AlgoOrder, AlgoStatus, Fill, Ledger, Order, OrderStatus, Position, SpotBalance};
pub use rng::SplitMix64;
pub use stats::Stats;
