//! USD-M futures trading/account endpoints and futures user-stream payloads.

use crate::binance::fmt::{amt, px, qty};
use crate::binance::orders::NewOrder;
use crate::binance::params::{ApiError, Params};
use crate::binance::state::State;
use crate::config::{Market, Side};
use crate::ledger::{Fill, Order, OrderStatus, Position};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const M: Market = Market::Futures;

fn success() -> Value {
    json!({"code": 200, "msg": "success"})
}

impl State {
    /// Futures order object (new/query/cancel/openOrders).
    pub(crate) fn futures_order_json(&self, o: &Order) -> Value {
        let Some(spec) = self.spec(M, &o.symbol) else {
            return Value::Null;
        };
        json!({
            "orderId": o.order_id, "symbol": o.symbol, "status": o.status.as_str(),
            "clientOrderId": o.client_order_id, "price": px(&spec, o.price),
            "avgPrice": px(&spec, o.avg_price().round_dp(spec.price_scale())),
            "origQty": qty(&spec, o.orig_qty), "executedQty": qty(&spec, o.executed_qty),
            "cumQty": qty(&spec, o.executed_qty), "cumQuote": amt(o.cum_quote),
            "timeInForce": o.time_in_force, "type": o.order_type, "reduceOnly": o.reduce_only,
            "closePosition": o.close_position, "side": o.side.as_str(), "positionSide": o.position_side,
            "stopPrice": px(&spec, o.stop_price), "workingType": o.working_type, "priceProtect": false,
            "origType": o.orig_type, "priceMatch": "NONE", "selfTradePreventionMode": "NONE",
            "goodTillDate": 0, "time": o.time, "updateTime": o.update_time,
        })
    }

    /// `ORDER_TRADE_UPDATE`.
    pub(crate) fn order_trade_update(&self, idx: usize, exec: &str, fill: Option<&Fill>) -> Value {
        let now = self.now();
        let o = &self.ledger.orders[idx];
        let Some(spec) = self.spec(M, &o.symbol) else {
            return Value::Null;
        };
        let z = Decimal::ZERO;
        json!({
            "e": "ORDER_TRADE_UPDATE", "E": now, "T": now,
            "o": {
                "s": o.symbol, "c": o.client_order_id, "S": o.side.as_str(), "o": o.order_type,
                "f": o.time_in_force, "q": qty(&spec, o.orig_qty), "p": px(&spec, o.price),
                "ap": px(&spec, o.avg_price().round_dp(spec.price_scale())), "sp": px(&spec, o.stop_price),
                "x": exec, "X": o.status.as_str(), "i": o.order_id,
                "l": qty(&spec, fill.map(|f| f.qty).unwrap_or(z)),
                "z": qty(&spec, o.executed_qty),
                "L": px(&spec, fill.map(|f| f.price).unwrap_or(z)),
                "N": spec.quote, "n": amt(fill.map(|f| f.commission).unwrap_or(z)),
                "T": now, "t": fill.map(|f| f.trade_id).unwrap_or(0),
                "b": "0", "a": "0", "m": fill.is_some_and(|f| f.is_maker), "R": o.reduce_only,
                "wt": o.working_type, "ot": o.orig_type, "ps": o.position_side, "cp": o.close_position,
                "rp": amt(fill.map(|f| f.realized_pnl).unwrap_or(z)), "pP": false, "si": 0, "ss": 0,
                "V": "NONE", "pm": "NONE", "gtd": 0,
            }
        })
    }

    fn position_event_json(&self, p: &Position) -> Value {
        let Some(spec) = self.spec(M, &p.symbol) else {
            return Value::Null;
        };
        json!({
            "s": p.symbol, "pa": qty(&spec, p.amount), "ep": px(&spec, p.entry_price),
            "bep": px(&spec, p.entry_price), "cr": amt(p.realized_pnl), "up": amt(self.unrealized(p)),
            "mt": self.ledger.margin_type.get(&p.symbol).cloned().unwrap_or_else(|| "cross".into()),
            "iw": "0", "ps": p.position_side,
        })
    }

