//! Binance error bodies (`{"code":-2010,"msg":"..."}`) and HTTP statuses mapped to Keel's retry
//! classes.
//!
//! | Binance                                   | Keel                                          |
//! |-------------------------------------------|-----------------------------------------------|
//! | -1021 timestamp outside recvWindow/ahead  | [`BinanceFailure::ClockSkew`]: resync, retry once |
//! | -2010 duplicate / insufficient balance    | Rejected DuplicateClientOrderId / InsufficientBalance |
//! | -2011 unknown order, -2013 no such order  | Rejected OrderNotFound                        |
//! | -1013 / -1111 filter failure / precision  | Rejected FilterViolation                      |
//! | -1121 invalid symbol                      | Rejected UnknownSymbol                        |
//! | -1007 timeout, any 5xx, -1000/-1006       | Unknown (query the venue; GETs may retry)     |
//! | -1003, -1015, -1008, 429, 418, 403        | Transient (with Retry-After when given)       |
//! | 401, -1022, -2014, -2015 bad key/signature| Rejected Unauthorized, with a clear message   |

use keel_exchange::{ExchangeError, RejectReason};
use serde::Deserialize;

/// Binance's error body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiErrorBody {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
}

impl ApiErrorBody {
    /// Parses an error body; `None` when the body is not `{code,msg}`.
    pub fn parse(body: &[u8]) -> Option<ApiErrorBody> {
        serde_json::from_slice(body).ok()
    }
}

/// A failed Binance request, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinanceFailure {
    /// -1021: the request's timestamp was outside the recvWindow or ahead of the server. The
    /// caller resyncs its server clock, then retries once.
    ClockSkew { message: String },
    /// Any other failure, with its retry class.
    Venue(ExchangeError),
}

impl BinanceFailure {
    /// The failure as a venue error (a clock skew that survived the retry is transient).
    pub fn into_exchange(self) -> ExchangeError {
        match self {
            BinanceFailure::ClockSkew { message } => ExchangeError::Transient {
                message: format!("clock out of sync with Binance: {message}"),
                retry_after_ms: None,
            },
            BinanceFailure::Venue(e) => e,
        }
    }
}

fn rejected(reason: RejectReason, code: i64, msg: &str) -> ExchangeError {
    ExchangeError::rejected(reason, format!("Binance {code}: {msg}"))
}

fn transient(message: String, retry_after_ms: Option<u64>) -> ExchangeError {
    ExchangeError::Transient {
        message,
        retry_after_ms,
    }
}

/// Maps a -2010 (new order rejected) message to its reason.
fn new_order_rejected_reason(msg: &str) -> RejectReason {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("duplicate order") {
        RejectReason::DuplicateClientOrderId
    } else if lower.contains("insufficient balance") || lower.contains("insufficient") {
        RejectReason::InsufficientBalance
    } else if lower.contains("self trade") || lower.contains("self-trade") {
        RejectReason::SelfTrade
    } else if lower.contains("filter failure") || lower.contains("notional") {
        RejectReason::FilterViolation
    } else {
        RejectReason::Other
    }
}

/// Classifies a `{code,msg}` error (from REST or the WebSocket API). `status` is the HTTP status
/// (or the WebSocket API `status` field); `retry_after_ms` comes from `Retry-After`.
pub fn classify_api_error(
    status: u16,
    code: i64,
    msg: &str,
    retry_after_ms: Option<u64>,
) -> BinanceFailure {
    use RejectReason as R;
    let err = match code {
        -1021 => {
            return BinanceFailure::ClockSkew {
                message: msg.to_string(),
            };
        }
        -1003 | -1015 => transient(
            format!("Binance rate limit ({code}): {msg}"),
            retry_after_ms,
        ),
        -1008 => transient(
            format!("Binance overloaded ({code}): {msg}"),
            retry_after_ms,
        ),
        -1000 | -1006 | -1007 => ExchangeError::Unknown {
            message: format!("Binance {code}: {msg}"),
        },
        -1022 | -2014 | -2015 => ExchangeError::rejected(
            R::Unauthorized,
            format!(
                "Binance refused the API key or signature ({code}: {msg}). Check the key, its \
                 permissions and IP whitelist, and that the secret matches the key."
            ),
        ),
        -2010 | -2019 => rejected(new_order_rejected_reason(msg), code, msg),
        -2011 => {
            let lower = msg.to_ascii_lowercase();
            let reason = if lower.contains("unknown order") || lower.contains("does not exist") {
                R::OrderNotFound
            } else {
                R::NotCancelable
            };
            rejected(reason, code, msg)
        }
        -2013 => rejected(R::OrderNotFound, code, msg),
        -1013 | -1111 | -4164 => rejected(R::FilterViolation, code, msg),
        -1121 => rejected(R::UnknownSymbol, code, msg),
        _ if status == 429 || status == 418 => transient(
            format!("Binance rate limit (HTTP {status}, {code}): {msg}"),
            retry_after_ms,
        ),
        _ if status == 401 => ExchangeError::rejected(
            R::Unauthorized,
            format!("Binance refused the API key (HTTP 401, {code}: {msg})"),
        ),
        _ if status >= 500 => ExchangeError::Unknown {
            message: format!("Binance HTTP {status} ({code}): {msg}"),
        },
        _ => rejected(R::Other, code, msg),
    };
    BinanceFailure::Venue(err)
}

/// Classifies a failed HTTP response (status >= 400 or a body that is an error).
pub fn classify_http(status: u16, body: &[u8], retry_after_ms: Option<u64>) -> BinanceFailure {
    if let Some(e) = ApiErrorBody::parse(body) {
        return classify_api_error(status, e.code, &e.msg, retry_after_ms);
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    let err = match status {
        429 | 418 => transient(
            format!("Binance rate limit (HTTP {status})"),
            retry_after_ms,
        ),
        403 => transient(
            format!("Binance web application firewall refused the request (HTTP 403): {text}"),
            retry_after_ms,
        ),
        401 => ExchangeError::rejected(
            RejectReason::Unauthorized,
            "Binance refused the API key (HTTP 401): check the key and its permissions",
        ),
        s if s >= 500 => ExchangeError::Unknown {
            message: format!("Binance HTTP {s}: {text}"),
        },
        s => ExchangeError::rejected(RejectReason::Other, format!("Binance HTTP {s}: {text}")),
    };
    BinanceFailure::Venue(err)
}

/// For requests that change nothing (GETs): an unknown outcome is simply a transient failure.
pub fn unknown_as_transient(err: ExchangeError) -> ExchangeError {
    match err {
        ExchangeError::Unknown { message } => ExchangeError::Transient {
            message,
            retry_after_ms: None,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue(f: BinanceFailure) -> ExchangeError {
        match f {
            BinanceFailure::Venue(e) => e,
            BinanceFailure::ClockSkew { .. } => panic!("unexpected clock skew"),
        }
    }

    #[test]
    fn statuses_without_a_body_are_classified() {
        assert!(matches!(
            venue(classify_http(503, b"<html>", None)),
            ExchangeError::Unknown { .. }
        ));
        assert!(matches!(
            venue(classify_http(429, b"", Some(2000))),
            ExchangeError::Transient {
                retry_after_ms: Some(2000),
                ..
            }
        ));
        assert!(matches!(
            venue(classify_http(401, b"", None)),
            ExchangeError::Rejected {
                reason: RejectReason::Unauthorized,
                ..
            }
        ));
        assert!(matches!(
            classify_http(400, br#"{"code":-1021,"msg":"x"}"#, None),
            BinanceFailure::ClockSkew { .. }
        ));
    }
}
