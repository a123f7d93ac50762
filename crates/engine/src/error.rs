//! Mapping every lower-level error onto the closed [`ErrorCode`] set, with a specific message.

use crate::api::{AppError, ErrorCode};
use keel_domain::FilterError;
use keel_exchange::{ExchangeError, RejectReason};
use keel_store::StoreError;

impl From<FilterError> for AppError {
    fn from(e: FilterError) -> Self {
        let code = match e {
            FilterError::QuantityNotPositive | FilterError::QuantityBelowMin { .. } => {
                ErrorCode::QuantityTooSmall
            }
            FilterError::QuantityAboveMax { .. } => ErrorCode::QuantityTooLarge,
            FilterError::QuantityOffStep { .. } => ErrorCode::QuantityOffStep,
            FilterError::PriceNotPositive | FilterError::PriceMissing => ErrorCode::PriceInvalid,
            FilterError::PriceOffTick { .. } => ErrorCode::PriceOffTick,
            FilterError::NotionalBelowMin { .. } => ErrorCode::NotionalTooSmall,
        };
        AppError::new(code, capitalise(&e.to_string()))
    }
}

impl From<ExchangeError> for AppError {
    fn from(e: ExchangeError) -> Self {
        match &e {
            ExchangeError::Rejected { reason, message } => {
                let code = match reason {
                    RejectReason::InsufficientBalance => ErrorCode::InsufficientBalance,
                    RejectReason::FilterViolation => ErrorCode::InvalidInput,
                    RejectReason::UnknownSymbol => ErrorCode::UnknownSymbol,
                    RejectReason::OrderNotFound => ErrorCode::OrderNotFound,
                    RejectReason::SelfTrade => ErrorCode::SelfTrade,
                    RejectReason::NotCancelable => ErrorCode::OrderNotCancelable,
                    RejectReason::Unauthorized => ErrorCode::KeyInvalid,
                    RejectReason::DuplicateClientOrderId | RejectReason::Other => {
                        ErrorCode::VenueRejected
                    }
                };
                AppError::new(code, capitalise(message))
            }
            ExchangeError::Transient { .. } => {
                AppError::new(ErrorCode::VenueUnavailable, capitalise(&e.to_string()))
            }
            ExchangeError::Unknown { .. } => AppError::new(
                ErrorCode::OutcomeUnknown,
                format!(
                    "The exchange did not confirm the order ({e}). Keel is checking its status; \
                     it will not be sent twice."
                ),
            ),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::AlreadyOpen { .. } => ErrorCode::AlreadyRunning,
            StoreError::Io { .. } | StoreError::Csv(_) => ErrorCode::Io,
            StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Corrupt(_) => {
                ErrorCode::Storage
            }
        };
        AppError::new(code, e.to_string())
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