    /// `ACCOUNT_UPDATE` after a fill of `symbol` / `ps`.
    pub(crate) fn account_update(&self, symbol: &str, ps: &str) -> Value {
        let now = self.now();
        let quote = self
            .spec(M, symbol)
            .map(|s| s.quote)
            .unwrap_or_else(|| "USDT".into());
        let wb = self
            .ledger
            .futures_balances
            .get(&quote)
            .copied()
            .unwrap_or_default();
        let positions: Vec<Value> = self
            .ledger
            .position(symbol, ps)
            .map(|p| self.position_event_json(p))
            .into_iter()
            .collect();
        json!({
            "e": "ACCOUNT_UPDATE", "E": now, "T": now,
            "a": {"m": "ORDER", "B": [{"a": quote, "wb": amt(wb), "cw": amt(wb), "bc": "0"}], "P": positions}
        })
    }

    /// The checks `POST /fapi/v1/order` and `POST /fapi/v1/algoOrder` share: symbol, side,
    /// type, position side, reduceOnly/closePosition, client id, quantity, prices, filters.
    /// `algo`: the conditional types (trigger in `triggerPrice`, id in `clientAlgoId`);
    /// otherwise LIMIT and MARKET only: since 2025-12-09 the conditional types answer -4120.
    pub(crate) fn futures_order_request(
        &mut self,
        p: &Params,
        algo: bool,
    ) -> Result<NewOrder, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let side = p.side()?;
        let order_type = p.req("type")?.to_owned();
        let conditional = matches!(
            order_type.as_str(),
            "STOP" | "STOP_MARKET" | "TAKE_PROFIT" | "TAKE_PROFIT_MARKET" | "TRAILING_STOP_MARKET"
        );
        if !algo && conditional {
            return Err(ApiError::new(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
            ));
        }
        let supported = if algo {
            conditional && order_type != "TRAILING_STOP_MARKET"
        } else {
            matches!(order_type.as_str(), "LIMIT" | "MARKET")
        };
        if !supported {
            return Err(ApiError::new(-1116, "Invalid orderType."));
        }
        if algo && p.req("algoType")? != "CONDITIONAL" {
            return Err(ApiError::bad("algoType"));
        }
        let dual = self.ledger.dual_side_position;
        let position_side = p.get("positionSide").unwrap_or("BOTH").to_owned();
        let ps_ok = match (dual, position_side.as_str()) {
            (false, "BOTH") | (true, "LONG") | (true, "SHORT") => true,
            (_, "BOTH" | "LONG" | "SHORT") => false,
            _ => return Err(ApiError::bad("positionSide")),
        };
        if !ps_ok {
            return Err(ApiError::new(
                -4061,
                "Order's position side does not match user's setting.",
            ));
        }
        let reduce_only = p.flag("reduceOnly")?;
        if dual && reduce_only {
            return Err(ApiError::new(
                -1106,
                "Parameter 'reduceOnly' sent when not required.",
            ));
        }
        let close_position = p.flag("closePosition")?;
        let is_market = order_type.ends_with("MARKET");
        if close_position {
            if !matches!(order_type.as_str(), "STOP_MARKET" | "TAKE_PROFIT_MARKET") {
                return Err(ApiError::new(
                    -1106,
                    "Parameter 'closePosition' sent when not required.",
                ));
            }
            if p.get("quantity").is_some() {
                return Err(ApiError::new(
                    -1106,
                    "Parameter 'quantity' sent when not required.",
                ));
            }
        }
        let id_param = if algo {
            "clientAlgoId"
        } else {
            "newClientOrderId"
        };
        let client_order_id = self.client_id_param(M, p, id_param)?;
        let quantity = if close_position {
            Decimal::ZERO
        } else {
            p.dec_req("quantity")?
        };
        let price = if is_market {
            Decimal::ZERO
        } else {
            p.dec_req("price")?
        };
        let stop_price = if algo {
            p.dec_req("triggerPrice")?
        } else {
            Decimal::ZERO
        };
        let tif = if is_market {
            "GTC".to_owned()
        } else {
            let t = p.get("timeInForce").unwrap_or("GTC");
            if !matches!(t, "GTC" | "IOC" | "FOK" | "GTX") {
                return Err(ApiError::new(-1115, "Invalid timeInForce."));
            }
            t.to_owned()
        };
        let working_type = p.get("workingType").unwrap_or("CONTRACT_PRICE").to_owned();
        let n = NewOrder {
            spec: spec.clone(),
            side,
            order_type: order_type.clone(),
            tif: tif.clone(),
            qty: quantity,
            quote_qty: Decimal::ZERO,
            price,
            stop_price,
            client_order_id: client_order_id.clone(),
            reduce_only,
            close_position,
            position_side: position_side.clone(),
            working_type,
        };
        Self::check_filters(&spec, &n, is_market)?;
        Ok(n)
    }

    /// `POST /fapi/v1/order` (LIMIT and MARKET; conditional types get -4120).
    pub(crate) fn futures_new_order(&mut self, p: &Params, test: bool) -> Result<Value, ApiError> {
        let n = self.futures_order_request(p, false)?;
        let spec = n.spec.clone();
        let (side, order_type, tif) = (n.side, n.order_type.clone(), n.tif.clone());
        let (quantity, price, stop_price) = (n.qty, n.price, n.stop_price);
        let (reduce_only, close_position) = (n.reduce_only, n.close_position);
        let position_side = n.position_side.clone();
        let client_order_id = n.client_order_id.clone();
        let dual = self.ledger.dual_side_position;
        let ref_price = if price.is_zero() {
            self.best_opposite(M, &spec.symbol, side)
                .unwrap_or_else(|| self.last_price(M, &spec.symbol))
        } else {
            price
        };
        let probe = Order {
            market: M,
            symbol: spec.symbol.clone(),
            order_id: 0,
            client_order_id: client_order_id.clone(),
            side,
            order_type: order_type.clone(),
            orig_type: order_type.clone(),
            time_in_force: tif.clone(),
            price,
            stop_price,
            orig_qty: quantity,
            executed_qty: Decimal::ZERO,
            cum_quote: Decimal::ZERO,
            orig_quote_qty: Decimal::ZERO,
            status: OrderStatus::New,
            working: true,
            time: 0,
            update_time: 0,
            reduce_only,
            close_position,
            position_side: position_side.clone(),
            working_type: n.working_type.clone(),
            locked: Decimal::ZERO,
            realized_pnl: Decimal::ZERO,
        };
        let reducing = self.is_reducing(&probe);
        if reducing && !close_position {
            let room = self.reducible(&probe);
            if room.is_zero() || (dual && quantity > room) {
                return Err(ApiError::new(-2022, "ReduceOnly Order is rejected."));
            }
        }
        if !reducing && quantity * ref_price < spec.min_notional {
            return Err(ApiError::new(
                -4164,
                format!(
                    "Order's notional must be no smaller than {} (unless you choose reduce only).",
                    spec.min_notional.normalize()
                ),
            ));
        }
        if !reducing {
            let lev = Decimal::from(
                *self
                    .ledger
                    .leverage
                    .get(&spec.symbol)
                    .unwrap_or(&self.cfg.default_leverage),
            );
            let wallet = self
                .ledger
                .futures_balances
                .get(&spec.quote)
                .copied()
                .unwrap_or_default();
            let upnl: Decimal = self
                .ledger
                .positions
                .iter()
                .map(|p| self.unrealized(p))
                .sum();
            let available = wallet + upnl - self.used_margin();
            if quantity * ref_price / lev > available {
                return Err(ApiError::new(-2019, "Margin is insufficient."));
            }
        }
        if tif == "GTX"
            && let Some(best) = self.best_opposite(M, &spec.symbol, side)
        {
            let takes = match side {
                Side::Buy => best <= price,
                Side::Sell => best >= price,
            };
            if takes {
                return Err(ApiError::new(
                    -5022,
                    "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history",
                ));
            }
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
            return Err(ApiError::new(-4116, "ClientOrderId is duplicated."));
        }
        let idx = self.insert_order(M, &n);
        let ack = self.futures_order_json(&self.ledger.orders[idx]);
        let ev = self.order_trade_update(idx, "NEW", None);
        self.user_event(M, ev);
        match order_type.as_str() {
            "MARKET" => {
                self.take(idx, None, true);
                if self.ledger.orders[idx].status.is_open() {
                    self.finish(idx, OrderStatus::Expired, None);
                }
            }
            "LIMIT" => self.execute_limit(M, idx, &spec, side, quantity, price, &tif),
            _ => {}
        }
        if p.get("newOrderRespType") == Some("RESULT") {
            Ok(self.futures_order_json(&self.ledger.orders[idx]))
        } else {
            Ok(ack)
        }
    }

    /// `DELETE /fapi/v1/order`.
    pub(crate) fn futures_cancel(&mut self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let idx = self.find_order(M, Some(&spec.symbol), p)?;
        let Some(idx) = idx.filter(|i| self.ledger.orders[*i].status.is_open()) else {
            return Err(ApiError::new(-2011, "Unknown order sent."));
        };
        self.finish(idx, OrderStatus::Canceled, None);
        Ok(self.futures_order_json(&self.ledger.orders[idx]))
    }

    /// `DELETE /fapi/v1/allOpenOrders`.
    pub(crate) fn futures_cancel_all(&mut self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let idxs: Vec<usize> = (0..self.ledger.orders.len())
            .filter(|i| {
                let o = &self.ledger.orders[*i];
                o.market == M && o.symbol == spec.symbol && o.status.is_open()
            })
            .collect();
        for idx in idxs {
            self.finish(idx, OrderStatus::Canceled, None);
        }
        Ok(json!({"code": 200, "msg": "The operation of cancel all open order is done."}))
    }

    /// `GET /fapi/v1/order`.
    pub(crate) fn futures_query(&self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        match self.find_order(M, Some(&spec.symbol), p)? {
            Some(i) => Ok(self.futures_order_json(&self.ledger.orders[i])),
            None => Err(ApiError::new(-2013, "Order does not exist.")),
        }
    }

    /// `GET /fapi/v1/openOrders` / `allOrders`.
    pub(crate) fn futures_orders(&self, p: &Params, open_only: bool) -> Result<Value, ApiError> {
        let symbol = match p.get("symbol") {
            Some(_) => Some(self.symbol_param(M, p)?.symbol),
            None if open_only => None,
            None => return Err(ApiError::mandatory("symbol")),
        };
        Ok(Value::Array(
            self.ledger
                .orders
                .iter()
                .filter(|o| o.market == M && symbol.as_ref().is_none_or(|s| &o.symbol == s))
                .filter(|o| !open_only || o.status.is_open())
                .map(|o| self.futures_order_json(o))
                .collect(),
        ))
    }

    /// `GET /fapi/v1/userTrades`.
    pub(crate) fn futures_user_trades(&self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let order_id = p.int("orderId")?;
        let from_id = p.int("fromId")?;
        let start = p.int("startTime")?;
        let end = p.int("endTime")?;
        let limit = p.limit(500, 1000)?;
        Ok(Value::Array(
            self.ledger
                .fills
                .iter()
                .filter(|f| f.market == M && f.symbol == spec.symbol)
                .filter(|f| order_id.is_none_or(|id| f.order_id as i64 == id))
                .filter(|f| from_id.is_none_or(|id| f.trade_id as i64 >= id))
                .filter(|f| start.is_none_or(|s| f.time >= s) && end.is_none_or(|e| f.time <= e))
                .take(limit)
                .map(|f| {
                    json!({
                        "buyer": f.side == Side::Buy, "commission": amt(f.commission),
                        "commissionAsset": f.commission_asset, "id": f.trade_id, "maker": f.is_maker,
                        "orderId": f.order_id, "price": px(&spec, f.price), "qty": qty(&spec, f.qty),
                        "quoteQty": amt(f.quote_qty), "realizedPnl": amt(f.realized_pnl),
                        "side": f.side.as_str(), "positionSide": f.position_side, "symbol": f.symbol,
                        "time": f.time,
                    })
                })
                .collect(),
        ))
    }

    fn balance_rows(&self) -> Vec<(String, Decimal, Decimal)> {
        let upnl: Decimal = self
            .ledger
            .positions
            .iter()
            .map(|p| self.unrealized(p))
            .sum();
        let used = self.used_margin();
        self.ledger
            .futures_balances
            .iter()
            .map(|(a, wb)| {
                let (u, avail) = if a == "USDT" {
                    (upnl, *wb + upnl - used)
                } else {
                    (Decimal::ZERO, *wb)
                };
                (a.clone(), u, avail)
            })
            .collect()
    }

    /// `GET /fapi/v3/balance`.
    pub(crate) fn futures_balance(&self) -> Value {
        let now = self.now();
        Value::Array(
            self.balance_rows()
                .into_iter()
                .map(|(a, upnl, avail)| {
                    let wb = self.ledger.futures_balances.get(&a).copied().unwrap_or_default();
                    json!({
                        "accountAlias": "SgsR", "asset": a, "balance": amt(wb), "crossWalletBalance": amt(wb),
                        "crossUnPnl": amt(upnl), "availableBalance": amt(avail),
                        "maxWithdrawAmount": amt(avail.max(Decimal::ZERO)), "marginAvailable": true,
                        "updateTime": now,
                    })
                })
                .collect(),
        )
    }

    fn position_risk_json(&self, p: &Position) -> Value {
        let Some(spec) = self.spec(M, &p.symbol) else {
            return Value::Null;
        };
        let mark = self
            .marks
            .get(&p.symbol)
            .map(|m| m.0)
            .unwrap_or(p.entry_price);
        let lev = Decimal::from(
            *self
                .ledger
                .leverage
                .get(&p.symbol)
                .unwrap_or(&self.cfg.default_leverage),
        );
        let notional = p.amount * mark;
        json!({
            "symbol": p.symbol, "positionSide": p.position_side, "positionAmt": qty(&spec, p.amount),
            "entryPrice": px(&spec, p.entry_price), "breakEvenPrice": px(&spec, p.entry_price),
            "markPrice": amt(mark), "unRealizedProfit": amt(self.unrealized(p)), "liquidationPrice": "0",
            "isolatedMargin": "0", "notional": amt(notional), "marginAsset": spec.quote,
            "isolatedWallet": "0", "initialMargin": amt((notional.abs() / lev).round_dp(8)),
            "maintMargin": amt((notional.abs() * Decimal::new(4, 3)).round_dp(8)),
            "positionInitialMargin": amt((notional.abs() / lev).round_dp(8)), "openOrderInitialMargin": "0",
            "adl": 0, "bidNotional": "0", "askNotional": "0", "updateTime": self.now(),
        })
    }

    /// `GET /fapi/v3/positionRisk` (only non-zero positions, as v3 documents).
    pub(crate) fn futures_position_risk(&self, p: &Params) -> Result<Value, ApiError> {
        let symbol = match p.get("symbol") {
            Some(_) => Some(self.symbol_param(M, p)?.symbol),
            None => None,
        };
        Ok(Value::Array(
            self.ledger
                .positions
                .iter()
                .filter(|x| !x.amount.is_zero() && symbol.as_ref().is_none_or(|s| &x.symbol == s))
                .map(|x| self.position_risk_json(x))
                .collect(),
        ))
    }

    /// `GET /fapi/v3/account`.
    pub(crate) fn futures_account(&self) -> Value {
        let rows = self.balance_rows();
        let now = self.now();
        let total_wallet: Decimal = self.ledger.futures_balances.values().sum();
        let upnl: Decimal = rows.iter().map(|r| r.1).sum();
        let used = self.used_margin();
        let avail = total_wallet + upnl - used;
        let assets: Vec<Value> = rows
            .iter()
            .map(|(a, u, av)| {
                let wb = self
                    .ledger
                    .futures_balances
                    .get(a)
                    .copied()
                    .unwrap_or_default();
                json!({
                    "asset": a, "walletBalance": amt(wb), "unrealizedProfit": amt(*u),
                    "marginBalance": amt(wb + u), "maintMargin": amt(Decimal::ZERO),
                    "initialMargin": amt(used), "positionInitialMargin": amt(used),
                    "openOrderInitialMargin": amt(Decimal::ZERO), "crossWalletBalance": amt(wb),
                    "crossUnPnl": amt(*u), "availableBalance": amt(*av),
                    "maxWithdrawAmount": amt((*av).max(Decimal::ZERO)), "updateTime": now,
                })
            })
            .collect();
        let positions: Vec<Value> = self
            .ledger
            .positions
            .iter()
            .filter(|p| !p.amount.is_zero())
            .filter_map(|p| {
                let spec = self.spec(M, &p.symbol)?;
                let mark = self.marks.get(&p.symbol).map(|m| m.0).unwrap_or(p.entry_price);
                Some(json!({
                    "symbol": p.symbol, "positionSide": p.position_side, "positionAmt": qty(&spec, p.amount),
                    "unrealizedProfit": amt(self.unrealized(p)), "isolatedMargin": "0",
                    "notional": amt(p.amount * mark), "isolatedWallet": "0", "initialMargin": "0",
                    "maintMargin": "0", "updateTime": now,
                }))
            })
            .collect();
        json!({
            "totalInitialMargin": amt(used), "totalMaintMargin": amt(Decimal::ZERO),
            "totalWalletBalance": amt(total_wallet), "totalUnrealizedProfit": amt(upnl),
            "totalMarginBalance": amt(total_wallet + upnl), "totalPositionInitialMargin": amt(used),
            "totalOpenOrderInitialMargin": amt(Decimal::ZERO), "totalCrossWalletBalance": amt(total_wallet),
            "totalCrossUnPnl": amt(upnl), "availableBalance": amt(avail),
            "maxWithdrawAmount": amt(avail.max(Decimal::ZERO)), "assets": assets, "positions": positions,
        })
    }

    /// `POST /fapi/v1/leverage`.
    pub(crate) fn futures_leverage(&mut self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let lev = p
            .int("leverage")?
            .ok_or_else(|| ApiError::mandatory("leverage"))?;
        if !(1..=125).contains(&lev) {
            return Err(ApiError::new(-4028, format!("Leverage {lev} is not valid")));
        }
        self.ledger.leverage.insert(spec.symbol.clone(), lev as u32);
        Ok(json!({"leverage": lev, "maxNotionalValue": "1000000", "symbol": spec.symbol}))
    }

    /// `POST /fapi/v1/marginType`.
    pub(crate) fn futures_margin_type(&mut self, p: &Params) -> Result<Value, ApiError> {
        let spec = self.symbol_param(M, p)?;
        let mt = match p.req("marginType")? {
            "ISOLATED" => "isolated",
            "CROSSED" => "cross",
            _ => return Err(ApiError::bad("marginType")),
        };
        if self
            .ledger
            .margin_type
            .get(&spec.symbol)
            .map(String::as_str)
            == Some(mt)
        {
            return Err(ApiError::new(-4046, "No need to change margin type."));
        }
        self.ledger.margin_type.insert(spec.symbol, mt.to_owned());
        Ok(success())
    }

    /// `POST /fapi/v1/positionSide/dual`.
    pub(crate) fn futures_set_dual(&mut self, p: &Params) -> Result<Value, ApiError> {
        let dual = match p.req("dualSidePosition")? {
            "true" => true,
            "false" => false,
            _ => return Err(ApiError::bad("dualSidePosition")),
        };
        if dual == self.ledger.dual_side_position {
            return Err(ApiError::new(-4059, "No need to change position side."));
        }
        if self.ledger.positions.iter().any(|p| !p.amount.is_zero())
            || self
                .ledger
                .orders
                .iter()
                .any(|o| o.market == M && o.status.is_open())
        {
            return Err(ApiError::new(
                -4068,
                "Position side cannot be changed if there exists position.",
            ));
        }
        self.ledger.dual_side_position = dual;
        Ok(success())
    }

    /// `GET /fapi/v1/premiumIndex`.
    pub(crate) fn premium_index(&self, p: &Params) -> Result<Value, ApiError> {
        let one = |s: &str| -> Value {
            let Some(spec) = self.spec(M, s) else {
                return Value::Null;
            };
            let (mark, index, rate, next) = self.marks.get(s).copied().unwrap_or_default();
            json!({
                "symbol": s, "markPrice": amt(mark), "indexPrice": amt(index),
                "estimatedSettlePrice": px(&spec, index), "lastFundingRate": format!("{:.8}", rate),
                "interestRate": "0.00010000", "nextFundingTime": next, "time": self.now(),
            })
        };
        match p.get("symbol") {
            Some(_) => Ok(one(&self.symbol_param(M, p)?.symbol)),
            None => Ok(Value::Array(self.marks.keys().map(|s| one(s)).collect())),
        }
    }
}
