//! The REST front door: request counting, weight and 429/418, faults, auth, routing.

use crate::binance::params::{ApiError, Params};
use crate::binance::state::{Shared, State};
use crate::config::Market;
use crate::stats::endpoint_key;
use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Router state: the shared mock and which product this server is.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub shared: Arc<Shared>,
    pub market: Market,
}

/// How long after a 429 a request counts as already in flight (loopback round trips are well
/// under it; a client that waited for the answer is far beyond it only if it ignored it).
pub(crate) const IN_FLIGHT_GRACE_MS: i64 = 50;

pub(crate) fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn respond(status: u16, body: String, used: u32, retry_after: Option<u64>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert("x-mbx-used-weight-1m", HeaderValue::from(used));
    h.insert("x-mbx-used-weight", HeaderValue::from(used));
    if let Some(secs) = retry_after {
        h.insert("retry-after", HeaderValue::from(secs));
    }
    r
}

fn json_response(status: u16, v: &Value, used: u32) -> Response {
    respond(status, v.to_string(), used, None)
}

fn server_error(status: u16, used: u32) -> Response {
    match status {
        502 => {
            let mut r = respond(
                502,
                "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
                used,
                None,
            );
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/html"));
            r
        }
        503 => json_response(
            503,
            &State::error_body(
                -1001,
                "Internal error; unable to process your request. Please try again.",
            ),
            used,
        ),
        504 => json_response(
            504,
            &State::error_body(
                -1007,
                "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
            ),
            used,
        ),
        s => json_response(
            s,
            &State::error_body(
                -1000,
                "An unknown error occurred while processing the request.",
            ),
            used,
        ),
    }
}

/// Request weight, per Binance's documented tables.
fn weight(market: Market, method: &str, path: &str, p: &Params) -> u32 {
    let limit = p.int("limit").ok().flatten().unwrap_or(100);
    let has_symbol = p.get("symbol").is_some();
    match market {
        Market::Spot => match (method, path) {
            ("GET", "/api/v3/exchangeInfo") => 20,
            ("GET", "/api/v3/depth") => match limit {
                ..=100 => 5,
                101..=500 => 25,
                501..=1000 => 50,
                _ => 250,
            },
            ("GET", "/api/v3/trades") => 25,
            ("GET", "/api/v3/aggTrades") => 4,
            ("GET", "/api/v3/klines") | ("GET", "/api/v3/ticker/bookTicker") => 2,
            ("GET", "/api/v3/order") => 4,
            ("GET", "/api/v3/openOrders") => {
                if has_symbol {
                    6
                } else {
                    80
                }
            }
            ("GET", "/api/v3/allOrders")
            | ("GET", "/api/v3/myTrades")
            | ("GET", "/api/v3/account") => 20,
            _ => 1,
        },
        Market::Futures => match (method, path) {
            ("GET", "/fapi/v1/depth") => match limit {
                ..=50 => 2,
                51..=100 => 5,
                101..=500 => 10,
                _ => 20,
            },
            ("GET", "/fapi/v1/klines") => match limit {
                ..=99 => 1,
                100..=499 => 2,
                500..=1000 => 5,
                _ => 10,
            },
            ("GET", "/fapi/v1/trades") => 5,
            ("GET", "/fapi/v1/aggTrades") | ("GET", "/fapi/v1/commissionRate") => 20,
            ("GET", "/fapi/v1/premiumIndex") => {
                if has_symbol {
                    1
                } else {
                    10
                }
            }
            ("GET", "/fapi/v1/ticker/bookTicker") => 2,
            ("GET", "/fapi/v1/openOrders") => {
                if has_symbol {
                    1
                } else {
                    40
                }
            }
            ("GET", "/fapi/v1/openAlgoOrders") => {
                if has_symbol {
                    1
                } else {
                    40
                }
            }
            ("GET", "/fapi/v1/allOrders")
            | ("GET", "/fapi/v1/userTrades")
            | ("GET", "/fapi/v3/account")
            | ("GET", "/fapi/v2/account")
            | ("GET", "/fapi/v3/balance")
            | ("GET", "/fapi/v2/balance")
            | ("GET", "/fapi/v3/positionRisk")
            | ("GET", "/fapi/v2/positionRisk") => 5,
            ("GET", "/fapi/v1/positionSide/dual") => 30,
            _ => 1,
        },
    }
}

