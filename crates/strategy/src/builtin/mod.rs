//! Strategies written in Rust.

mod sma_cross;

pub use sma_cross::SmaCross;
