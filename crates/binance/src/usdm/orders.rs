//! A Keel order as `POST /fapi/v1/order` or `POST /fapi/v1/algoOrder` parameters.
//!
//! Since 2025-12-09 Binance refuses conditional types on `/fapi/v1/order` with -4120 ("Order
//! type not supported for this endpoint. Please use the Algo Order API endpoints instead.");
//! stop and take-profit kinds ([`is_algo`]) go to `POST /fapi/v1/algoOrder` with
//! `algoType=CONDITIONAL`, the trigger in `triggerPrice` and Keel's id in `clientAlgoId`
//! (Binance USD-M docs, "New Algo Order"; binance-connector `NewAlgoOrderRequest`).
//!
//! | Keel kind        | type                 | price | trigger   | timeInForce        |
//! |------------------|----------------------|-------|-----------|--------------------|
//! | Market           | MARKET               |       |           |                    |
//! | Limit            | LIMIT                | yes   |           | GTC / IOC / FOK    |
//! | LimitMaker       | LIMIT                | yes   |           | GTX (post-only)    |
//! | StopMarket       | STOP_MARKET          |       | yes       |                    |
//! | StopLimit        | STOP                 | yes   | yes       | GTC / IOC / FOK    |
//! | TakeProfitMarket | TAKE_PROFIT_MARKET   |       | yes       |                    |
//! | TakeProfitLimit  | TAKE_PROFIT          | yes   | yes       | GTC / IOC / FOK    |
//!
//! Every regular order carries `newClientOrderId` (Keel's id), `newOrderRespType=RESULT` and
//! `selfTradePreventionMode=EXPIRE_TAKER`; an algo order `algoType=CONDITIONAL`, `triggerPrice`
//! (not `stopPrice`), `clientAlgoId` (Keel's id) and `selfTradePreventionMode=EXPIRE_TAKER`.
//! `closePosition=true` (stop and take-profit market
//! only) sends no quantity and no reduceOnly. `positionSide` is sent in hedge mode only;
//! `reduceOnly` is sent in one-way mode only (hedge mode rejects it: the side says it).

use keel_domain::{Amount, OrderKind, PositionSide, Side, SubmitOrder, TimeInForce};
use keel_exchange::{ExchangeError, ExchangeResult, RejectReason};

fn invalid(message: impl Into<String>) -> ExchangeError {
    ExchangeError::rejected(RejectReason::Other, message)
}

fn venue_type(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::Market => "MARKET",
        OrderKind::Limit | OrderKind::LimitMaker => "LIMIT",
        OrderKind::StopMarket => "STOP_MARKET",
        OrderKind::StopLimit => "STOP",
        OrderKind::TakeProfitMarket => "TAKE_PROFIT_MARKET",
        OrderKind::TakeProfitLimit => "TAKE_PROFIT",
    }
}

fn tif(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
    }
}

/// Whether Binance takes this kind through its algo service (`/fapi/v1/algoOrder`): every stop
/// and take-profit kind.
pub fn is_algo(kind: OrderKind) -> bool {
    kind.is_conditional()
}

