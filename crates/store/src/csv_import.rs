//! Parsing market-data CSV files (the format of Keel's test data, see `tests/data/README.md`):
//! pure functions, no IO. A file is validated whole before anything is stored, and every error
//! names the place: file, line, column, the bad value and what was expected.
//!
//! - Candles: header `open_time_ms,open,high,low,close,volume`; open times strictly increasing
//!   (and on the interval's grid when one is given); `low <= open, close <= high`; volume >= 0.
//! - Trades: header `time_ms,trade_id,side,price,qty`; times never decreasing; side `buy` or
//!   `sell` (the taker's side); price and quantity positive.
//!
//! Missing candles (a step of more than one interval) are not an error: they come back as
//! [`GapRange`] warnings.

use crate::market_data::GapRange;
use keel_domain::{Candle, Side, Trade};
use rust_decimal::Decimal;

/// The header a candle file must start with.
pub const CANDLE_HEADER: &str = "open_time_ms,open,high,low,close,volume";
/// The header a trade file must start with.
pub const TRADE_HEADER: &str = "time_ms,trade_id,side,price,qty";

/// Why a CSV file was refused. `line` is 1-based (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", place(*.line, .column.as_deref()))]
pub struct CsvImportError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

fn place(line: Option<usize>, column: Option<&str>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        (None, _) => String::new(),
    }
}

/// What a file holds, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    Candles,
    Trades,
}

/// A validated candle file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCandles {
    pub candles: Vec<Candle>,
    /// Missing intervals between rows (only when an interval was given).
    pub gaps: Vec<GapRange>,
}

/// A validated trade file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTrades {
    pub trades: Vec<Trade>,
}

/// Which kind of file `text` is, from its first line.
pub fn detect_kind(file: &str, text: &str) -> Result<CsvKind, CsvImportError> {
    match header_of(text) {
        CANDLE_HEADER => Ok(CsvKind::Candles),
        TRADE_HEADER => Ok(CsvKind::Trades),
        other => Err(CsvImportError {
            file: file.into(),
            line: Some(1),
            column: None,
            message: format!(
                "header {other:?} is neither a candle header ({CANDLE_HEADER}) nor a trade header ({TRADE_HEADER})"
            ),
        }),
    }
}

fn header_of(text: &str) -> &str {
    text.lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('\u{feff}')
        .trim()
}

/// Row-level context for errors.
struct Ctx<'a> {
    file: &'a str,
    line: usize,
}

impl Ctx<'_> {
    fn err(&self, column: Option<&str>, message: String) -> CsvImportError {
        CsvImportError {
            file: self.file.into(),
            line: Some(self.line),
            column: column.map(str::to_string),
            message,
        }
    }

    fn decimal(&self, column: &str, raw: &str) -> Result<Decimal, CsvImportError> {
        let raw = raw.trim();
        raw.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(raw))
            .map_err(|_| self.err(Some(column), format!("{raw:?} is not a number")))
    }

    fn integer(&self, column: &str, raw: &str) -> Result<i64, CsvImportError> {
        let raw = raw.trim();
        raw.parse::<i64>()
            .map_err(|_| self.err(Some(column), format!("{raw:?} is not a whole number")))
    }
}

