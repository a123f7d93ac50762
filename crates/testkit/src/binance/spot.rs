//! Spot trading endpoints and spot user-data payloads.

use crate::binance::fmt::{amt, px, qty};
use crate::binance::orders::NewOrder;
use crate::binance::params::{ApiError, Params};
use crate::binance::state::State;
use crate::config::{Market, Side, SymbolSpec};
use crate::ledger::{Fill, Order, OrderStatus};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const M: Market = Market::Spot;

fn tif_or_gtc(o: &Order) -> &str {
    if o.time_in_force.is_empty() {
        "GTC"
    } else {
        &o.time_in_force
    }
}

impl State {
    fn spot_spec_of(&self, o: &Order) -> Option<SymbolSpec> {
        self.spec(M, &o.symbol)
    }

    /// `GET /api/v3/order` / openOrders / allOrders shape.
    pub(crate) fn spot_order_json(&self, o: &Order) -> Value {
        let Some(spec) = self.spot_spec_of(o) else {
            return Value::Null;
        };
        json!({
            "symbol": o.symbol, "orderId": o.order_id, "orderListId": -1,
            "clientOrderId": o.client_order_id, "price": px(&spec, o.price),
            "origQty": qty(&spec, o.orig_qty), "executedQty": qty(&spec, o.executed_qty),
            "cummulativeQuoteQty": amt(o.cum_quote), "status": o.status.as_str(),
            "timeInForce": tif_or_gtc(o), "type": o.order_type, "side": o.side.as_str(),
            "stopPrice": px(&spec, o.stop_price), "icebergQty": qty(&spec, Decimal::ZERO),
            "time": o.time, "updateTime": o.update_time, "isWorking": o.working,
            "workingTime": if o.working { o.time } else { -1 },
            "origQuoteOrderQty": amt(o.orig_quote_qty), "selfTradePreventionMode": "NONE",
        })
    }

    /// `executionReport` (bare event; the WS API wraps it).
    pub(crate) fn execution_report(
        &mut self,
        idx: usize,
        exec: &str,
        fill: Option<&Fill>,
        cancel_cid: Option<&str>,
    ) -> Value {
        let now = self.now();
        self.next_exec_id += 1;
        let exec_id = self.next_exec_id;
        let o = &self.ledger.orders[idx];
        let Some(spec) = self.spot_spec_of(o) else {
            return Value::Null;
        };
        let (c, orig) = match cancel_cid {
            Some(cc) => (cc.to_owned(), o.client_order_id.clone()),
            None => (o.client_order_id.clone(), String::new()),
        };
        let (l, lp, n, nn, t, m) = match fill {
            Some(f) => (
                qty(&spec, f.qty),
                px(&spec, f.price),
                amt(f.commission),
                json!(f.commission_asset),
                f.trade_id as i64,
                f.is_maker,
            ),
            None => (
                qty(&spec, Decimal::ZERO),
                px(&spec, Decimal::ZERO),
                "0".to_owned(),
                Value::Null,
                -1,
                false,
            ),
        };
        json!({
            "e": "executionReport", "E": now, "s": o.symbol, "c": c, "S": o.side.as_str(),
            "o": o.order_type, "f": tif_or_gtc(o), "q": qty(&spec, o.orig_qty), "p": px(&spec, o.price),
            "P": px(&spec, o.stop_price), "F": qty(&spec, Decimal::ZERO), "g": -1, "C": orig,
            "x": exec, "X": o.status.as_str(), "r": "NONE", "i": o.order_id, "l": l,
            "z": qty(&spec, o.executed_qty), "L": lp, "n": n, "N": nn, "T": now, "t": t,
            "I": exec_id, "w": o.working && o.status.is_open(), "m": m, "M": fill.is_some(),
            "O": o.time, "Z": amt(o.cum_quote), "Y": amt(fill.map(|f| f.quote_qty).unwrap_or_default()),
            "Q": amt(o.orig_quote_qty), "W": o.time, "V": "NONE",
        })
    }

    /// `outboundAccountPosition` for `assets`.
    pub(crate) fn account_position(&self, assets: &[&str]) -> Value {
        let now = self.now();
        let b: Vec<Value> = assets
            .iter()
            .map(|a| {
                let bal = self.ledger.spot_balance(a);
                json!({"a": a, "f": amt(bal.free), "l": amt(bal.locked)})
            })
            .collect();
        json!({"e": "outboundAccountPosition", "E": now, "u": now, "B": b})
    }

