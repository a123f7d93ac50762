//! The key permission probe shared by spot and USD-M: `GET /sapi/v1/account/apiRestrictions`
//! on the spot API (futures keys are described there too).

use crate::common::rest::BinanceRest;
use keel_exchange::{ExchangeResult, KeyPermissions};
use keel_transport::rest::Priority;
use reqwest::Method;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireApiRestrictions {
    #[serde(default)]
    ip_restrict: bool,
    #[serde(default)]
    enable_reading: bool,
    #[serde(default)]
    enable_spot_and_margin_trading: bool,
    #[serde(default)]
    enable_futures: bool,
    #[serde(default)]
    enable_withdrawals: bool,
}

/// What the key behind `spot_rest` may do.
pub(crate) async fn key_permissions(
    spot_rest: &BinanceRest,
    priority: Priority,
) -> ExchangeResult<KeyPermissions> {
    let r: WireApiRestrictions = spot_rest
        .signed(
            Method::GET,
            "/sapi/v1/account/apiRestrictions",
            &[],
            1,
            priority,
        )
        .await?;
    Ok(KeyPermissions {
        can_read: r.enable_reading,
        can_trade_spot: r.enable_spot_and_margin_trading,
        can_trade_futures: r.enable_futures,
        can_withdraw: r.enable_withdrawals,
        ip_restricted: r.ip_restrict,
    })
}
