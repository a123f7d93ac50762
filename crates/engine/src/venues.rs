//! Opening a venue for an account row: the one place that knows which implementation serves
//! which `(venue, market)`.

use crate::api::*;
use crate::engine::Engine;
use keel_binance::common::config::{BinanceConfig, Endpoints};
use keel_exchange::{ExchangeError, RejectReason, Venue};
use keel_store::AccountRow;
use keel_vault::ApiCredentials;
use std::sync::Arc;

pub(crate) async fn open(
    engine: &Engine,
    row: &AccountRow,
    credentials: Option<ApiCredentials>,
) -> AppResult<Arc<dyn Venue>> {
    let endpoints = &engine.inner.config.endpoints;
    let config = |endpoints: Endpoints| BinanceConfig {
        account_id: row.id.clone(),
        credentials,
        testnet: row.testnet,
        proxy: row.proxy.clone(),
        endpoints,
    };
    let opened: Result<Arc<dyn Venue>, ExchangeError> =
        match (row.venue.as_str(), row.market.as_str()) {
            ("binance", "spot") => {
                let e = endpoints
                    .binance_spot
                    .clone()
                    .unwrap_or_else(|| Endpoints::spot(row.testnet));
                keel_binance::spot::BinanceSpot::connect(config(e))
                    .await
                    .map(|v| v as Arc<dyn Venue>)
            }
            ("binance", "futures") => {
                let e = endpoints
                    .binance_usdm
                    .clone()
                    .unwrap_or_else(|| Endpoints::usdm(row.testnet));
                // Futures keys are described by the spot API's permission endpoint.
                let spot_rest = endpoints
                    .binance_spot
                    .clone()
                    .unwrap_or_else(|| Endpoints::spot(row.testnet))
                    .rest;
                let config = config(e);
                let options = keel_binance::usdm::UsdmOptions {
                    spot_rest,
                    ..keel_binance::usdm::UsdmOptions::for_config(&config)
                };
                keel_binance::usdm::BinanceUsdm::connect_with(config, options)
                    .await
                    .map(|v| Arc::new(v) as Arc<dyn Venue>)
            }
            (venue, market) => {
                return Err(AppError::new(
                    ErrorCode::InvalidInput,
                    format!("Keel cannot connect {venue} {market} accounts"),
                ));
            }
        };
    opened.map_err(|e| match e {
        ExchangeError::Rejected {
            reason: RejectReason::Unauthorized,
            message,
        } => AppError::new(
            ErrorCode::KeyInvalid,
            format!("{} refused the API key: {message}", row.venue),
        ),
        other => other.into(),
    })
}
