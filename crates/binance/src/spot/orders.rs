//! Keel orders -> POST /api/v3/order parameters.

use crate::spot::wire::{kind_to_wire, side_to_wire};
use keel_domain::{Amount, Instrument, OrderKind, SubmitOrder, TimeInForce};
use keel_exchange::{ExchangeError, ExchangeResult, RejectReason};
use rust_decimal::Decimal;

fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

fn tif(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
    }
}

fn refuse(message: &str) -> ExchangeError {
    ExchangeError::rejected(RejectReason::Other, message)
}

/// The order's parameters, in Binance's documented order. Every order carries
/// `selfTradePreventionMode=EXPIRE_TAKER`, `newOrderRespType=FULL` and Keel's client order id.
/// A quote amount is sent as `quoteOrderQty` for market orders; other kinds are sized in base
/// (the quote amount is converted at the limit price and rounded down onto the step grid).
pub fn order_params(
    order: &SubmitOrder,
    venue_symbol: &str,
    instrument: Option<&Instrument>,
) -> ExchangeResult<Vec<(&'static str, String)>> {
    let kind = order.kind;
    let mut p: Vec<(&'static str, String)> = vec![
        ("symbol", venue_symbol.to_string()),
        ("side", side_to_wire(order.side).to_string()),
        ("type", kind_to_wire(kind).to_string()),
    ];
    if matches!(
        kind,
        OrderKind::Limit | OrderKind::StopLimit | OrderKind::TakeProfitLimit
    ) {
        p.push(("timeInForce", tif(order.options.time_in_force).to_string()));
    }
    let price = if kind.has_limit_price() {
        Some(
            order
                .price
                .ok_or_else(|| refuse("a limit order needs a price"))?,
        )
    } else {
        None
    };
    match order.amount {
        Amount::Base(q) => p.push(("quantity", dec(q))),
        Amount::Quote(q) if kind == OrderKind::Market => p.push(("quoteOrderQty", dec(q))),
        Amount::Quote(q) => {
            let px = price
                .or(order.options.stop_price)
                .ok_or_else(|| refuse("a quote amount needs a price to size the order"))?;
            let inst = instrument.ok_or_else(|| {
                ExchangeError::rejected(RejectReason::UnknownSymbol, "unknown symbol")
            })?;
            let qty = inst.qty_for_quote(q, px);
            if qty <= Decimal::ZERO {
                return Err(ExchangeError::rejected(
                    RejectReason::FilterViolation,
                    format!("{q} {} buys less than one lot at {px}", inst.quote),
                ));
            }
            p.push(("quantity", dec(qty)));
        }
    }
    if let Some(px) = price {
        p.push(("price", dec(px)));
    }
    if kind.is_conditional() {
        let stop = order
            .options
            .stop_price
            .ok_or_else(|| refuse("a stop or take-profit order needs a trigger price"))?;
        p.push(("stopPrice", dec(stop)));
    }
    p.push(("newClientOrderId", order.client_order_id.clone()));
    p.push(("newOrderRespType", "FULL".to_string()));
    p.push(("selfTradePreventionMode", "EXPIRE_TAKER".to_string()));
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel_domain::{OrderOptions, Side};

    fn order(kind: OrderKind, price: Option<Decimal>, amount: Amount) -> SubmitOrder {
        SubmitOrder {
            client_order_id: "k1".into(),
            symbol: "BTC/USDT".into(),
            side: Side::Buy,
            kind,
            price,
            amount,
            options: OrderOptions {
                stop_price: Some(Decimal::new(60000, 0)),
                ..OrderOptions::default()
            },
        }
    }

    fn get<'a>(p: &'a [(&'static str, String)], k: &str) -> Option<&'a str> {
        p.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_kind_maps() {
        let m = order_params(
            &order(OrderKind::Market, None, Amount::Quote(Decimal::new(100, 0))),
            "BTCUSDT",
            None,
        )
        .expect("market");
        assert_eq!(get(&m, "quoteOrderQty"), Some("100"));
        assert_eq!(get(&m, "timeInForce"), None);
        assert_eq!(get(&m, "selfTradePreventionMode"), Some("EXPIRE_TAKER"));
        let sl = order_params(
            &order(
                OrderKind::StopLimit,
                Some(Decimal::new(599995, 1)),
                Amount::Base(Decimal::new(10, 4)),
            ),
            "BTCUSDT",
            None,
        )
        .expect("stop limit");
        assert_eq!(get(&sl, "type"), Some("STOP_LOSS_LIMIT"));
        assert_eq!(get(&sl, "price"), Some("59999.5"));
        assert_eq!(get(&sl, "quantity"), Some("0.001"));
        assert_eq!(get(&sl, "stopPrice"), Some("60000"));
        assert_eq!(get(&sl, "timeInForce"), Some("GTC"));
        let lm = order_params(
            &order(
                OrderKind::LimitMaker,
                Some(Decimal::ONE),
                Amount::Base(Decimal::ONE),
            ),
            "BTCUSDT",
            None,
        )
        .expect("limit maker");
        assert_eq!(get(&lm, "timeInForce"), None);
        assert!(
            order_params(
                &order(OrderKind::Limit, None, Amount::Base(Decimal::ONE)),
                "X",
                None
            )
            .is_err()
        );
    }
}
