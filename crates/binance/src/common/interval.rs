//! Binance's kline intervals, shared by spot and USD-M.

use keel_exchange::{ExchangeError, ExchangeResult, RejectReason};

/// The Binance name of a kline interval of `ms` milliseconds. One-second klines exist on spot
/// only (`seconds`); any other length is refused with a message naming it.
pub fn kline_interval(ms: i64, seconds: bool) -> ExchangeResult<&'static str> {
    const M: i64 = 60_000;
    const D: i64 = 1440 * M;
    Ok(match ms {
        1_000 if seconds => "1s",
        M => "1m",
        x if x == 3 * M => "3m",
        x if x == 5 * M => "5m",
        x if x == 15 * M => "15m",
        x if x == 30 * M => "30m",
        x if x == 60 * M => "1h",
        x if x == 120 * M => "2h",
        x if x == 240 * M => "4h",
        x if x == 360 * M => "6h",
        x if x == 480 * M => "8h",
        x if x == 720 * M => "12h",
        D => "1d",
        x if x == 3 * D => "3d",
        x if x == 7 * D => "1w",
        _ => {
            return Err(ExchangeError::rejected(
                RejectReason::Other,
                format!("Binance has no {ms} ms candles"),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_binance_intervals_and_refuses_the_rest() {
        assert_eq!(kline_interval(60_000, false).ok(), Some("1m"));
        assert_eq!(kline_interval(604_800_000, true).ok(), Some("1w"));
        assert_eq!(kline_interval(1_000, true).ok(), Some("1s"));
        assert!(kline_interval(1_000, false).is_err());
        let e = kline_interval(120_000, true).unwrap_err();
        assert!(
            e.to_string().contains("Binance has no 120000 ms candles"),
            "{e}"
        );
    }
}
