//! Engine end-to-end scenarios: the real engine on a real SQLite file with the Demo exchange,
//! driven the way the desktop shell and the CLI drive it. One test binary, a module per feature.

mod support;

mod accounts;
mod binance;
mod canary;
mod export;
mod orders;
mod restart;
mod soak;
