//! Public REST endpoints: exchangeInfo, depth, trades, aggTrades, klines, bookTicker.

use crate::binance::book::{interval_ms, kline_row};
use crate::binance::fmt::{amt, px, qty};
use crate::binance::params::{ApiError, Params};
use crate::binance::state::State;
use crate::config::{Market, SymbolSpec};
use serde_json::{Value, json};

fn filters(spec: &SymbolSpec) -> Value {
    let f = |d: rust_decimal::Decimal| px(spec, d);
    let q = |d: rust_decimal::Decimal| qty(spec, d);
    match spec.market {
        Market::Spot => json!([
            {"filterType": "PRICE_FILTER", "minPrice": f(spec.min_price), "maxPrice": f(spec.max_price), "tickSize": f(spec.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": q(spec.min_qty), "maxQty": q(spec.max_qty), "stepSize": q(spec.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": q(spec.min_qty), "maxQty": q(spec.max_qty), "stepSize": q(spec.step_size)},
            {"filterType": "NOTIONAL", "minNotional": amt(spec.min_notional), "applyMinToMarket": true,
             "maxNotional": amt(rust_decimal::Decimal::from(9_000_000)), "applyMaxToMarket": false, "avgPriceMins": 5},
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        ]),
        Market::Futures => json!([
            {"filterType": "PRICE_FILTER", "minPrice": spec.min_price.normalize().to_string(),
             "maxPrice": spec.max_price.normalize().to_string(), "tickSize": spec.tick_size.normalize().to_string()},
            {"filterType": "LOT_SIZE", "minQty": spec.min_qty.normalize().to_string(),
             "maxQty": spec.max_qty.normalize().to_string(), "stepSize": spec.step_size.normalize().to_string()},
            {"filterType": "MARKET_LOT_SIZE", "minQty": spec.min_qty.normalize().to_string(),
             "maxQty": spec.max_qty.normalize().to_string(), "stepSize": spec.step_size.normalize().to_string()},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": spec.min_notional.normalize().to_string()},
            {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500", "multiplierDecimal": "4"},
        ]),
    }
}

impl State {
    /// `GET /api/v3/exchangeInfo` / `GET /fapi/v1/exchangeInfo`.
    pub(crate) fn exchange_info(&self, market: Market, p: &Params) -> Value {
        let wanted: Option<Vec<String>> = p
            .get("symbol")
            .map(|s| vec![s.to_owned()])
            .or_else(|| p.get("symbols").and_then(|s| serde_json::from_str(s).ok()));
        let specs = self.cfg.symbols.iter().filter(|s| {
            s.market == market && wanted.as_ref().is_none_or(|w| w.contains(&s.symbol))
        });
        match market {
            Market::Spot => {
                let symbols: Vec<Value> = specs
                    .map(|s| {
                        json!({
                            "symbol": s.symbol, "status": "TRADING", "baseAsset": s.base, "baseAssetPrecision": 8,
                            "quoteAsset": s.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
                            "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
                            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
                            "icebergAllowed": false, "ocoAllowed": false, "otoAllowed": false, "opoAllowed": false,
                            "quoteOrderQtyMarketAllowed": true, "allowTrailingStop": false,
                            "cancelReplaceAllowed": false, "amendAllowed": false, "pegInstructionsAllowed": false,
                            "isSpotTradingAllowed": true, "isMarginTradingAllowed": false,
                            "filters": filters(s), "permissions": [], "permissionSets": [["SPOT"]],
                            "defaultSelfTradePreventionMode": "NONE", "allowedSelfTradePreventionModes": ["NONE"],
                        })
                    })
                    .collect();
                json!({
                    "timezone": "UTC", "serverTime": self.now(),
                    "rateLimits": [
                        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": self.cfg.spot_weight_limit},
                        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
                        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
                        {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
                    ],
                    "exchangeFilters": [], "symbols": symbols,
                })
            }
            Market::Futures => {
                let symbols: Vec<Value> = specs
                    .map(|s| {
                        json!({
                            "symbol": s.symbol, "pair": s.symbol, "contractType": "PERPETUAL",
                            "deliveryDate": 4_133_404_800_000i64, "onboardDate": 1_569_398_400_000i64,
                            "status": "TRADING", "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
                            "baseAsset": s.base, "quoteAsset": s.quote, "marginAsset": s.quote,
                            "pricePrecision": s.price_scale(), "quantityPrecision": s.qty_scale(),
                            "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
                            "underlyingSubType": [], "settlePlan": 0, "triggerProtect": "0.0500",
                            "liquidationFee": "0.012500", "marketTakeBound": "0.05",
                            "filters": filters(s),
                            "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET"],
                            "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
                        })
                    })
                    .collect();
                json!({
                    "timezone": "UTC", "serverTime": self.now(), "futuresType": "U_MARGINED",
                    "rateLimits": [
                        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": self.cfg.futures_weight_limit},
                        {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
                        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
                    ],
                    "exchangeFilters": [],
                    "assets": [{"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"}],
                    "symbols": symbols,
                })
            }
        }
    }

    pub(crate) fn depth(&self, market: Market, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(market, p)?;
        let limit = p.limit(100, 5000)?;
        Ok(self.depth_json(market, &spec, limit))
    }

    pub(crate) fn trades(&self, market: Market, p: &Params, agg: bool) -> Result<Value, ApiError> {
        let spec = self.symbol_param(market, p)?;
        let limit = p.limit(500, 1000)?;
        let from_id = p.int("fromId")?;
        let start = p.int("startTime")?;
        let end = p.int("endTime")?;
        let Some(tape) = self.tapes.get(&(market, spec.symbol.clone())) else {
            return Ok(json!([]));
        };
        let selected: Vec<_> = tape
            .trades
            .iter()
            .filter(|t| from_id.is_none_or(|f| t.id as i64 >= f))
            .filter(|t| start.is_none_or(|s| t.time >= s) && end.is_none_or(|e| t.time <= e))
            .collect();
        let selected: Vec<_> = if from_id.is_some() || start.is_some() {
            selected.into_iter().take(limit).collect()
        } else {
            let skip = selected.len().saturating_sub(limit);
            selected.into_iter().skip(skip).collect()
        };
        Ok(Value::Array(
            selected
                .into_iter()
                .map(|t| {
                    if agg {
                        let mut v = json!({
                            "a": t.id, "p": px(&spec, t.price), "q": qty(&spec, t.qty), "f": t.id, "l": t.id,
                            "T": t.time, "m": t.buyer_maker,
                        });
                        if market == Market::Spot {
                            v["M"] = json!(true);
                        }
                        v
                    } else {
                        json!({
                            "id": t.id, "price": px(&spec, t.price), "qty": qty(&spec, t.qty),
                            "quoteQty": amt(t.price * t.qty), "time": t.time, "isBuyerMaker": t.buyer_maker,
                            "isBestMatch": true,
                        })
                    }
                })
                .collect(),
        ))
    }

    pub(crate) fn klines(&self, market: Market, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(market, p)?;
        let interval = p.req("interval")?;
        let ms = interval_ms(interval).ok_or_else(|| ApiError::new(-1120, "Invalid interval."))?;
        let max = if market == Market::Spot { 1000 } else { 1500 };
        let limit = p.limit(500, max)?;
        let Some(tape) = self.tapes.get(&(market, spec.symbol.clone())) else {
            return Ok(json!([]));
        };
        let bars = tape.klines(ms, p.int("startTime")?, p.int("endTime")?, limit);
        Ok(Value::Array(
            bars.iter().map(|b| kline_row(&spec, b, ms)).collect(),
        ))
    }

    pub(crate) fn book_ticker(&self, market: Market, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(market, p)?;
        let Some(book) = self.books.get(&(market, spec.symbol.clone())) else {
            return Ok(Value::Null);
        };
        let z = rust_decimal::Decimal::ZERO;
        let (bp, bq) = book.best_bid().unwrap_or((z, z));
        let (ap, aq) = book.best_ask().unwrap_or((z, z));
        let mut v = json!({
            "symbol": spec.symbol, "bidPrice": px(&spec, bp), "bidQty": qty(&spec, bq),
            "askPrice": px(&spec, ap), "askQty": qty(&spec, aq),
        });
        if market == Market::Futures {
            v["time"] = json!(self.now());
        }
        Ok(v)
    }

    pub(crate) fn api_restrictions(&self) -> Value {
        let r = &self.cfg.api_restrictions;
        json!({
            "ipRestrict": r.ip_restrict, "createTime": 1_698_645_219_000i64, "enableReading": r.enable_reading,
            "enableWithdrawals": r.enable_withdrawals, "enableInternalTransfer": false, "enableMargin": false,
            "enableFutures": r.enable_futures, "permitsUniversalTransfer": false, "enableVanillaOptions": false,
            "enableFixApiTrade": false, "enableFixReadOnly": false,
            "enableSpotAndMarginTrading": r.enable_spot_and_margin_trading, "enablePortfolioMarginTrading": false,
        })
    }
}
