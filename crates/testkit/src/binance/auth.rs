//! API-key, HMAC-SHA256 signature and timestamp checks (REST and WebSocket API).

use crate::binance::params::{ApiError, Params};
use crate::binance::state::State;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Lower-case hex HMAC-SHA256 of `payload`.
pub fn hmac_hex(secret: &str, payload: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The query string or body without its `signature=` pair, as received otherwise.
fn strip_signature(raw: &str) -> String {
    raw.split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("signature="))
        .collect::<Vec<_>>()
        .join("&")
}

impl State {
    /// `X-MBX-APIKEY` must be the configured key.
    pub(crate) fn check_api_key(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        match headers.get("X-MBX-APIKEY").and_then(|v| v.to_str().ok()) {
            None | Some("") => {
                Err(ApiError::new(-2014, "API-key format invalid.").with_status(401))
            }
            Some(k) if k == self.cfg.api_key => Ok(()),
            Some(_) => Err(
                ApiError::new(-2015, "Invalid API-key, IP, or permissions for action.")
                    .with_status(401),
            ),
        }
    }

    /// Key, signature over (query + body) and the timestamp window of a SIGNED request.
    pub(crate) fn check_signed(
        &mut self,
        headers: &HeaderMap,
        raw_query: &str,
        raw_body: &str,
        p: &Params,
    ) -> Result<(), ApiError> {
        self.check_api_key(headers)?;
        let Some(sig) = p.get("signature") else {
            return Err(ApiError::mandatory("signature"));
        };
        let payload = format!(
            "{}{}",
            strip_signature(raw_query),
            strip_signature(raw_body)
        );
        if !hmac_hex(&self.cfg.secret, &payload).eq_ignore_ascii_case(sig) {
            self.stats.minus_1022_sent += 1;
            return Err(ApiError::new(
                -1022,
                "Signature for this request is not valid.",
            ));
        }
        self.check_timestamp(p.int("timestamp")?, p.dec("recvWindow")?)
    }

    /// Binance's rule: accept iff `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow`.
    pub(crate) fn check_timestamp(
        &mut self,
        ts: Option<i64>,
        recv_window: Option<rust_decimal::Decimal>,
    ) -> Result<(), ApiError> {
        let Some(mut ts) = ts else {
            return Err(ApiError::mandatory("timestamp"));
        };
        if ts > 100_000_000_000_000 {
            ts /= 1000; // microseconds
        }
        let window = recv_window.unwrap_or(rust_decimal::Decimal::from(5000));
        if window > rust_decimal::Decimal::from(60_000) || window <= rust_decimal::Decimal::ZERO {
            return Err(ApiError::new(-1131, "recvWindow must be less than 60000"));
        }
        let server = self.now();
        if ts >= server + 1000 {
            self.stats.minus_1021_sent += 1;
            return Err(ApiError::new(
                -1021,
                "Timestamp for this request was 1000ms ahead of the server's time.",
            ));
        }
        if rust_decimal::Decimal::from(server - ts) > window {
            self.stats.minus_1021_sent += 1;
            return Err(ApiError::new(
                -1021,
                "Timestamp for this request is outside of the recvWindow.",
            ));
        }
        Ok(())
    }

    /// WebSocket API signed params: apiKey, signature over the other params sorted by name.
    pub(crate) fn check_ws_signed(
        &mut self,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), ApiError> {
        let key = params.get("apiKey").and_then(|v| v.as_str()).unwrap_or("");
        if key != self.cfg.api_key {
            return Err(
                ApiError::new(-2015, "Invalid API-key, IP, or permissions for action.")
                    .with_status(401),
            );
        }
        let Some(sig) = params.get("signature").and_then(|v| v.as_str()) else {
            return Err(ApiError::mandatory("signature"));
        };
        let mut pairs: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "signature")
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect();
        pairs.sort();
        let payload = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        if !hmac_hex(&self.cfg.secret, &payload).eq_ignore_ascii_case(sig) {
            self.stats.minus_1022_sent += 1;
            return Err(ApiError::new(
                -1022,
                "Signature for this request is not valid.",
            ));
        }
        let ts = params.get("timestamp").and_then(|v| v.as_i64());
        let rw = params
            .get("recvWindow")
            .and_then(|v| v.as_i64())
            .map(rust_decimal::Decimal::from);
        self.check_timestamp(ts, rw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_vector_spot_rest_hmac() {
        // binance-spot-api-docs rest-api.md "SIGNED Endpoint Examples for POST /api/v3/order" (HMAC).
        let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
        let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            hmac_hex(secret, payload),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
        assert_eq!(strip_signature("a=1&signature=ff&b=2"), "a=1&b=2");
    }
}
