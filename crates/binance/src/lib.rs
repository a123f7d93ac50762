//! Binance spot and USD-M futures. See the crate description.
