//! Keel's GUI-free application API: what the desktop shell and the CLI both drive.
//!
//! [`Engine`] owns the store, the venues of every account (today the Demo exchange) and the
//! background tasks; [`api`] holds every type that crosses IPC and the closed [`api::ErrorCode`].

mod accounts;
pub mod api;
pub mod backtests;
pub mod bindings;
mod clock;
mod config;
mod demo;
mod engine;
mod error;
pub mod logging;
pub mod market_data;
mod market_stream;
mod orders;
pub mod paper;
mod paper_accounts;
mod secrets;
mod security;
pub mod strategies;
mod venues;

pub use clock::SystemClock;
pub use config::{EngineConfig, SecretsMode, VenueEndpoints, default_data_dir};
pub use engine::Engine;
