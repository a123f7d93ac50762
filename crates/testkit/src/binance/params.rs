//! Request parameters (query string + form body) and the Binance error type.

use crate::binance::state::State;
use crate::config::{Market, Side, SymbolSpec};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// A Binance error answer: HTTP status + `{"code","msg"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: i64,
    pub msg: String,
}

impl ApiError {
    /// HTTP 400 with `code` / `msg`.
    pub fn new(code: i64, msg: impl Into<String>) -> Self {
        Self {
            status: 400,
            code,
            msg: msg.into(),
        }
    }
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    pub fn mandatory(name: &str) -> Self {
        Self::new(
            -1102,
            format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed."),
        )
    }
    pub fn bad(name: &str) -> Self {
        Self::new(
            -1100,
            format!("Illegal characters found in parameter '{name}'."),
        )
    }
}

/// Decoded parameters (query first, then body; a later duplicate wins).
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub BTreeMap<String, String>);

fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

impl Params {
    /// Parses `a=1&b=2` strings.
    pub fn parse(parts: &[&str]) -> Self {
        let mut map = BTreeMap::new();
        for part in parts {
            for pair in part.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                map.insert(decode(k), decode(v));
            }
        }
        Self(map)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn req(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::mandatory(name))
    }

    pub fn dec(&self, name: &str) -> Result<Option<Decimal>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => Decimal::from_str(v)
                .map(Some)
                .map_err(|_| ApiError::bad(name)),
        }
    }

    pub fn dec_req(&self, name: &str) -> Result<Decimal, ApiError> {
        self.dec(name)?.ok_or_else(|| ApiError::mandatory(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| ApiError::bad(name)),
        }
    }

    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ApiError::bad(name)),
        }
    }

    pub fn side(&self) -> Result<Side, ApiError> {
        match self.req("side")? {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            _ => Err(ApiError::new(-1117, "Invalid side.")),
        }
    }

    pub fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        Ok(self
            .int("limit")?
            .map(|l| l.clamp(1, max as i64) as usize)
            .unwrap_or(default))
    }
}

impl State {
    /// The `symbol` parameter's spec, or -1121.
    pub fn symbol_param(&self, market: Market, p: &Params) -> Result<SymbolSpec, ApiError> {
        let s = p.req("symbol")?;
        self.spec(market, s)
            .ok_or_else(|| ApiError::new(-1121, "Invalid symbol."))
    }
}

/// `^[a-zA-Z0-9-_]{1,36}$` (spot) or `^[\.A-Z\:/a-z0-9_-]{1,36}$` (futures).
pub(crate) fn valid_client_id(market: Market, id: &str) -> bool {
    let extra: &[char] = match market {
        Market::Spot => &['-', '_'],
        Market::Futures => &['-', '_', '.', ':', '/'],
    };
    (1..=36).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}