/// The parameters of `POST /fapi/v1/order`, or of `POST /fapi/v1/algoOrder` when
/// [`is_algo`], in the order they are sent. `venue_symbol` is the
/// contract (`BTCUSDT`); `hedge_mode` is the account's position mode.
pub fn order_params(
    order: &SubmitOrder,
    venue_symbol: &str,
    hedge_mode: bool,
) -> ExchangeResult<Vec<(&'static str, String)>> {
    let o = &order.options;
    let kind = order.kind;
    let algo = is_algo(kind);
    let mut p: Vec<(&'static str, String)> = Vec::new();
    if algo {
        p.push(("algoType", "CONDITIONAL".to_string()));
    }
    p.extend([
        ("symbol", venue_symbol.to_string()),
        (
            "side",
            match order.side {
                Side::Buy => "BUY",
                Side::Sell => "SELL",
            }
            .to_string(),
        ),
        ("type", venue_type(kind).to_string()),
    ]);
    if hedge_mode {
        let ps = match o.position_side {
            PositionSide::Long => "LONG",
            PositionSide::Short => "SHORT",
            PositionSide::Both => {
                return Err(invalid(
                    "the account is in hedge mode: choose the long or the short position",
                ));
            }
        };
        p.push(("positionSide", ps.to_string()));
    } else if o.position_side != PositionSide::Both {
        return Err(invalid(
            "the account is in one-way mode: long/short position sides need hedge mode",
        ));
    }
    if kind.has_limit_price() {
        let tif = if kind == OrderKind::LimitMaker {
            "GTX"
        } else {
            tif(o.time_in_force)
        };
        p.push(("timeInForce", tif.to_string()));
    }
    if o.close_position {
        if !matches!(kind, OrderKind::StopMarket | OrderKind::TakeProfitMarket) {
            return Err(invalid(
                "close position works with stop-market and take-profit-market orders only",
            ));
        }
    } else {
        let qty = match order.amount {
            Amount::Base(q) => q,
            Amount::Quote(_) => {
                return Err(invalid(
                    "futures orders are sized in contracts (base quantity), not quote amounts",
                ));
            }
        };
        p.push(("quantity", qty.normalize().to_string()));
    }
    if kind.has_limit_price() {
        let price = order
            .price
            .ok_or_else(|| invalid("a limit order needs a price"))?;
        p.push(("price", price.normalize().to_string()));
    }
    if kind.is_conditional() {
        let stop = o
            .stop_price
            .ok_or_else(|| invalid("a stop or take-profit order needs a trigger price"))?;
        p.push(("triggerPrice", stop.normalize().to_string()));
    }
    if o.close_position {
        p.push(("closePosition", "true".to_string()));
    } else if o.reduce_only && !hedge_mode {
        p.push(("reduceOnly", "true".to_string()));
    }
    if algo {
        p.push(("clientAlgoId", order.client_order_id.clone()));
    } else {
        p.push(("newClientOrderId", order.client_order_id.clone()));
        p.push(("newOrderRespType", "RESULT".to_string()));
    }
    p.push(("selfTradePreventionMode", "EXPIRE_TAKER".to_string()));
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel_domain::{Decimal, OrderOptions};

    fn order(kind: OrderKind, options: OrderOptions) -> SubmitOrder {
        SubmitOrder {
            client_order_id: "k1a2".into(),
            symbol: "BTC/USDT".into(),
            side: Side::Sell,
            kind,
            price: Some(Decimal::new(650005, 1)),
            amount: Amount::Base(Decimal::new(10, 3)),
            options,
        }
    }

    fn keys(p: &[(&str, String)]) -> Vec<String> {
        p.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    #[test]
    fn post_only_limit_is_gtx() {
        let p = order_params(
            &order(OrderKind::LimitMaker, OrderOptions::default()),
            "BTCUSDT",
            false,
        )
        .expect("params");
        assert!(keys(&p).contains(&"timeInForce=GTX".to_string()));
        assert!(keys(&p).contains(&"price=65000.5".to_string()));
        assert!(!keys(&p).iter().any(|k| k.starts_with("triggerPrice")));
        assert!(keys(&p).contains(&"newClientOrderId=k1a2".to_string()));
    }

    #[test]
    fn close_position_sends_no_quantity() {
        let opts = OrderOptions {
            stop_price: Some(Decimal::new(60000, 0)),
            close_position: true,
            reduce_only: true,
            ..OrderOptions::default()
        };
        let p = order_params(&order(OrderKind::TakeProfitMarket, opts), "BTCUSDT", false)
            .expect("params");
        let k = keys(&p);
        assert!(k.contains(&"closePosition=true".to_string()));
        assert!(k.contains(&"type=TAKE_PROFIT_MARKET".to_string()));
        assert!(
            !k.iter()
                .any(|k| k.starts_with("quantity") || k.starts_with("reduceOnly"))
        );
        assert!(
            order_params(&order(OrderKind::Limit, opts), "BTCUSDT", false).is_err(),
            "closePosition on a limit order"
        );
    }

    #[test]
    fn hedge_mode_needs_a_side_and_drops_reduce_only() {
        let mut opts = OrderOptions {
            reduce_only: true,
            ..OrderOptions::default()
        };
        assert!(order_params(&order(OrderKind::Market, opts), "BTCUSDT", true).is_err());
        opts.position_side = PositionSide::Long;
        let k = keys(&order_params(&order(OrderKind::Market, opts), "BTCUSDT", true).expect("p"));
        assert!(k.contains(&"positionSide=LONG".to_string()));
        assert!(
            !k.iter()
                .any(|k| k.starts_with("reduceOnly") || k.starts_with("price"))
        );
        assert!(order_params(&order(OrderKind::Market, opts), "BTCUSDT", false).is_err());
    }

    #[test]
    fn stop_limit_has_price_trigger_and_tif() {
        let opts = OrderOptions {
            stop_price: Some(Decimal::new(64000, 0)),
            time_in_force: TimeInForce::Ioc,
            ..OrderOptions::default()
        };
        let k =
            keys(&order_params(&order(OrderKind::StopLimit, opts), "BTCUSDT", false).expect("p"));
        for want in [
            "type=STOP",
            "timeInForce=IOC",
            "algoType=CONDITIONAL",
            "triggerPrice=64000",
            "clientAlgoId=k1a2",
            "price=65000.5",
            "quantity=0.01",
        ] {
            assert!(k.contains(&want.to_string()), "{want} in {k:?}");
        }
        let no_stop = OrderOptions::default();
        assert!(order_params(&order(OrderKind::StopLimit, no_stop), "BTCUSDT", false).is_err());
    }
}