/// Data lines with their 1-based line numbers, after checking the header. Blank lines are
/// skipped.
fn rows<'a>(
    file: &'a str,
    text: &'a str,
    header: &str,
) -> Result<impl Iterator<Item = (usize, Vec<&'a str>)> + 'a, CsvImportError> {
    let found = header_of(text);
    if found != header {
        return Err(CsvImportError {
            file: file.into(),
            line: Some(1),
            column: None,
            message: format!("header must be {header:?}, found {found:?}"),
        });
    }
    Ok(text
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r').split(',').collect())))
}

fn check_columns(ctx: &Ctx, fields: &[&str], header: &str) -> Result<(), CsvImportError> {
    let want = header.split(',').count();
    if fields.len() != want {
        return Err(ctx.err(
            None,
            format!("{} columns, expected {want} ({header})", fields.len()),
        ));
    }
    Ok(())
}

/// Parses and validates a candle file. With `interval_ms`, open times must lie on the grid of
/// the first row, and missing intervals are returned as gaps.
pub fn parse_candles(
    file: &str,
    text: &str,
    interval_ms: Option<i64>,
) -> Result<ParsedCandles, CsvImportError> {
    let mut candles: Vec<Candle> = Vec::new();
    let mut gaps = Vec::new();
    for (line, fields) in rows(file, text, CANDLE_HEADER)? {
        let ctx = Ctx { file, line };
        check_columns(&ctx, &fields, CANDLE_HEADER)?;
        let candle = Candle {
            open_time_ms: ctx.integer("open_time_ms", fields[0])?,
            open: ctx.decimal("open", fields[1])?,
            high: ctx.decimal("high", fields[2])?,
            low: ctx.decimal("low", fields[3])?,
            close: ctx.decimal("close", fields[4])?,
            volume: ctx.decimal("volume", fields[5])?,
        };
        check_candle(&ctx, &candle)?;
        if let Some(prev) = candles.last() {
            let step = candle.open_time_ms - prev.open_time_ms;
            if step <= 0 {
                return Err(ctx.err(
                    Some("open_time_ms"),
                    format!(
                        "{} is not after the previous row ({})",
                        candle.open_time_ms, prev.open_time_ms
                    ),
                ));
            }
            if let Some(interval) = interval_ms {
                if step % interval != 0 {
                    return Err(ctx.err(
                        Some("open_time_ms"),
                        format!(
                            "{} is not a whole number of {interval} ms intervals after the previous row ({})",
                            candle.open_time_ms, prev.open_time_ms
                        ),
                    ));
                }
                if step > interval {
                    gaps.push(GapRange::new(
                        prev.open_time_ms + interval,
                        candle.open_time_ms,
                        interval,
                    ));
                }
            }
        }
        candles.push(candle);
    }
    Ok(ParsedCandles { candles, gaps })
}

fn check_candle(ctx: &Ctx, c: &Candle) -> Result<(), CsvImportError> {
    for (name, value) in [
        ("open", c.open),
        ("high", c.high),
        ("low", c.low),
        ("close", c.close),
    ] {
        if value <= Decimal::ZERO {
            return Err(ctx.err(Some(name), format!("{value} is not a positive price")));
        }
    }
    if c.volume < Decimal::ZERO {
        return Err(ctx.err(Some("volume"), format!("{} is negative", c.volume)));
    }
    if c.high < c.low {
        return Err(ctx.err(None, format!("high {} is below low {}", c.high, c.low)));
    }
    for (name, value) in [("open", c.open), ("close", c.close)] {
        if value > c.high {
            return Err(ctx.err(None, format!("{name} {value} is above high {}", c.high)));
        }
        if value < c.low {
            return Err(ctx.err(None, format!("{name} {value} is below low {}", c.low)));
        }
    }
    Ok(())
}

/// Parses and validates a trade file.
pub fn parse_trades(file: &str, text: &str) -> Result<ParsedTrades, CsvImportError> {
    let mut trades: Vec<Trade> = Vec::new();
    for (line, fields) in rows(file, text, TRADE_HEADER)? {
        let ctx = Ctx { file, line };
        check_columns(&ctx, &fields, TRADE_HEADER)?;
        let ts_ms = ctx.integer("time_ms", fields[0])?;
        let id = fields[1].trim();
        let id = id.parse::<u64>().map_err(|_| {
            ctx.err(
                Some("trade_id"),
                format!("{id:?} is not a whole number of at least 0"),
            )
        })?;
        let side_raw = fields[2].trim();
        let taker_side = Side::parse(&side_raw.to_ascii_lowercase()).ok_or_else(|| {
            ctx.err(
                Some("side"),
                format!("{side_raw:?} is not a side (buy or sell)"),
            )
        })?;
        let price = ctx.decimal("price", fields[3])?;
        let qty = ctx.decimal("qty", fields[4])?;
        if price <= Decimal::ZERO {
            return Err(ctx.err(Some("price"), format!("{price} is not a positive price")));
        }
        if qty <= Decimal::ZERO {
            return Err(ctx.err(Some("qty"), format!("{qty} is not a positive quantity")));
        }
        if let Some(prev) = trades.last()
            && ts_ms < prev.ts_ms
        {
            return Err(ctx.err(
                Some("time_ms"),
                format!("{ts_ms} is before the previous row ({})", prev.ts_ms),
            ));
        }
        trades.push(Trade {
            id,
            ts_ms,
            price,
            qty,
            taker_side,
        });
    }
    Ok(ParsedTrades { trades })
}

/// Why an import failed: the file was refused (nothing stored), or the database failed (the
/// transaction was rolled back, nothing stored).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Csv(#[from] CsvImportError),
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// `candles` or `trades`.
    pub kind: String,
    #[ts(type = "number")]
    pub rows: u64,
    /// Candles: the interval used (given, or the smallest step in the file).
    #[ts(type = "number | null")]
    pub interval_ms: Option<i64>,
    /// Candles: missing intervals (warnings, not errors).
    pub gaps: Vec<GapRange>,
    /// Trades: the session the trades were stored as.
    #[ts(type = "number | null")]
    pub session_id: Option<i64>,
}

/// The smallest positive step between consecutive open times of a candle file, read before
/// the full validation (which then checks every row against it).
fn infer_interval(text: &str) -> Option<i64> {
    let times: Vec<i64> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.trim().parse().ok())
        .collect();
    times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0)
        .min()
}

