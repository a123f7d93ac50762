//! USD-M conditional orders through Binance's algo service. Since 2025-12-09 STOP, STOP_MARKET,
//! TAKE_PROFIT and TAKE_PROFIT_MARKET are refused by `/fapi/v1/order` (-4120) and placed with
//! `POST /fapi/v1/algoOrder`; `GET`/`DELETE /fapi/v1/algoOrder` and
//! `GET /fapi/v1/openAlgoOrders` read and cancel them, and `ALGO_UPDATE` reports their status.
//! When a print (or the mark, for `workingType=MARK_PRICE`) crosses the trigger, the order is
//! placed in the matching engine as `MARKET` or `LIMIT` with the client algo id as its client
//! order id, and fills like any other order (`ORDER_TRADE_UPDATE`).
//!
//! Shapes and statuses: Binance USD-M docs "New Algo Order", "Query Algo Order", "Cancel Algo
//! Order", "Current All Algo Open Orders" and "Event: Algo Order Update"
//! (developers.binance.com/docs/derivatives/usds-margined-futures/).

use crate::binance::fmt::{px, qty};
use crate::binance::orders::{NewOrder, triggered};
use crate::binance::params::{ApiError, Params};
use crate::binance::state::State;
use crate::config::Market;
use crate::ledger::{AlgoOrder, AlgoStatus, Order, OrderStatus};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const M: Market = Market::Futures;

impl State {
    /// The triggered order of algo order `i`, if any.
    fn actual_of(&self, i: usize) -> Option<&Order> {
        let id = self.ledger.algo_orders[i].actual_order_id?;
        self.ledger.order(M, id)
    }

    /// An algo order as the REST endpoints return it.
    pub(crate) fn algo_json(&self, i: usize) -> Value {
        let a = &self.ledger.algo_orders[i];
        let o = &a.order;
        let Some(spec) = self.spec(M, &o.symbol) else {
            return Value::Null;
        };
        let actual = self.actual_of(i);
        let avg = actual.map(|x| x.avg_price()).unwrap_or_default();
        json!({
            "algoId": a.algo_id, "clientAlgoId": a.client_algo_id, "algoType": "CONDITIONAL",
            "orderType": o.orig_type, "symbol": o.symbol, "side": o.side.as_str(),
            "positionSide": o.position_side, "timeInForce": o.time_in_force,
            "quantity": qty(&spec, o.orig_qty), "algoStatus": a.status.as_str(),
            "actualOrderId": a.actual_order_id.map(|id| id.to_string()).unwrap_or_default(),
            "actualPrice": px(&spec, avg.round_dp(spec.price_scale())),
            "triggerPrice": px(&spec, o.stop_price), "price": px(&spec, o.price),
            "icebergQuantity": Value::Null, "tpTriggerPrice": "0", "tpPrice": "0",
            "slTriggerPrice": "0", "slPrice": "0", "tpOrderType": "",
            "selfTradePreventionMode": "NONE", "workingType": o.working_type, "priceMatch": "NONE",
            "closePosition": o.close_position, "priceProtect": false, "reduceOnly": o.reduce_only,
            "createTime": o.time, "updateTime": o.update_time, "triggerTime": a.trigger_time,
            "goodTillDate": 0,
        })
    }

    /// `ALGO_UPDATE` for algo order `i`.
    fn algo_update(&self, i: usize) -> Value {
        let now = self.now();
        let a = &self.ledger.algo_orders[i];
        let o = &a.order;
        let Some(spec) = self.spec(M, &o.symbol) else {
            return Value::Null;
        };
        let actual = self.actual_of(i);
        let z = Decimal::ZERO;
        json!({
            "e": "ALGO_UPDATE", "T": now, "E": now,
            "o": {
                "caid": a.client_algo_id, "aid": a.algo_id, "at": "CONDITIONAL", "o": o.orig_type,
                "s": o.symbol, "S": o.side.as_str(), "ps": o.position_side, "f": o.time_in_force,
                "q": qty(&spec, o.orig_qty), "X": a.status.as_str(),
                "ai": a.actual_order_id.map(|id| id.to_string()).unwrap_or_default(),
                "ap": px(&spec, actual.map(|x| x.avg_price()).unwrap_or(z).round_dp(spec.price_scale())),
                "aq": qty(&spec, actual.map(|x| x.executed_qty).unwrap_or(z)),
                "act": actual.map(|x| x.order_type.as_str()).unwrap_or("0"),
                "tp": px(&spec, o.stop_price), "p": px(&spec, o.price), "V": "NONE",
                "wt": o.working_type, "pm": "NONE", "cp": o.close_position, "pP": false,
                "R": o.reduce_only, "tt": a.trigger_time, "gtd": 0, "rm": a.reject_reason,
            }
        })
    }

