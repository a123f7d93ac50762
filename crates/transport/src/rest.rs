//! The REST client every venue adapter sends through.
//!
//! Rules:
//! - **Budget first.** Every request takes its weight from the process-wide [`RateBudget`]
//!   before it is sent, and waits there (see the budget's rules); while the venue bans the IP
//!   nothing is sent at all.
//! - **Failure classes** ([`ExchangeError`]):
//!   - not sent (connection refused, DNS, TLS, proxy, connect timeout, banned) -> `Transient`;
//!     a connect failure is retried once on each other endpoint (nothing reached the venue);
//!   - sent but no answer in time (timeout after sending, connection reset after writing, body
//!     cut off) -> `Unknown`: the request may have taken effect;
//!   - HTTP 429 / 418 -> the budget is blocked until Retry-After (default: the rest of the
//!     window for 429, 2 minutes for 418), the endpoint cools down, and the call returns
//!     `Transient { retry_after_ms }`;
//!   - any other status -> `Ok(RestResponse)`: the adapter classifies the venue's error codes
//!     (a 5xx also cools the endpoint down, so the next request prefers another).
//! - **Weight header.** When configured, the venue's used-weight header of every response
//!   (including 429s) feeds [`RateBudget::observe_used`].

use std::sync::Arc;
use std::time::Duration;

use keel_exchange::{EndpointReport, ExchangeError, ExchangeResult};
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::budget::RateBudget;
use crate::endpoints::EndpointPool;

/// Who is asking, for the rate budget: background work yields to trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// Orders and cancels: may use the whole window; waits only for hard limits.
    Trading,
    /// What the trader is looking at (a book snapshot, an account refresh).
    Interactive,
    /// Candle backfill, reconciliation sweeps: keeps a reserve free for trading.
    Background,
}

/// One REST request. The caller has already encoded and signed the query/body.
#[derive(Clone)]
pub struct RestRequest {
    pub method: reqwest::Method,
    /// Path on the endpoint, e.g. `/api/v3/order`.
    pub path: String,
    /// Already encoded, without `?`; may be empty.
    pub query: String,
    /// An `application/x-www-form-urlencoded` body, if any.
    pub body: Option<String>,
    /// Extra headers, e.g. `("X-MBX-APIKEY", key)`.
    pub headers: Vec<(String, String)>,
    /// The venue's weight of this request.
    pub weight: u32,
    pub priority: Priority,
}

impl std::fmt::Debug for RestRequest {
    // Headers carry API keys and the query a signature: neither is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("weight", &self.weight)
            .field("priority", &self.priority)
            .finish_non_exhaustive()
    }
}

impl RestRequest {
    /// A GET of `path` with `query`, weight 1, interactive.
    pub fn get(path: &str, query: &str) -> RestRequest {
        RestRequest {
            method: reqwest::Method::GET,
            path: path.to_string(),
            query: query.to_string(),
            body: None,
            headers: Vec::new(),
            weight: 1,
            priority: Priority::Interactive,
        }
    }
}

/// A venue's answer (any status other than 429/418).
#[derive(Debug, Clone)]
pub struct RestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    /// The base URL that answered.
    pub endpoint: String,
    /// From sending to the end of the body.
    pub latency: Duration,
}

/// How to reach a venue's REST API.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// The process-wide budget's key, one per venue and IP, e.g. `binance-spot`.
    pub budget_key: String,
    /// Interchangeable base URLs, e.g. `["https://api.binance.com", "https://api1.binance.com"]`.
    pub endpoints: Vec<String>,
    /// `http://host:port` or `socks5://host:port` (credentials as `user:pass@`), or none.
    pub proxy: Option<String>,
    /// Per request, from connecting to the end of the body.
    pub timeout: Duration,
    /// The venue's used-weight response header, e.g. `x-mbx-used-weight-1m`.
    pub weight_header: Option<String>,
    /// Weight per window, e.g. 6000 (Binance spot) or 2400 (USD-M futures).
    pub weight_limit: u32,
    /// The budget window, e.g. 60 s.
    pub window: Duration,
}

/// The REST client. See the module docs for the rules.
#[derive(Debug)]
pub struct RestClient {
    cfg: RestConfig,
    http: reqwest::Client,
    budget: Arc<RateBudget>,
    pool: EndpointPool,
}

/// How long a 418 blocks when the venue sends no Retry-After.
const DEFAULT_BAN: Duration = Duration::from_secs(120);
/// At most this much of an error body goes into an error message.
const BODY_IN_MESSAGE: usize = 300;

fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(BODY_IN_MESSAGE).collect()
}

/// Retry-After in seconds (the only form venues use); `None` when absent or unreadable.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether a reqwest error happened before anything reached the venue.
fn not_sent(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_builder()
}