impl crate::Store {
    /// Imports a CSV file's text (candles or trades, by its header): validates all of it first,
    /// then stores it in one transaction. Candles go to `candles` under (venue, symbol,
    /// interval); trades become an `imported` recording session named after the file.
    pub async fn import_csv(
        &self,
        file: &str,
        text: &str,
        venue: &str,
        symbol: &str,
        interval_ms: Option<i64>,
    ) -> Result<ImportSummary, ImportError> {
        match detect_kind(file, text)? {
            CsvKind::Candles => {
                let interval = match interval_ms.or_else(|| infer_interval(text)) {
                    Some(i) if i > 0 => i,
                    _ => {
                        return Err(CsvImportError {
                            file: file.into(),
                            line: None,
                            column: None,
                            message: "the candle interval is unknown: give one (e.g. 1m)".into(),
                        }
                        .into());
                    }
                };
                let parsed = parse_candles(file, text, Some(interval))?;
                self.upsert_candles(venue, symbol, interval, &parsed.candles)
                    .await?;
                Ok(ImportSummary {
                    kind: "candles".into(),
                    rows: parsed.candles.len() as u64,
                    interval_ms: Some(interval),
                    gaps: parsed.gaps,
                    session_id: None,
                })
            }
            CsvKind::Trades => {
                let parsed = parse_trades(file, text)?;
                let new = crate::NewSession {
                    name: format!("{file} ({symbol})"),
                    account_id: String::new(),
                    venue: venue.into(),
                    symbols: vec![symbol.into()],
                    kinds: vec!["trades".into()],
                    start_ms: parsed.trades.first().map_or(0, |t| t.ts_ms),
                };
                let id = self
                    .import_trade_session(&new, symbol, &parsed.trades)
                    .await?;
                Ok(ImportSummary {
                    kind: "trades".into(),
                    rows: parsed.trades.len() as u64,
                    interval_ms: None,
                    gaps: Vec::new(),
                    session_id: Some(id),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "open_time_ms,open,high,low,close,volume\n\
        60000,1,2,0.5,1.5,10\n\
        120000,1.5,2,1,1,0\n\
        300000,1,1.2,0.9,1.1,3\n";

    #[test]
    fn a_valid_file_parses_with_its_gap() {
        let p = parse_candles("f.csv", GOOD, Some(60_000)).expect("valid");
        assert_eq!(p.candles.len(), 3);
        assert_eq!(p.candles[2].high, Decimal::new(12, 1));
        assert_eq!(p.gaps, vec![GapRange::new(180_000, 300_000, 60_000)]);
        assert_eq!(p.gaps[0].missing, 2);
    }

    #[test]
    fn scientific_notation_is_a_number() {
        let text = "open_time_ms,open,high,low,close,volume\n0,1e-05,2E-05,1e-05,1e-05,1\n";
        let p = parse_candles("f.csv", text, None).expect("valid");
        assert_eq!(p.candles[0].open, Decimal::new(1, 5));
    }

    #[test]
    fn errors_name_line_column_value_and_expectation() {
        let bad = GOOD.replace("120000,1.5,2,1,1,0", "120000,1.5,abc,1,1,0");
        let e = parse_candles("f.csv", &bad, None).expect_err("bad");
        assert_eq!(
            e.to_string(),
            "f.csv: line 3, column high: \"abc\" is not a number"
        );

        let bad = GOOD.replace("120000,1.5,2,1,1,0", "120000,1.5,1.2,1.3,1.25,0");
        let e = parse_candles("f.csv", &bad, None).expect_err("bad");
        assert_eq!(e.to_string(), "f.csv: line 3: high 1.2 is below low 1.3");

        let bad = GOOD.replace("300000", "60000");
        let e = parse_candles("f.csv", &bad, None).expect_err("bad");
        assert_eq!(
            e.to_string(),
            "f.csv: line 4, column open_time_ms: 60000 is not after the previous row (120000)"
        );

        let bad = GOOD.replace("300000", "330000");
        let e = parse_candles("f.csv", &bad, Some(60_000)).expect_err("off grid");
        assert_eq!(e.line, Some(4));

        let e = parse_candles("f.csv", "time,o,h\n1,2,3\n", None).expect_err("header");
        assert_eq!(e.line, Some(1));
        let e = parse_candles(
            "f.csv",
            &GOOD.replace("120000,1.5,2,1,1,0", "120000,1.5,2"),
            None,
        )
        .expect_err("columns");
        assert_eq!(
            e.to_string(),
            "f.csv: line 3: 3 columns, expected 6 (open_time_ms,open,high,low,close,volume)"
        );
    }

    #[test]
    fn trades_validate_side_and_time_order() {
        let good = "time_ms,trade_id,side,price,qty\n5,1,buy,1.5,2\n5,2,sell,1.4,1\n";
        let p = parse_trades("t.csv", good).expect("valid");
        assert_eq!(p.trades.len(), 2);
        assert_eq!(p.trades[1].taker_side, Side::Sell);
        let e = parse_trades("t.csv", &good.replace("sell", "hold")).expect_err("side");
        assert_eq!(
            e.to_string(),
            "t.csv: line 3, column side: \"hold\" is not a side (buy or sell)"
        );
        let e = parse_trades("t.csv", &good.replace("5,2,", "4,2,")).expect_err("time");
        assert_eq!(e.column.as_deref(), Some("time_ms"));
        assert_eq!(detect_kind("t.csv", good), Ok(CsvKind::Trades));
        assert_eq!(detect_kind("f.csv", GOOD), Ok(CsvKind::Candles));
    }
}