    fn set_algo_status(&mut self, i: usize, status: AlgoStatus) {
        let now = self.now();
        let a = &mut self.ledger.algo_orders[i];
        a.status = status;
        a.order.update_time = now;
        let ev = self.algo_update(i);
        self.user_event(M, ev);
    }

    /// `POST /fapi/v1/algoOrder`. Margin is not checked until the trigger (as on Binance).
    pub(crate) fn futures_new_algo_order(&mut self, p: &Params) -> Result<Value, ApiError> {
        let n = self.futures_order_request(p, true)?;
        let reducing = n.reduce_only
            || n.close_position
            || (n.position_side == "LONG" && n.side == crate::config::Side::Sell)
            || (n.position_side == "SHORT" && n.side == crate::config::Side::Buy);
        let ref_price = if n.price.is_zero() {
            n.stop_price
        } else {
            n.price
        };
        if !reducing && n.qty * ref_price < n.spec.min_notional {
            return Err(ApiError::new(
                -4164,
                format!(
                    "Order's notional must be no smaller than {} (unless you choose reduce only).",
                    n.spec.min_notional.normalize()
                ),
            ));
        }
        if self
            .ledger
            .algo_orders
            .iter()
            .any(|a| a.client_algo_id == n.client_order_id && a.status.is_open())
        {
            return Err(ApiError::new(-4116, "ClientOrderId is duplicated."));
        }
        let now = self.now();
        let algo_id = self.next_algo_id;
        self.next_algo_id += 1;
        let order = Order {
            market: M,
            symbol: n.spec.symbol.clone(),
            order_id: 0,
            client_order_id: n.client_order_id.clone(),
            side: n.side,
            order_type: n.order_type.clone(),
            orig_type: n.order_type.clone(),
            time_in_force: n.tif.clone(),
            price: n.price,
            stop_price: n.stop_price,
            orig_qty: n.qty,
            executed_qty: Decimal::ZERO,
            cum_quote: Decimal::ZERO,
            orig_quote_qty: Decimal::ZERO,
            status: OrderStatus::New,
            working: false,
            time: now,
            update_time: now,
            reduce_only: n.reduce_only,
            close_position: n.close_position,
            position_side: n.position_side.clone(),
            working_type: n.working_type.clone(),
            locked: Decimal::ZERO,
            realized_pnl: Decimal::ZERO,
        };
        self.ledger.algo_orders.push(AlgoOrder {
            algo_id,
            client_algo_id: n.client_order_id.clone(),
            status: AlgoStatus::New,
            actual_order_id: None,
            trigger_time: 0,
            reject_reason: String::new(),
            order,
        });
        *self
            .stats
            .orders_created_per_client_id
            .entry(n.client_order_id.clone())
            .or_default() += 1;
        let i = self.ledger.algo_orders.len() - 1;
        let ev = self.algo_update(i);
        self.user_event(M, ev);
        Ok(self.algo_json(i))
    }

    /// The algo order named by `algoId` / `clientAlgoId` (the cancel endpoint documents them
    /// lowercase: both spellings are read).
    fn find_algo(&self, p: &Params) -> Result<Option<usize>, ApiError> {
        let by_id = match p.int("algoId")? {
            Some(id) => Some(id),
            None => p.int("algoid")?,
        };
        let by_cid = p.get("clientAlgoId").or_else(|| p.get("clientalgoid"));
        if by_id.is_none() && by_cid.is_none() {
            return Err(ApiError::new(
                -1102,
                "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!",
            ));
        }
        Ok(self.ledger.algo_orders.iter().rposition(|a| {
            by_id.is_none_or(|id| a.algo_id as i64 == id)
                && by_cid.is_none_or(|c| a.client_algo_id == c)
        }))
    }

    /// `GET /fapi/v1/algoOrder`.
    pub(crate) fn futures_query_algo(&self, p: &Params) -> Result<Value, ApiError> {
        match self.find_algo(p)? {
            Some(i) => Ok(self.algo_json(i)),
            None => Err(ApiError::new(-2013, "Order does not exist.")),
        }
    }

    /// `DELETE /fapi/v1/algoOrder`: only an untriggered order can be cancelled (a triggered
    /// one is cancelled through its order on `/fapi/v1/order`).
    pub(crate) fn futures_cancel_algo(&mut self, p: &Params) -> Result<Value, ApiError> {
        let Some(i) = self
            .find_algo(p)?
            .filter(|i| self.ledger.algo_orders[*i].status == AlgoStatus::New)
        else {
            return Err(ApiError::new(-2011, "Unknown order sent."));
        };
        self.set_algo_status(i, AlgoStatus::Canceled);
        let a = &self.ledger.algo_orders[i];
        Ok(json!({
            "algoId": a.algo_id, "clientAlgoId": a.client_algo_id, "code": "200", "msg": "success",
        }))
    }

