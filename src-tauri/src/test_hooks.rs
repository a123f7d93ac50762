//! Test hooks read from the environment at start-up. Each one needs its own variable AND
//! `KEEL_ALLOW_TEST_ENDPOINTS=1`, so a stray variable on a trader's machine changes nothing.

use keel_binance::common::config::Endpoints;
use keel_engine::VenueEndpoints;
use serde::Deserialize;

/// The variable naming the four Binance URLs (JSON, see [`BinanceTestEndpoints`]).
pub const ENDPOINTS_VAR: &str = "KEEL_TEST_BINANCE_ENDPOINTS";
/// The opt-in that must be `1` for [`ENDPOINTS_VAR`] to be honoured.
pub const ALLOW_VAR: &str = "KEEL_ALLOW_TEST_ENDPOINTS";

/// What `mock-binance` prints on its first line: loopback base URLs of each product.
#[derive(Debug, Deserialize)]
struct BinanceTestEndpoints {
    spot_rest: String,
    spot_ws: String,
    futures_rest: String,
    futures_ws: String,
}

/// Binance endpoints to use instead of Binance's own hosts, when both test variables say so.
/// `None` (and a warning when only one of the two is set, or the JSON is invalid) otherwise.
pub fn binance_endpoints() -> Option<VenueEndpoints> {
    let json = std::env::var(ENDPOINTS_VAR).ok().filter(|v| !v.is_empty());
    let allowed = std::env::var(ALLOW_VAR).as_deref() == Ok("1");
    endpoints_from(json.as_deref(), allowed)
}

fn endpoints_from(json: Option<&str>, allowed: bool) -> Option<VenueEndpoints> {
    match (json, allowed) {
        (None, false) => None,
        (None, true) => {
            tracing::warn!("{ALLOW_VAR}=1 without {ENDPOINTS_VAR}: using Binance's own hosts");
            None
        }
        (Some(_), false) => {
            tracing::warn!("{ENDPOINTS_VAR} is ignored without {ALLOW_VAR}=1");
            None
        }
        (Some(json), true) => match serde_json::from_str::<BinanceTestEndpoints>(json) {
            Ok(e) => {
                tracing::warn!(
                    spot = %e.spot_rest,
                    futures = %e.futures_rest,
                    "TEST HOOK: Binance endpoints point at a test server"
                );
                Some(VenueEndpoints {
                    binance_spot: Some(Endpoints::loopback(&e.spot_rest, &e.spot_ws)),
                    binance_usdm: Some(Endpoints::loopback(&e.futures_rest, &e.futures_ws)),
                })
            }
            Err(err) => {
                tracing::warn!("{ENDPOINTS_VAR} is not valid JSON with four URLs, ignored: {err}");
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"spot_rest":"http://127.0.0.1:1","spot_ws":"ws://127.0.0.1:2/","futures_rest":"http://127.0.0.1:3","futures_ws":"ws://127.0.0.1:4"}"#;

    #[test]
    fn honoured_only_with_the_opt_in() {
        assert!(endpoints_from(Some(JSON), false).is_none());
        assert!(endpoints_from(None, true).is_none());
        assert!(endpoints_from(Some("{}"), true).is_none());
        let e = endpoints_from(Some(JSON), true).expect("endpoints");
        let spot = e.binance_spot.expect("spot");
        assert_eq!(spot.rest, vec!["http://127.0.0.1:1".to_string()]);
        assert_eq!(spot.market_ws, "ws://127.0.0.1:2");
        let usdm = e.binance_usdm.expect("usdm");
        assert_eq!(usdm.rest, vec!["http://127.0.0.1:3".to_string()]);
        assert_eq!(usdm.ws_api, "ws://127.0.0.1:4/ws-api/v3");
    }
}