impl RestClient {
    /// Builds the client (rustls with the ring provider, webpki roots). Fails with `Rejected`
    /// on a configuration that cannot work (no endpoints, a malformed proxy).
    pub fn new(cfg: RestConfig) -> ExchangeResult<RestClient> {
        let invalid = |m: String| ExchangeError::rejected(keel_exchange::RejectReason::Other, m);
        if cfg.endpoints.is_empty() {
            return Err(invalid("no REST endpoints configured".into()));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(50));
        builder = match &cfg.proxy {
            Some(proxy) => builder.proxy(
                reqwest::Proxy::all(proxy.as_str())
                    .map_err(|e| invalid(format!("invalid proxy: {e}")))?,
            ),
            // The configured proxy is the only one: no proxy from the environment.
            None => builder.no_proxy(),
        };
        let http = builder
            .build()
            .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        let budget = RateBudget::shared(&cfg.budget_key, cfg.weight_limit, cfg.window);
        let pool = EndpointPool::new(&cfg.endpoints);
        Ok(RestClient {
            cfg,
            http,
            budget,
            pool,
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &RestConfig {
        &self.cfg
    }

    /// The process-wide budget this client draws from.
    pub fn budget(&self) -> &Arc<RateBudget> {
        &self.budget
    }

    /// The endpoint pool.
    pub fn endpoints(&self) -> &EndpointPool {
        &self.pool
    }

    fn observe_weight(&self, headers: &HeaderMap) {
        let Some(name) = &self.cfg.weight_header else {
            return;
        };
        if let Some(used) = headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            self.budget.observe_used(used);
        }
    }

    /// Waits for budget, picks the best endpoint, sends. See the module docs for the errors.
    pub async fn send(&self, req: RestRequest) -> ExchangeResult<RestResponse> {
        self.budget.acquire(req.weight, req.priority).await?;
        let mut tried: Vec<usize> = Vec::new();
        loop {
            let Some((index, base)) = self.pool.pick_excluding(&tried) else {
                return Err(ExchangeError::Transient {
                    message: "no REST endpoints".into(),
                    retry_after_ms: None,
                });
            };
            tried.push(index);
            // A 429 seen by a concurrent request blocks this one too, even after acquire.
            if self.budget.is_blocked() {
                self.budget.acquire(0, req.priority).await?;
            }
            match self.send_to(index, &base, &req).await {
                Err(SendError::NotSent(message)) => {
                    self.pool.record_failure(index, &message);
                    if tried.len() < self.pool.len() {
                        tracing::info!(endpoint = %base, %message, "endpoint unreachable, trying the next");
                        continue;
                    }
                    return Err(ExchangeError::Transient {
                        message,
                        retry_after_ms: None,
                    });
                }
                Err(SendError::Other(e)) => return Err(e),
                Ok(resp) => return Ok(resp),
            }
        }
    }

    async fn send_to(
        &self,
        index: usize,
        base: &str,
        req: &RestRequest,
    ) -> Result<RestResponse, SendError> {
        let mut url = format!("{base}{}", req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
        }
        let mut builder = self.http.request(req.method.clone(), &url);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body.clone());
        }
        let started = Instant::now();
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) if not_sent(&e) => {
                return Err(SendError::NotSent(format!("{base}: not sent: {e}")));
            }
            Err(e) => {
                self.pool.record_failure(index, &e.to_string());
                let what = if e.is_timeout() {
                    "no answer in time"
                } else {
                    "connection lost after sending"
                };
                return Err(SendError::Other(ExchangeError::Unknown {
                    message: format!("{base}{}: {what}: {e}", req.path),
                }));
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.observe_weight(&headers);
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                self.pool.record_failure(index, &e.to_string());
                return Err(SendError::Other(ExchangeError::Unknown {
                    message: format!("{base}{}: answer cut off: {e}", req.path),
                }));
            }
        };
        let latency = started.elapsed();
        match status {
            429 | 418 => {
                let banned = status == 418;
                let wait = retry_after(&headers).unwrap_or(if banned {
                    DEFAULT_BAN
                } else {
                    self.budget.window()
                });
                if banned {
                    self.budget.on_banned(wait);
                } else {
                    self.budget.on_too_many_requests(wait);
                }
                self.pool.record_rate_limited(index, wait);
                Err(SendError::Other(ExchangeError::Transient {
                    message: format!(
                        "{base}{}: HTTP {status} ({}), blocked for {} s: {}",
                        req.path,
                        if banned {
                            "banned"
                        } else {
                            "too many requests"
                        },
                        wait.as_secs(),
                        body_excerpt(&body)
                    ),
                    retry_after_ms: Some(millis(wait)),
                }))
            }
            _ => {
                if status >= 500 {
                    // The venue answered, but this endpoint is struggling: prefer another.
                    self.pool.record_failure(index, &format!("HTTP {status}"));
                } else {
                    self.pool.record_success(index, latency);
                }
                Ok(RestResponse {
                    status,
                    headers,
                    body,
                    endpoint: base.to_string(),
                    latency,
                })
            }
        }
    }

    /// GETs `path` on every endpoint (weight 1 each, interactive) and reports latency and
    /// health; the pool learns from the results. While the budget is blocked nothing is sent
    /// and every report says so.
    pub async fn test_endpoints(&self, path: &str) -> Vec<EndpointReport> {
        let urls = self.pool.urls();
        let probes = urls.iter().enumerate().map(|(index, base)| async move {
            let report = |healthy, latency_ms, error| EndpointReport {
                url: base.clone(),
                healthy,
                latency_ms,
                error,
                cooling_down: self.pool.is_cooling_down(index),
            };
            if self.budget.is_blocked() {
                return report(false, None, Some("rate limited: not tested".to_string()));
            }
            if let Err(e) = self.budget.acquire(1, Priority::Interactive).await {
                return report(false, None, Some(e.to_string()));
            }
            let req = RestRequest::get(path, "");
            match self.send_to(index, base, &req).await {
                Ok(resp) if (200..300).contains(&resp.status) => {
                    report(true, Some(millis(resp.latency)), None)
                }
                Ok(resp) => report(
                    false,
                    Some(millis(resp.latency)),
                    Some(format!("HTTP {}", resp.status)),
                ),
                Err(SendError::NotSent(message)) => {
                    self.pool.record_failure(index, &message);
                    report(false, None, Some(message))
                }
                Err(SendError::Other(e)) => report(false, None, Some(e.to_string())),
            }
        });
        futures_util::future::join_all(probes).await
    }
}

enum SendError {
    /// Nothing reached the venue.
    NotSent(String),
    Other(ExchangeError),
}
