//! CSV export of fills: UTC ISO-8601 times, decimals as exact strings, one fill per row.

use crate::{FillFilter, Store, StoreError, StoreResult};
use keel_domain::Fill;
use std::io::Write;
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const CSV_HEADER: [&str; 12] = [
    "time_utc",
    "venue",
    "account",
    "symbol",
    "side",
    "price",
    "quantity",
    "quote_amount",
    "fee",
    "fee_asset",
    "order_id",
    "trade_id",
];

fn iso_utc(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// Writes fills as CSV with [`CSV_HEADER`]; returns the number of rows.
pub fn write_fills_csv<W: Write>(out: W, fills: &[Fill]) -> Result<u64, csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for f in fills {
        w.write_record([
            iso_utc(f.ts_ms).as_str(),
            &f.venue,
            &f.account_id,
            &f.symbol,
            f.side.as_str(),
            &f.price.normalize().to_string(),
            &f.qty.normalize().to_string(),
            &f.quote_qty.normalize().to_string(),
            &f.fee.normalize().to_string(),
            &f.fee_asset,
            &f.venue_order_id,
            &f.trade_id,
        ])?;
    }
    w.flush()?;
    Ok(fills.len() as u64)
}

impl Store {
    /// Exports the fills matching `filter`, oldest first, to `path`. The file is written beside
    /// its destination and renamed into place, so a failed export never leaves half a file.
    pub async fn export_fills_csv(&self, filter: &FillFilter, path: &Path) -> StoreResult<u64> {
        let mut fills = self.fills(filter).await?;
        fills.reverse();
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = std::path::PathBuf::from(tmp);
        let file = std::fs::File::create(&tmp).map_err(io)?;
        let rows = match write_fills_csv(std::io::BufWriter::new(&file), &fills) {
            Ok(rows) => rows,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(rows)
    }
}
