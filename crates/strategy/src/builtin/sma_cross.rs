//! The moving-average cross of the benchmark: long only, a fixed quantity.

use keel_domain::Side;
use keel_indicators::{Indicator, Sma};
use rust_decimal::Decimal;

use crate::{Bar, Ctx, OrderIntent, ParamError, ParamSet, Sizing, Strategy};

/// SMA(fast) / SMA(slow) cross on closes. Buys `qty` at market when the fast average crosses
/// above the slow one while flat (`fast[i-1] <= slow[i-1] && fast[i] > slow[i]`), sells the whole
/// position at market on the cross below (`fast[i-1] >= slow[i-1] && fast[i] < slow[i]`).
/// A cross needs both averages on two consecutive bars.
#[derive(Debug, Clone)]
pub struct SmaCross {
    fast: Sma,
    slow: Sma,
    qty: Decimal,
    prev: Option<(f64, f64)>,
}

impl SmaCross {
    /// Entry tag of the buy orders; exits use `EXIT`.
    pub const ENTRY: u32 = 1;
    /// Tag of the exit orders.
    pub const EXIT: u32 = 2;

    /// A cross of `fast` over `slow` bars trading `qty` units.
    pub fn new(fast: u32, slow: u32, qty: Decimal) -> Result<SmaCross, ParamError> {
        let invalid = |name: &str, value: u32, expected: &str| ParamError::Invalid {
            name: name.to_owned(),
            value: f64::from(value),
            expected: expected.to_owned(),
        };
        if fast >= slow {
            return Err(invalid("fast", fast, "a period below slow"));
        }
        let fast_sma = Sma::new(fast as usize).map_err(|_| invalid("fast", fast, "at least 1"))?;
        let slow_sma = Sma::new(slow as usize).map_err(|_| invalid("slow", slow, "at least 2"))?;
        Ok(SmaCross {
            fast: fast_sma,
            slow: slow_sma,
            qty,
            prev: None,
        })
    }

    /// Parameter defaults: fast 10, slow 30, qty 1.
    pub const DEFAULTS: [(&'static str, f64); 3] = [("fast", 10.0), ("slow", 30.0), ("qty", 1.0)];

    /// From parameters `fast`, `slow` and `qty`; a missing one takes its default.
    pub fn from_params(p: &ParamSet) -> Result<SmaCross, ParamError> {
        let mut full = ParamSet::of(&Self::DEFAULTS);
        full.0.extend(p.0.iter().map(|(k, v)| (k.clone(), *v)));
        let p = &full;
        let qty = p.get("qty")?;
        let qty = Decimal::try_from(qty).map_err(|_| ParamError::Invalid {
            name: "qty".into(),
            value: qty,
            expected: "a positive quantity".into(),
        })?;
        SmaCross::new(p.int("fast", 1)?, p.int("slow", 2)?, qty)
    }
}

impl Strategy for SmaCross {
    #[inline]
    fn on_bar(&mut self, bar: &Bar, ctx: &mut Ctx<'_>) {
        let f = self.fast.update(bar.close);
        let s = self.slow.update(bar.close);
        let (Some(f), Some(s)) = (f, s) else {
            return;
        };
        if let Some((pf, ps)) = self.prev {
            if pf <= ps && f > s && ctx.is_flat() {
                ctx.submit(OrderIntent::market(
                    Self::ENTRY,
                    Side::Buy,
                    Sizing::Units(self.qty),
                ));
            } else if pf >= ps && f < s && ctx.position > 0.0 {
                let mut exit = OrderIntent::market(Self::EXIT, Side::Sell, Sizing::Position);
                exit.reduce_only = true;
                ctx.submit(exit);
            }
        }
        self.prev = Some((f, s));
    }
}
