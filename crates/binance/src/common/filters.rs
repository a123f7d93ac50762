//! exchangeInfo symbol filters -> Keel instruments, and the symbol map between Keel (`BTC/USDT`)
//! and Binance (`BTCUSDT`).
//!
//! Spot and USD-M futures use the same filter names; futures' MIN_NOTIONAL carries the key
//! `notional` where spot's carries `minNotional`. Filters Keel does not enforce are still parsed
//! (their kind is known) so nothing is silently misread.

use crate::common::num::de_opt_decimal;
use keel_domain::Instrument;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;

/// The filter kinds Binance documents (spot and futures), plus `Other` for new ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterKind {
    PriceFilter,
    LotSize,
    MarketLotSize,
    MinNotional,
    Notional,
    PercentPrice,
    PercentPriceBySide,
    IcebergParts,
    MaxNumOrders,
    MaxNumAlgoOrders,
    MaxNumIcebergOrders,
    MaxPosition,
    TrailingDelta,
    ExchangeMaxNumOrders,
    ExchangeMaxNumAlgoOrders,
    Other(String),
}

impl FilterKind {
    pub fn parse(s: &str) -> FilterKind {
        match s {
            "PRICE_FILTER" => FilterKind::PriceFilter,
            "LOT_SIZE" => FilterKind::LotSize,
            "MARKET_LOT_SIZE" => FilterKind::MarketLotSize,
            "MIN_NOTIONAL" => FilterKind::MinNotional,
            "NOTIONAL" => FilterKind::Notional,
            "PERCENT_PRICE" => FilterKind::PercentPrice,
            "PERCENT_PRICE_BY_SIDE" => FilterKind::PercentPriceBySide,
            "ICEBERG_PARTS" => FilterKind::IcebergParts,
            "MAX_NUM_ORDERS" => FilterKind::MaxNumOrders,
            "MAX_NUM_ALGO_ORDERS" => FilterKind::MaxNumAlgoOrders,
            "MAX_NUM_ICEBERG_ORDERS" => FilterKind::MaxNumIcebergOrders,
            "MAX_POSITION" => FilterKind::MaxPosition,
            "TRAILING_DELTA" => FilterKind::TrailingDelta,
            "EXCHANGE_MAX_NUM_ORDERS" => FilterKind::ExchangeMaxNumOrders,
            "EXCHANGE_MAX_NUM_ALGO_ORDERS" => FilterKind::ExchangeMaxNumAlgoOrders,
            other => FilterKind::Other(other.to_string()),
        }
    }
}

/// One filter object as Binance sends it. Every field is optional: which ones are present
/// depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawFilter {
    pub filter_type: String,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub min_price: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub max_price: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub tick_size: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub min_qty: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub max_qty: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub step_size: Option<Decimal>,
    /// Spot MIN_NOTIONAL / NOTIONAL.
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub min_notional: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub max_notional: Option<Decimal>,
    /// Futures MIN_NOTIONAL.
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub notional: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub multiplier_up: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub multiplier_down: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub bid_multiplier_up: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub bid_multiplier_down: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub ask_multiplier_up: Option<Decimal>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    pub ask_multiplier_down: Option<Decimal>,
    pub apply_to_market: Option<bool>,
    pub apply_min_to_market: Option<bool>,
    pub apply_max_to_market: Option<bool>,
    pub avg_price_mins: Option<u32>,
    pub limit: Option<u32>,
    pub max_num_orders: Option<u32>,
    pub max_num_algo_orders: Option<u32>,
    pub max_num_iceberg_orders: Option<u32>,
    pub min_trailing_above_delta: Option<u32>,
    pub max_trailing_above_delta: Option<u32>,
    pub min_trailing_below_delta: Option<u32>,
    pub max_trailing_below_delta: Option<u32>,
}

impl RawFilter {
    pub fn kind(&self) -> FilterKind {
        FilterKind::parse(&self.filter_type)
    }
}

/// Every rule of one symbol Keel reads from its filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolRules {
    pub tick_size: Option<Decimal>,
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub step_size: Option<Decimal>,
    pub min_qty: Option<Decimal>,
    pub max_qty: Option<Decimal>,
    /// MARKET_LOT_SIZE: limits of market orders (a zero step means "use LOT_SIZE").
    pub market_step_size: Option<Decimal>,
    pub market_min_qty: Option<Decimal>,
    pub market_max_qty: Option<Decimal>,
    /// NOTIONAL (or legacy MIN_NOTIONAL) minimum order value in the quote asset.
    pub min_notional: Option<Decimal>,
    pub max_notional: Option<Decimal>,
    pub max_num_orders: Option<u32>,
}

impl SymbolRules {
    /// Folds the filters of one symbol. A flattened object (several kinds' fields in one, as one
    /// connector mock has) is read field by field too.
    pub fn from_filters(filters: &[RawFilter]) -> SymbolRules {
        let mut r = SymbolRules::default();
        for f in filters {
            match f.kind() {
                FilterKind::MarketLotSize => {
                    r.market_step_size = f.step_size.or(r.market_step_size);
                    r.market_min_qty = f.min_qty.or(r.market_min_qty);
                    r.market_max_qty = f.max_qty.or(r.market_max_qty);
                    continue;
                }
                FilterKind::MaxNumOrders => r.max_num_orders = f.max_num_orders,
                _ => {}
            }
            r.tick_size = f.tick_size.or(r.tick_size);
            r.min_price = f.min_price.or(r.min_price);
            r.max_price = f.max_price.or(r.max_price);
            r.step_size = f.step_size.or(r.step_size);
            r.min_qty = f.min_qty.or(r.min_qty);
            r.max_qty = f.max_qty.or(r.max_qty);
            // NOTIONAL wins over the legacy MIN_NOTIONAL when both are listed.
            let min_notional = f.min_notional.or(f.notional);
            if f.kind() == FilterKind::Notional || r.min_notional.is_none() {
                r.min_notional = min_notional.or(r.min_notional);
            }
            r.max_notional = f.max_notional.or(r.max_notional);
        }
        r
    }
}