    /// `GET /fapi/v1/openAlgoOrders`: NEW, TRIGGERING and TRIGGERED orders.
    pub(crate) fn futures_open_algo_orders(&self, p: &Params) -> Result<Value, ApiError> {
        let symbol = match p.get("symbol") {
            Some(_) => Some(self.symbol_param(M, p)?.symbol),
            None => None,
        };
        Ok(Value::Array(
            (0..self.ledger.algo_orders.len())
                .filter(|i| {
                    let a = &self.ledger.algo_orders[*i];
                    a.status.is_open() && symbol.as_ref().is_none_or(|s| &a.order.symbol == s)
                })
                .map(|i| self.algo_json(i))
                .collect(),
        ))
    }

    /// Triggers the algo orders of `symbol` whose trigger `price` crossed (`mark_only`: only
    /// `workingType=MARK_PRICE` ones): TRIGGERING, the order placed (its `NEW`), TRIGGERED with
    /// its id, then it executes; FINISHED follows when it is done.
    pub(crate) fn trigger_algos(&mut self, symbol: &str, price: Decimal, mark_only: bool) {
        let due: Vec<usize> = (0..self.ledger.algo_orders.len())
            .filter(|i| {
                let a = &self.ledger.algo_orders[*i];
                let o = &a.order;
                a.status == AlgoStatus::New
                    && o.symbol == symbol
                    && (!mark_only || o.working_type == "MARK_PRICE")
                    && triggered(&o.orig_type, o.side, price, o.stop_price)
            })
            .collect();
        for i in due {
            self.fire_algo(i);
        }
    }

    fn fire_algo(&mut self, i: usize) {
        let now = self.now();
        self.ledger.algo_orders[i].trigger_time = now;
        self.set_algo_status(i, AlgoStatus::Triggering);
        let o = self.ledger.algo_orders[i].order.clone();
        let Some(spec) = self.spec(M, &o.symbol) else {
            return;
        };
        let is_market = o.orig_type.ends_with("MARKET");
        let n = NewOrder {
            spec,
            side: o.side,
            order_type: if is_market { "MARKET" } else { "LIMIT" }.to_owned(),
            tif: o.time_in_force.clone(),
            qty: o.orig_qty,
            quote_qty: Decimal::ZERO,
            price: o.price,
            stop_price: o.stop_price,
            client_order_id: o.client_order_id.clone(),
            reduce_only: o.reduce_only,
            close_position: o.close_position,
            position_side: o.position_side.clone(),
            working_type: o.working_type.clone(),
        };
        // The placement was counted when the algo order was accepted.
        let idx = self.insert_order_counted(M, &n, false);
        {
            let child = &mut self.ledger.orders[idx];
            child.orig_type = o.orig_type.clone();
        }
        if o.close_position {
            let amt = self.reducible(&self.ledger.orders[idx].clone());
            self.ledger.orders[idx].orig_qty = amt;
        }
        self.ledger.algo_orders[i].actual_order_id = Some(self.ledger.orders[idx].order_id);
        let ev = self.order_trade_update(idx, "NEW", None);
        self.user_event(M, ev);
        self.set_algo_status(i, AlgoStatus::Triggered);
        if self.fillable(idx) <= Decimal::ZERO {
            self.ledger.algo_orders[i].reject_reason = "Reduce Only reject".into();
            self.finish(idx, OrderStatus::Expired, None);
            return;
        }
        if is_market {
            self.take(idx, None, true);
            if self.ledger.orders[idx].status.is_open() {
                self.finish(idx, OrderStatus::Expired, None);
            }
        } else {
            let limit = self.ledger.orders[idx].price;
            self.take(idx, Some(limit), false);
            let ioc = matches!(o.time_in_force.as_str(), "IOC" | "FOK");
            if ioc && self.ledger.orders[idx].status.is_open() {
                self.finish(idx, OrderStatus::Expired, None);
            }
        }
    }

    /// Called when futures order `idx` is done (filled, cancelled, expired): the algo order
    /// that placed it becomes FINISHED.
    pub(crate) fn algo_child_done(&mut self, idx: usize) {
        let o = &self.ledger.orders[idx];
        if o.market != M || o.status.is_open() {
            return;
        }
        let id = o.order_id;
        if let Some(i) = self.ledger.algo_orders.iter().position(|a| {
            a.actual_order_id == Some(id)
                && matches!(a.status, AlgoStatus::Triggering | AlgoStatus::Triggered)
        }) {
            self.set_algo_status(i, AlgoStatus::Finished);
        }
    }
}
