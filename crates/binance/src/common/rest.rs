//! Signed and public Binance REST requests over the shared transport.
//!
//! A signed request gets `timestamp` (the venue's clock) and `recvWindow=5000`, is signed
//! (query string, see [`crate::common::sign`]) and carries the `X-MBX-APIKEY` header. When
//! Binance answers -1021 (timestamp outside the recvWindow or ahead of the server) the server
//! clock is resynced (single flight, shared with concurrent callers) and the request is retried
//! once with a fresh timestamp. Bodies are decoded into typed structs.

use crate::common::error::{BinanceFailure, classify_http, unknown_as_transient};
use crate::common::sign::{Signer, encode_params};
use keel_exchange::{ExchangeError, ExchangeResult, RejectReason};
use keel_transport::{Priority, RestClient, RestRequest, RestResponse, ServerClock};
use keel_vault::{ApiCredentials, Secret};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Binance's default (and Keel's) receive window.
pub const RECV_WINDOW_MS: u64 = 5000;

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "X-MBX-APIKEY";

/// The account's key and its signer.
#[derive(Debug)]
pub struct Auth {
    pub api_key: Secret,
    pub signer: Signer,
}

impl Auth {
    pub fn from_credentials(c: &ApiCredentials) -> ExchangeResult<Auth> {
        if c.api_key.is_empty() {
            return Err(ExchangeError::rejected(
                RejectReason::Other,
                "the API key is empty",
            ));
        }
        Ok(Auth {
            api_key: c.api_key.clone(),
            signer: Signer::from_secret(&c.secret)?,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerTime {
    server_time: i64,
}

/// REST access to one Binance product for one account.
pub struct BinanceRest {
    client: RestClient,
    clock: Arc<ServerClock>,
    auth: Option<Arc<Auth>>,
    time_path: String,
}

impl std::fmt::Debug for BinanceRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinanceRest")
            .field("time_path", &self.time_path)
            .field("signed", &self.auth.is_some())
            .finish()
    }
}

fn retry_after_ms(resp: &RestResponse) -> Option<u64> {
    resp.headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| s * 1000)
}

impl BinanceRest {
    /// `time_path` is the server-time endpoint (`/api/v3/time`, `/fapi/v1/time`).
    pub fn new(
        client: RestClient,
        clock: Arc<ServerClock>,
        auth: Option<Arc<Auth>>,
        time_path: &str,
    ) -> BinanceRest {
        BinanceRest {
            client,
            clock,
            auth,
            time_path: time_path.to_string(),
        }
    }

    pub fn client(&self) -> &RestClient {
        &self.client
    }

    pub fn clock(&self) -> &Arc<ServerClock> {
        &self.clock
    }

    pub fn auth(&self) -> Option<&Arc<Auth>> {
        self.auth.as_ref()
    }

    fn require_auth(&self) -> ExchangeResult<&Arc<Auth>> {
        self.auth.as_ref().ok_or_else(|| {
            ExchangeError::rejected(
                RejectReason::Other,
                "this Binance connection has no API key (market data only)",
            )
        })
    }

    /// Fetches the server time and updates the clock offset (single flight).
    pub async fn sync_clock(&self) -> ExchangeResult<i64> {
        self.clock.resync(|| self.fetch_server_time()).await
    }

    /// Resyncs after a -1021 on a request signed at `signed_at`: one fetch per burst, even
    /// right after a previous sync.
    async fn resync_after(&self, signed_at: tokio::time::Instant) -> ExchangeResult<i64> {
        self.clock
            .resync_after(signed_at, || self.fetch_server_time())
            .await
    }

    async fn fetch_server_time(&self) -> ExchangeResult<i64> {
        let t: ServerTime = self
            .public(Method::GET, &self.time_path, &[], 1, Priority::Trading)
            .await?;
        Ok(t.server_time)
    }

    /// Sends one request and classifies the answer.
    async fn exchange(&self, req: RestRequest) -> Result<RestResponse, BinanceFailure> {
        let resp = self.client.send(req).await.map_err(BinanceFailure::Venue)?;
        if resp.status >= 400 {
            return Err(classify_http(
                resp.status,
                &resp.body,
                retry_after_ms(&resp),
            ));
        }
        Ok(resp)
    }