/// One symbol of exchangeInfo (the fields Keel reads; spot and futures share them).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymbolInfo {
    pub symbol: String,
    #[serde(default)]
    pub status: String,
    pub base_asset: String,
    pub quote_asset: String,
    #[serde(default)]
    pub filters: Vec<RawFilter>,
    #[serde(default)]
    pub order_types: Vec<String>,
    /// Futures only: PERPETUAL, CURRENT_QUARTER ...
    #[serde(default)]
    pub contract_type: Option<String>,
}

impl SymbolInfo {
    pub fn keel_symbol(&self) -> String {
        keel_symbol(&self.base_asset, &self.quote_asset)
    }

    pub fn rules(&self) -> SymbolRules {
        SymbolRules::from_filters(&self.filters)
    }

    /// The instrument, or `None` when the filters lack a tick or step size.
    pub fn to_instrument(&self) -> Option<Instrument> {
        instrument_from_rules(&self.base_asset, &self.quote_asset, &self.rules())
    }
}

/// Keel's symbol for a base and quote asset: `BTC/USDT`.
pub fn keel_symbol(base: &str, quote: &str) -> String {
    format!("{base}/{quote}")
}

/// Builds an instrument from folded rules. Decimals are normalised (`0.00100000` -> `0.001`).
pub fn instrument_from_rules(base: &str, quote: &str, r: &SymbolRules) -> Option<Instrument> {
    let tick = r.tick_size?.normalize();
    let step = r.step_size?.normalize();
    Some(Instrument {
        symbol: keel_symbol(base, quote),
        base: base.to_string(),
        quote: quote.to_string(),
        tick_size: tick,
        step_size: step,
        min_qty: r.min_qty.unwrap_or(step).normalize(),
        max_qty: r.max_qty.unwrap_or(Decimal::MAX).normalize(),
        min_notional: r.min_notional.unwrap_or(Decimal::ZERO).normalize(),
    })
}

/// Keel symbol <-> Binance symbol, both ways.
#[derive(Debug, Clone, Default)]
pub struct SymbolMap {
    to_venue: HashMap<String, String>,
    to_keel: HashMap<String, String>,
}

impl SymbolMap {
    pub fn insert(&mut self, keel: &str, venue: &str) {
        self.to_venue.insert(keel.to_string(), venue.to_string());
        self.to_keel.insert(venue.to_string(), keel.to_string());
    }

    /// Builds the map from exchangeInfo symbols.
    pub fn from_symbols<'a>(symbols: impl IntoIterator<Item = &'a SymbolInfo>) -> SymbolMap {
        let mut m = SymbolMap::default();
        for s in symbols {
            m.insert(&s.keel_symbol(), &s.symbol);
        }
        m
    }

    /// `BTC/USDT` -> `BTCUSDT`. Unknown symbols fall back to removing the slash.
    pub fn venue(&self, keel: &str) -> String {
        self.to_venue
            .get(keel)
            .cloned()
            .unwrap_or_else(|| keel.replace('/', "").to_ascii_uppercase())
    }

    /// `BTCUSDT` -> `BTC/USDT`; `None` for a symbol exchangeInfo did not list.
    pub fn keel(&self, venue: &str) -> Option<&str> {
        self.to_keel.get(venue).map(String::as_str)
    }

    pub fn contains_venue(&self, venue: &str) -> bool {
        self.to_keel.contains_key(venue)
    }

    pub fn len(&self) -> usize {
        self.to_keel.len()
    }

    pub fn is_empty(&self) -> bool {
        self.to_keel.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_min_notional_uses_notional_key_and_notional_wins() {
        let filters: Vec<RawFilter> = serde_json::from_str(
            r#"[{"filterType":"PRICE_FILTER","minPrice":"0.1","maxPrice":"100","tickSize":"0.10"},
                {"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"},
                {"filterType":"MIN_NOTIONAL","notional":"100"}]"#,
        )
        .expect("filters");
        let inst = instrument_from_rules("BTC", "USDT", &SymbolRules::from_filters(&filters))
            .expect("instrument");
        assert_eq!(inst.min_notional, Decimal::from(100));
        assert_eq!(inst.tick_size.to_string(), "0.1");
        let filters: Vec<RawFilter> = serde_json::from_str(
            r#"[{"filterType":"NOTIONAL","minNotional":"5"},{"filterType":"MIN_NOTIONAL","minNotional":"1"}]"#,
        )
        .expect("filters");
        assert_eq!(
            SymbolRules::from_filters(&filters).min_notional,
            Some(Decimal::from(5))
        );
    }

    #[test]
    fn symbol_map_both_ways() {
        let mut m = SymbolMap::default();
        m.insert("BTC/USDT", "BTCUSDT");
        assert_eq!(m.venue("BTC/USDT"), "BTCUSDT");
        assert_eq!(m.keel("BTCUSDT"), Some("BTC/USDT"));
        assert_eq!(m.keel("ETHUSDT"), None);
    }
}
