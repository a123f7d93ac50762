//! The one log filter every front end uses. Wire-level crates are capped below `trace`: at
//! `trace` they print raw request and frame bytes, which carry API keys and signatures. The cap
//! is appended after the trader's own directives, so even `RUST_LOG=trace` cannot lift it.

use tracing_subscriber::EnvFilter;

/// Crates whose `trace` output contains request bytes, and the most they may log.
const WIRE_CAPS: &str = "tungstenite=debug,tokio_tungstenite=debug,hyper=debug,hyper_util=debug,\
                         h2=debug,reqwest=debug,rustls=debug,zbus=info";

/// The filter for `base` (e.g. `info`, or `RUST_LOG` when set) with the wire-level caps.
pub fn log_filter(base: &str) -> EnvFilter {
    let directives = format!("{base},{WIRE_CAPS}");
    EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new(format!("info,{WIRE_CAPS}")))
}

/// `RUST_LOG` when set and valid, else `default`, with the caps.
pub fn log_filter_from_env(default: &str) -> EnvFilter {
    let base = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string());
    log_filter(&base)
}