/// One REST request, any endpoint.
pub(crate) async fn rest(
    AxState(ctx): AxState<Ctx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (shared, market) = (ctx.shared, ctx.market);
    let path = uri.path().to_owned();
    let raw_query = uri.query().unwrap_or("").to_owned();
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let params = Params::parse(&[&raw_query, &raw_body]);
    let m = method.as_str().to_owned();
    let wall = wall_ms();
    let (fault, used) = {
        let mut st = shared.lock();
        *st.stats
            .requests_by_endpoint
            .entry(endpoint_key(market, &m, &path))
            .or_default() += 1;
        let ban_ms = st.cfg.ban_secs as i64 * 1000;
        let limit = match market {
            Market::Spot => st.cfg.spot_weight_limit,
            Market::Futures => st.cfg.futures_weight_limit,
        };
        let lim = &mut st.limits[market.idx()];
        let minute = wall.div_euclid(60_000);
        if lim.minute != minute {
            lim.minute = minute;
            lim.used = 0;
        }
        // A request that was already on its way when the 429 went out did not ignore it: it
        // gets another 429, not a ban (Binance bans clients that fail to back off).
        if lim.banned_until <= wall
            && lim.limited_until > wall
            && wall - lim.limited_since <= IN_FLIGHT_GRACE_MS
        {
            let secs = ((lim.limited_until - wall) as u64).div_ceil(1000);
            let used = lim.used;
            st.stats.http_429_sent += 1;
            let body = State::error_body(
                -1003,
                "Too many requests; current limit is exceeded. Please back off.",
            );
            return respond(429, body.to_string(), used, Some(secs));
        }
        if lim.banned_until > wall || lim.limited_until > wall {
            if lim.banned_until <= wall {
                lim.banned_until = wall + ban_ms;
            }
            let until = lim.banned_until;
            let used = lim.used;
            st.stats.requests_while_limited += 1;
            st.stats.http_418_sent += 1;
            let body = State::error_body(
                -1003,
                &format!(
                    "Way too much request weight used; IP banned until {until}. Please use WebSocket Streams for live updates to avoid bans."
                ),
            );
            let secs = ((until - wall) as u64).div_ceil(1000);
            return respond(418, body.to_string(), used, Some(secs));
        }
        lim.used += weight(market, &m, &path, &params);
        let used = lim.used;
        if used > limit {
            lim.limited_until = (minute + 1) * 60_000;
            lim.limited_since = wall;
            let secs = ((lim.limited_until - wall) as u64).div_ceil(1000);
            st.stats.http_429_sent += 1;
            let body = State::error_body(
                -1003,
                &format!(
                    "Too much request weight used; current limit is {limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."
                ),
            );
            return respond(429, body.to_string(), used, Some(secs));
        }
        let f = st.request_faults(market, &m, &path);
        if let Some(secs) = f.rate_limit_secs {
            st.limits[market.idx()].limited_until = wall + secs as i64 * 1000;
            st.limits[market.idx()].limited_since = wall;
            st.stats.http_429_sent += 1;
            let body = State::error_body(
                -1003,
                &format!(
                    "Too much request weight used; current limit is {limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."
                ),
            );
            return respond(429, body.to_string(), used, Some(secs));
        }
        if let Some(status) = f.status_before {
            st.stats.http_5xx_sent += 1;
            return server_error(status, used);
        }
        (f, used)
    };
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    let result = {
        let mut st = shared.lock();
        let result = route(
            &mut st, market, &m, &path, &params, &headers, &raw_query, &raw_body,
        );
        if matches!(&result, Err(e) if e.code == -1021) {
            *st.stats
                .minus_1021_by_endpoint
                .entry(endpoint_key(market, &m, &path))
                .or_default() += 1;
        }
        result
    };
    if let Some(hold) = fault.hold_ms {
        shared.lock().stats.responses_broken += 1;
        tokio::time::sleep(Duration::from_millis(hold)).await;
        let broken = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by fault"))
        });
        let mut r = Response::new(Body::from_stream(broken));
        r.headers_mut()
            .insert("x-mbx-used-weight-1m", HeaderValue::from(used));
        return r;
    }
    if let Some(status) = fault.status_after {
        shared.lock().stats.http_5xx_sent += 1;
        return server_error(status, used);
    }
    match result {
        Ok(v) => json_response(200, &v, used),
        Err(e) => json_response(e.status, &State::error_body(e.code, &e.msg), used),
    }
}