    /// Credits (or debits) a spot balance and emits `balanceUpdate` (deposit / withdrawal).
    pub(crate) fn spot_balance_update(&mut self, asset: &str, delta: Decimal) {
        let now = self.now();
        self.ledger
            .spot_balances
            .entry(asset.to_owned())
            .or_default()
            .free += delta;
        self.user_event(
            M,
            json!({"e": "balanceUpdate", "E": now, "a": asset, "d": amt(delta), "T": now}),
        );
        let ev = self.account_position(&[asset]);
        self.user_event(M, ev);
    }

    /// `POST /api/v3/order` (and `/api/v3/order/test` with `test`).
    pub(crate) fn spot_new_order(&mut self, p: &Params, test: bool) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let side = p.side()?;
        let order_type = p.req("type")?.to_owned();
        if !matches!(
            order_type.as_str(),
            "LIMIT" | "MARKET" | "LIMIT_MAKER" | "STOP_LOSS_LIMIT" | "TAKE_PROFIT_LIMIT"
        ) {
            return Err(ApiError::new(-1116, "Invalid orderType."));
        }
        let client_order_id = self.client_id_param(M, p, "newClientOrderId")?;
        let is_market = order_type == "MARKET";
        let tif = if is_market || order_type == "LIMIT_MAKER" {
            String::new()
        } else {
            let t = p.req("timeInForce")?;
            if !matches!(t, "GTC" | "IOC" | "FOK") {
                return Err(ApiError::new(-1115, "Invalid timeInForce."));
            }
            t.to_owned()
        };
        let mut quantity = p.dec("quantity")?.unwrap_or_default();
        let quote_qty = if is_market {
            p.dec("quoteOrderQty")?.unwrap_or_default()
        } else {
            Decimal::ZERO
        };
        if is_market && quantity.is_zero() == quote_qty.is_zero() {
            return Err(ApiError::new(
                -1102,
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
            ));
        }
        if !is_market && quantity.is_zero() {
            return Err(ApiError::mandatory("quantity"));
        }
        let price = if is_market {
            Decimal::ZERO
        } else {
            p.dec_req("price")?
        };
        let stop_price = if order_type.ends_with("_LIMIT") && order_type != "LIMIT" {
            p.dec_req("stopPrice")?
        } else {
            Decimal::ZERO
        };
        let n = NewOrder {
            spec: spec.clone(),
            side,
            order_type: order_type.clone(),
            tif: tif.clone(),
            qty: quantity,
            quote_qty,
            price,
            stop_price,
            client_order_id: client_order_id.clone(),
            reduce_only: false,
            close_position: false,
            position_side: "BOTH".to_owned(),
            working_type: "CONTRACT_PRICE".to_owned(),
        };
        Self::check_filters(&spec, &n, is_market)?;
        // Notional: price * qty (market: estimated from the book / last price).
        let plan = if is_market {
            let q = (!quantity.is_zero()).then_some(quantity);
            let qq = (!quote_qty.is_zero()).then_some(quote_qty);
            self.plan_take(M, &spec, side, q, qq, None, true)
        } else {
            Vec::new()
        };
        let notional = if is_market {
            plan.iter().map(|(p, q)| p * q).sum()
        } else {
            price * quantity
        };
        if !is_market || !quote_qty.is_zero() || notional > Decimal::ZERO {
            let check = if is_market && !quote_qty.is_zero() {
                quote_qty
            } else {
                notional
            };
            if check < spec.min_notional {
                return Err(ApiError::new(-1013, "Filter failure: NOTIONAL"));
            }
        }
        if order_type == "LIMIT_MAKER"
            && let Some(best) = self.best_opposite(M, &spec.symbol, side)
        {
            let takes = match side {
                Side::Buy => best <= price,
                Side::Sell => best >= price,
            };
            if takes {
                return Err(ApiError::new(
                    -2010,
                    "Order would immediately match and take.",
                ));
            }
        }
        let (hold_asset, hold) = match side {
            Side::Buy => (
                spec.quote.clone(),
                if is_market {
                    notional
                } else {
                    price * quantity
                },
            ),
            Side::Sell => (
                spec.base.clone(),
                if is_market {
                    plan.iter().map(|x| x.1).sum()
                } else {
                    quantity
                },
            ),
        };
        if self.ledger.spot_balance(&hold_asset).free < hold {
            return Err(ApiError::new(
                -2010,
                "Account has insufficient balance for requested action.",
            ));
        }
        if test {
            return Ok(json!({}));
        }
        if self
            .ledger
            .orders
            .iter()
            .any(|o| o.market == M && o.client_order_id == client_order_id && o.status.is_open())
        {
            return Err(ApiError::new(-2010, "Duplicate order sent."));
        }
        if is_market && !quote_qty.is_zero() {
            quantity = plan.iter().map(|x| x.1).sum();
        }
        let mut n = n;
        n.qty = quantity;
        let idx = self.insert_order(M, &n);
        if !is_market {
            self.spot_hold(idx, &hold_asset, hold);
        }
        let ev = self.execution_report(idx, "NEW", None, None);
        self.user_event(M, ev);
        if !is_market {
            let ev = self.account_position(&[hold_asset.as_str()]);
            self.user_event(M, ev);
        }
        let fills_before = self.ledger.fills.len();
        match order_type.as_str() {
            "MARKET" => {
                if quantity.is_zero() {
                    self.finish(idx, OrderStatus::Expired, None);
                } else {
                    self.take(idx, None, true);
                }
            }
            "LIMIT" => self.execute_limit(M, idx, &spec, side, quantity, price, &tif),
            _ => {}
        }
        if is_market && self.ledger.orders[idx].status.is_open() {
            self.finish(idx, OrderStatus::Expired, None);
        }
        let fills: Vec<Fill> = self.ledger.fills[fills_before..]
            .iter()
            .filter(|f| f.market == M && f.order_id == self.ledger.orders[idx].order_id)
            .cloned()
            .collect();
        let resp_type = p
            .get("newOrderRespType")
            .unwrap_or(match order_type.as_str() {
                "LIMIT" | "MARKET" => "FULL",
                _ => "ACK",
            });
        let o = self.ledger.orders[idx].clone();
        let mut v = json!({
            "symbol": o.symbol, "orderId": o.order_id, "orderListId": -1,
            "clientOrderId": o.client_order_id, "transactTime": o.time,
        });
        if resp_type == "RESULT" || resp_type == "FULL" {
            let extra = json!({
                "price": px(&spec, o.price), "origQty": qty(&spec, o.orig_qty),
                "executedQty": qty(&spec, o.executed_qty), "origQuoteOrderQty": amt(o.orig_quote_qty),
                "cummulativeQuoteQty": amt(o.cum_quote), "status": o.status.as_str(),
                "timeInForce": tif_or_gtc(&o), "type": o.order_type, "side": o.side.as_str(),
                "workingTime": if o.working { o.time } else { -1 }, "selfTradePreventionMode": "NONE",
            });
            if let (Some(obj), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                obj.extend(e.clone());
                if !o.stop_price.is_zero() {
                    obj.insert("stopPrice".into(), json!(px(&spec, o.stop_price)));
                }
            }
        }
        if resp_type == "FULL" {
            v["fills"] = Value::Array(
                fills
                    .iter()
                    .map(|f| {
                        json!({
                            "price": px(&spec, f.price), "qty": qty(&spec, f.qty),
                            "commission": amt(f.commission), "commissionAsset": f.commission_asset,
                            "tradeId": f.trade_id,
                        })
                    })
                    .collect(),
            );
        }
        Ok(v)
    }

    /// `DELETE /api/v3/order`.
    pub(crate) fn spot_cancel(&mut self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let cancel_cid = self.client_id_param(M, p, "newClientOrderId")?;
        let idx = self.find_order(M, Some(&spec.symbol), p)?;
        let Some(idx) = idx.filter(|i| self.ledger.orders[*i].status.is_open()) else {
            return Err(ApiError::new(-2011, "Unknown order sent."));
        };
        self.finish(idx, OrderStatus::Canceled, Some(&cancel_cid));
        let o = &self.ledger.orders[idx];
        let mut v = json!({
            "symbol": o.symbol, "origClientOrderId": o.client_order_id, "orderId": o.order_id,
            "orderListId": -1, "clientOrderId": cancel_cid, "transactTime": o.update_time,
            "price": px(&spec, o.price), "origQty": qty(&spec, o.orig_qty),
            "executedQty": qty(&spec, o.executed_qty), "origQuoteOrderQty": amt(o.orig_quote_qty),
            "cummulativeQuoteQty": amt(o.cum_quote), "status": o.status.as_str(),
            "timeInForce": tif_or_gtc(o), "type": o.order_type, "side": o.side.as_str(),
            "selfTradePreventionMode": "NONE",
        });
        if !o.stop_price.is_zero() {
            v["stopPrice"] = json!(px(&spec, o.stop_price));
        }
        Ok(v)
    }

    /// `GET /api/v3/order`.
    pub(crate) fn spot_query(&self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        match self.find_order(M, Some(&spec.symbol), p)? {
            Some(i) => Ok(self.spot_order_json(&self.ledger.orders[i])),
            None => Err(ApiError::new(-2013, "Order does not exist.")),
        }
    }

    /// `GET /api/v3/openOrders` and `GET /api/v3/allOrders`.
    pub(crate) fn spot_orders(&self, p: &Params, open_only: bool) -> Result<Value, ApiError> {
        let symbol = match p.get("symbol") {
            Some(_) => Some(self.symbol_param(M, p)?.symbol),
            None if open_only => None,
            None => return Err(ApiError::mandatory("symbol")),
        };
        let limit = p.limit(500, 1000)?;
        let list: Vec<Value> = self
            .ledger
            .orders
            .iter()
            .filter(|o| o.market == M && symbol.as_ref().is_none_or(|s| &o.symbol == s))
            .filter(|o| !open_only || o.status.is_open())
            .map(|o| self.spot_order_json(o))
            .collect();
        let skip = if open_only {
            0
        } else {
            list.len().saturating_sub(limit)
        };
        Ok(Value::Array(list.into_iter().skip(skip).collect()))
    }

    /// `DELETE /api/v3/openOrders`.
    pub(crate) fn spot_cancel_all(&mut self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let idxs: Vec<usize> = (0..self.ledger.orders.len())
            .filter(|i| {
                let o = &self.ledger.orders[*i];
                o.market == M && o.symbol == spec.symbol && o.status.is_open()
            })
            .collect();
        if idxs.is_empty() {
            return Err(ApiError::new(-2011, "Unknown order sent."));
        }
        let mut out = Vec::new();
        for idx in idxs {
            let cid = self.rng.alnum(22);
            self.finish(idx, OrderStatus::Canceled, Some(&cid));
            let mut v = self.spot_order_json(&self.ledger.orders[idx]);
            v["origClientOrderId"] = v["clientOrderId"].clone();
            v["clientOrderId"] = json!(cid);
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    /// `GET /api/v3/myTrades`.
    pub(crate) fn spot_my_trades(&self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let order_id = p.int("orderId")?;
        let from_id = p.int("fromId")?;
        let start = p.int("startTime")?;
        let end = p.int("endTime")?;
        let limit = p.limit(500, 1000)?;
        let list: Vec<Value> = self
            .ledger
            .fills
            .iter()
            .filter(|f| f.market == M && f.symbol == spec.symbol)
            .filter(|f| order_id.is_none_or(|id| f.order_id as i64 == id))
            .filter(|f| from_id.is_none_or(|id| f.trade_id as i64 >= id))
            .filter(|f| start.is_none_or(|s| f.time >= s) && end.is_none_or(|e| f.time <= e))
            .take(limit)
            .map(|f| {
                json!({
                    "symbol": f.symbol, "id": f.trade_id, "orderId": f.order_id, "orderListId": -1,
                    "price": px(&spec, f.price), "qty": qty(&spec, f.qty), "quoteQty": amt(f.quote_qty),
                    "commission": amt(f.commission), "commissionAsset": f.commission_asset,
                    "time": f.time, "isBuyer": f.side == Side::Buy, "isMaker": f.is_maker,
                    "isBestMatch": true,
                })
            })
            .collect();
        Ok(Value::Array(list))
    }

    /// `GET /api/v3/account`.
    pub(crate) fn spot_account(&self, p: &Params) -> Result<Value, ApiError> {
        let omit_zero = p.flag("omitZeroBalances")?;
        let bp = |r: Decimal| {
            (r * Decimal::from(10_000))
                .round()
                .try_into()
                .unwrap_or(0i64)
        };
        let balances: Vec<Value> = self
            .ledger
            .spot_balances
            .iter()
            .filter(|(_, b)| !omit_zero || !(b.free + b.locked).is_zero())
            .map(|(a, b)| json!({"asset": a, "free": amt(b.free), "locked": amt(b.locked)}))
            .collect();
        Ok(json!({
            "makerCommission": bp(self.cfg.spot_maker_rate), "takerCommission": bp(self.cfg.spot_taker_rate),
            "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {
                "maker": amt(self.cfg.spot_maker_rate), "taker": amt(self.cfg.spot_taker_rate),
                "buyer": amt(Decimal::ZERO), "seller": amt(Decimal::ZERO),
            },
            "canTrade": self.cfg.api_restrictions.enable_spot_and_margin_trading,
            "canWithdraw": self.cfg.api_restrictions.enable_withdrawals, "canDeposit": true,
            "brokered": false, "requireSelfTradePrevention": false, "preventSor": false,
            "updateTime": self.now(), "accountType": "SPOT", "balances": balances,
            "permissions": ["SPOT"], "uid": 354_937_868,
        }))
    }
}
