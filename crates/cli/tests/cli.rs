//! The `keel` binary, run as a trader would run it.

use std::process::Command;

fn keel(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("run keel")
}

#[test]
fn demo_prints_prices_and_the_fill_then_export_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = keel(dir.path(), &["demo", "--seconds", "3", "--buy", "0.001"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("price BTC/USDT ")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("fill BTC/USDT buy ")),
        "{stdout}"
    );

    let csv = dir.path().join("fills.csv");
    let out = keel(
        dir.path(),
        &["export", "--format", "csv", "--out", csv.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "time_utc,venue,account,symbol,side,price,quantity,quote_amount,fee,fee_asset,order_id,trade_id"
        )
    );
    let qty: f64 = lines
        .map(|l| l.split(',').nth(6).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((qty - 0.001).abs() < 1e-12, "exported quantity {qty}");
}

#[test]
fn bad_input_gets_a_clear_error_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = keel(
        dir.path(),
        &["demo", "--seconds", "2", "--buy", "0.0000001"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: Quantity 0.0000001 is below the minimum"),
        "{stderr}"
    );

    let out = keel(
        dir.path(),
        &["export", "--side", "sideways", "--out", "x.csv"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("side must be buy or sell"));
}