#[allow(clippy::too_many_arguments)]
fn route(
    st: &mut State,
    market: Market,
    method: &str,
    path: &str,
    p: &Params,
    headers: &HeaderMap,
    raw_query: &str,
    raw_body: &str,
) -> Result<Value, ApiError> {
    // Public endpoints.
    let public = match (market, method, path) {
        (Market::Spot, "GET", "/api/v3/ping") | (Market::Futures, "GET", "/fapi/v1/ping") => {
            Some(Ok(json!({})))
        }
        (Market::Spot, "GET", "/api/v3/time") | (Market::Futures, "GET", "/fapi/v1/time") => {
            Some(Ok(json!({"serverTime": st.now()})))
        }
        (Market::Spot, "GET", "/api/v3/exchangeInfo")
        | (Market::Futures, "GET", "/fapi/v1/exchangeInfo") => {
            Some(Ok(st.exchange_info(market, p)))
        }
        (Market::Spot, "GET", "/api/v3/depth") | (Market::Futures, "GET", "/fapi/v1/depth") => {
            Some(st.depth(market, p))
        }
        (Market::Spot, "GET", "/api/v3/trades") | (Market::Futures, "GET", "/fapi/v1/trades") => {
            Some(st.trades(market, p, false))
        }
        (Market::Spot, "GET", "/api/v3/aggTrades")
        | (Market::Futures, "GET", "/fapi/v1/aggTrades") => Some(st.trades(market, p, true)),
        (Market::Spot, "GET", "/api/v3/klines") | (Market::Futures, "GET", "/fapi/v1/klines") => {
            Some(st.klines(market, p))
        }
        (Market::Spot, "GET", "/api/v3/ticker/bookTicker")
        | (Market::Futures, "GET", "/fapi/v1/ticker/bookTicker") => Some(st.book_ticker(market, p)),
        (Market::Futures, "GET", "/fapi/v1/premiumIndex") => Some(st.premium_index(p)),
        _ => None,
    };
    if let Some(r) = public {
        return r;
    }
    // User-stream endpoints: API key only.
    if market == Market::Futures && path == "/fapi/v1/listenKey" {
        st.check_api_key(headers)?;
        return match method {
            "POST" => Ok(json!({"listenKey": st.listen_key_create()})),
            "PUT" => {
                let key = match p.get("listenKey") {
                    Some(k) => Some(k.to_owned()),
                    None => st
                        .listen_keys
                        .keys()
                        .find(|k| !st.listen_keys[*k].expired)
                        .cloned(),
                };
                match key {
                    Some(k) if st.listen_key_valid(&k) => {
                        let validity = st.cfg.listen_key_validity_ms;
                        let now = st.now();
                        if let Some(lk) = st.listen_keys.get_mut(&k) {
                            lk.expires_at = now + validity;
                        }
                        Ok(json!({"listenKey": k}))
                    }
                    _ => {
                        st.stats.minus_1125_sent += 1;
                        Err(ApiError::new(-1125, "This listenKey does not exist."))
                    }
                }
            }
            "DELETE" => {
                for k in st.listen_keys.values_mut() {
                    k.expired = true;
                }
                Ok(json!({}))
            }
            _ => Err(ApiError::new(-1014, "Unsupported order combination.").with_status(405)),
        };
    }
    let known = matches!(
        (market, method, path),
        (Market::Spot, "POST", "/api/v3/order")
            | (Market::Spot, "POST", "/api/v3/order/test")
            | (Market::Spot, "DELETE", "/api/v3/order")
            | (Market::Spot, "GET", "/api/v3/order")
            | (Market::Spot, "GET", "/api/v3/openOrders")
            | (Market::Spot, "DELETE", "/api/v3/openOrders")
            | (Market::Spot, "GET", "/api/v3/allOrders")
            | (Market::Spot, "GET", "/api/v3/myTrades")
            | (Market::Spot, "GET", "/api/v3/account")
            | (Market::Spot, "GET", "/sapi/v1/account/apiRestrictions")
            | (Market::Futures, "POST", "/fapi/v1/order")
            | (Market::Futures, "POST", "/fapi/v1/order/test")
            | (Market::Futures, "DELETE", "/fapi/v1/order")
            | (Market::Futures, "GET", "/fapi/v1/order")
            | (Market::Futures, "GET", "/fapi/v1/openOrders")
            | (Market::Futures, "GET", "/fapi/v1/allOrders")
            | (Market::Futures, "DELETE", "/fapi/v1/allOpenOrders")
            | (Market::Futures, "GET", "/fapi/v1/userTrades")
            | (
                Market::Futures,
                "POST" | "GET" | "DELETE",
                "/fapi/v1/algoOrder"
            )
            | (Market::Futures, "GET", "/fapi/v1/openAlgoOrders")
            | (
                Market::Futures,
                "GET",
                "/fapi/v3/account" | "/fapi/v2/account"
            )
            | (
                Market::Futures,
                "GET",
                "/fapi/v3/balance" | "/fapi/v2/balance"
            )
            | (
                Market::Futures,
                "GET",
                "/fapi/v3/positionRisk" | "/fapi/v2/positionRisk"
            )
            | (Market::Futures, "POST", "/fapi/v1/leverage")
            | (Market::Futures, "POST", "/fapi/v1/marginType")
            | (
                Market::Futures,
                "POST" | "GET",
                "/fapi/v1/positionSide/dual"
            )
            | (Market::Futures, "GET", "/fapi/v1/commissionRate")
    );
    if !known {
        return Err(
            ApiError::new(-1, format!("Unknown endpoint {method} {path}")).with_status(404),
        );
    }
    st.check_signed(headers, raw_query, raw_body, p)?;
    match (market, method, path) {
        (Market::Spot, "POST", "/api/v3/order") => st.spot_new_order(p, false),
        (Market::Spot, "POST", "/api/v3/order/test") => st.spot_new_order(p, true),
        (Market::Spot, "DELETE", "/api/v3/order") => st.spot_cancel(p),
        (Market::Spot, "GET", "/api/v3/order") => st.spot_query(p),
        (Market::Spot, "GET", "/api/v3/openOrders") => st.spot_orders(p, true),
        (Market::Spot, "DELETE", "/api/v3/openOrders") => st.spot_cancel_all(p),
        (Market::Spot, "GET", "/api/v3/allOrders") => st.spot_orders(p, false),
        (Market::Spot, "GET", "/api/v3/myTrades") => st.spot_my_trades(p),
        (Market::Spot, "GET", "/api/v3/account") => st.spot_account(p),
        (Market::Spot, "GET", "/sapi/v1/account/apiRestrictions") => Ok(st.api_restrictions()),
        (Market::Futures, "POST", "/fapi/v1/order") => st.futures_new_order(p, false),
        (Market::Futures, "POST", "/fapi/v1/order/test") => st.futures_new_order(p, true),
        (Market::Futures, "DELETE", "/fapi/v1/order") => st.futures_cancel(p),
        (Market::Futures, "GET", "/fapi/v1/order") => st.futures_query(p),
        (Market::Futures, "GET", "/fapi/v1/openOrders") => st.futures_orders(p, true),
        (Market::Futures, "GET", "/fapi/v1/allOrders") => st.futures_orders(p, false),
        (Market::Futures, "DELETE", "/fapi/v1/allOpenOrders") => st.futures_cancel_all(p),
        (Market::Futures, "GET", "/fapi/v1/userTrades") => st.futures_user_trades(p),
        (Market::Futures, "POST", "/fapi/v1/algoOrder") => st.futures_new_algo_order(p),
        (Market::Futures, "GET", "/fapi/v1/algoOrder") => st.futures_query_algo(p),
        (Market::Futures, "DELETE", "/fapi/v1/algoOrder") => st.futures_cancel_algo(p),
        (Market::Futures, "GET", "/fapi/v1/openAlgoOrders") => st.futures_open_algo_orders(p),
        (Market::Futures, "GET", "/fapi/v3/account" | "/fapi/v2/account") => {
            Ok(st.futures_account())
        }
        (Market::Futures, "GET", "/fapi/v3/balance" | "/fapi/v2/balance") => {
            Ok(st.futures_balance())
        }
        (Market::Futures, "GET", "/fapi/v3/positionRisk" | "/fapi/v2/positionRisk") => {
            st.futures_position_risk(p)
        }
        (Market::Futures, "POST", "/fapi/v1/leverage") => st.futures_leverage(p),
        (Market::Futures, "POST", "/fapi/v1/marginType") => st.futures_margin_type(p),
        (Market::Futures, "POST", "/fapi/v1/positionSide/dual") => st.futures_set_dual(p),
        (Market::Futures, "GET", "/fapi/v1/positionSide/dual") => {
            Ok(json!({"dualSidePosition": st.ledger.dual_side_position}))
        }
        (Market::Futures, "GET", "/fapi/v1/commissionRate") => {
            let spec = st.symbol_param(market, p)?;
            Ok(json!({
                "symbol": spec.symbol,
                "makerCommissionRate": st.cfg.futures_maker_rate.normalize().to_string(),
                "takerCommissionRate": st.cfg.futures_taker_rate.normalize().to_string(),
            }))
        }
        _ => Err(ApiError::new(-1, "Not found").with_status(404)),
    }
}