    fn decode<T: DeserializeOwned>(method: &Method, path: &str, body: &[u8]) -> ExchangeResult<T> {
        serde_json::from_slice(body).map_err(|e| {
            let message = format!("unexpected Binance response from {path}: {e}");
            if *method == Method::GET {
                ExchangeError::Transient {
                    message,
                    retry_after_ms: None,
                }
            } else {
                // The request was accepted; what it did is not readable: resolve by querying.
                ExchangeError::Unknown { message }
            }
        })
    }

    fn finish(method: &Method, err: ExchangeError) -> ExchangeError {
        if *method == Method::GET {
            unknown_as_transient(err)
        } else {
            err
        }
    }

    /// An unsigned request (market data). `params` are percent-encoded in order.
    pub async fn public<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
        priority: Priority,
    ) -> ExchangeResult<T> {
        let resp = self
            .exchange(RestRequest {
                method: method.clone(),
                path: path.to_string(),
                query: encode_params(params),
                body: None,
                headers: Vec::new(),
                weight,
                priority,
            })
            .await
            .map_err(|f| Self::finish(&method, f.into_exchange()))?;
        Self::decode(&method, path, &resp.body)
    }

    /// A request with the API key header but no signature (futures listenKey endpoints).
    pub async fn keyed<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
        priority: Priority,
    ) -> ExchangeResult<T> {
        let auth = self.require_auth()?;
        let resp = self
            .exchange(RestRequest {
                method: method.clone(),
                path: path.to_string(),
                query: encode_params(params),
                body: None,
                headers: vec![(API_KEY_HEADER.into(), auth.api_key.expose().to_string())],
                weight,
                priority,
            })
            .await
            .map_err(|f| Self::finish(&method, f.into_exchange()))?;
        Self::decode(&method, path, &resp.body)
    }

    /// Builds the signed query: `params` (encoded, in order), `recvWindow`, `timestamp`, then
    /// `signature`.
    pub fn signed_query(&self, auth: &Auth, params: &[(&str, String)], timestamp: i64) -> String {
        let mut query = encode_params(params);
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!(
            "recvWindow={RECV_WINDOW_MS}&timestamp={timestamp}"
        ));
        auth.signer.sign_rest(&query, "")
    }

    /// A signed request (`timestamp`, `recvWindow`, `signature`, API key header), retried once
    /// after a clock resync on -1021. GETs report an unknown outcome as transient.
    pub async fn signed<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
        priority: Priority,
    ) -> ExchangeResult<T> {
        let body = self
            .signed_raw(method.clone(), path, params, weight, priority)
            .await?;
        Self::decode(&method, path, &body)
    }

    /// Like [`Self::signed`], returning the raw body.
    pub async fn signed_raw(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
        priority: Priority,
    ) -> ExchangeResult<bytes::Bytes> {
        let auth = self.require_auth()?.clone();
        let mut resynced = false;
        loop {
            // Budget first, timestamp second: a request that waited for the rate budget (up to
            // the rest of a minute) must not reach Binance signed older than its recvWindow.
            self.client.budget().acquire(weight, priority).await?;
            let signed_at = tokio::time::Instant::now();
            let query = self.signed_query(&auth, params, self.clock.venue_now_ms());
            let req = RestRequest {
                method: method.clone(),
                path: path.to_string(),
                query,
                body: None,
                headers: vec![(API_KEY_HEADER.into(), auth.api_key.expose().to_string())],
                // Already taken from the budget above.
                weight: 0,
                priority,
            };
            match self.exchange(req).await {
                Ok(resp) => return Ok(resp.body),
                Err(BinanceFailure::ClockSkew { message }) if !resynced => {
                    tracing::warn!(path, %message, "Binance -1021: resyncing the server clock");
                    resynced = true;
                    self.resync_after(signed_at).await?;
                }
                Err(f) => return Err(Self::finish(&method, f.into_exchange())),
            }
        }
    }
}
