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

fn eth_btc_csv() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/data/binance_ETHBTC_5m_2018-01.csv")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn backtest_prints_a_report_saves_it_and_emits_the_same_json_twice() {
    let dir = tempfile::tempdir().unwrap();
    let csv = eth_btc_csv();
    let base = [
        "backtest",
        "--strategy",
        "sma_cross",
        "--csv",
        &csv,
        "--interval",
        "5m",
        "--cash",
        "10",
    ];
    let out = keel(dir.path(), &base);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("saved as backtest 1 "), "{stdout}");
    for label in [
        "total return",
        "max drawdown",
        "sharpe",
        "win rate",
        "profit factor",
        "trades",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(label)),
            "{label} missing:\n{stdout}"
        );
    }
    let json = |dir: &std::path::Path| {
        let mut args = base.to_vec();
        args.extend(["--format", "json"]);
        let out = keel(dir, &args);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let a = json(dir.path());
    let report: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(report["bars"], 5760);
    assert!(report["trades"].as_array().unwrap().len() > 20);
    // Deterministic: a second run (into another database) prints the same bytes.
    let other = tempfile::tempdir().unwrap();
    assert_eq!(a, json(other.path()));
}

#[test]
fn backtest_sweeps_and_walks_forward() {
    let dir = tempfile::tempdir().unwrap();
    let csv = eth_btc_csv();
    let args = [
        "backtest",
        "--strategy",
        "sma_cross",
        "--csv",
        &csv,
        "--interval",
        "5m",
        "--cash",
        "10",
        "--sweep",
        "fast=5:20:5",
        "--sweep",
        "slow=30:50:10",
        "--format",
        "json",
    ];
    let out = keel(dir.path(), &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["rows"].as_array().unwrap().len(), 12);
    assert!(result["best"].is_number());
    assert_eq!(result["heatmap"]["xs"].as_array().unwrap().len(), 4);
    let mut wf = args.to_vec();
    wf.extend(["--walk-forward", "2"]);
    let out = keel(dir.path(), &wf);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["folds"].as_array().unwrap().len(), 2);
}

#[test]
fn backtest_bad_input_gets_a_specific_error_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let csv = eth_btc_csv();
    let bad_row = dir.path().join("bad.csv");
    std::fs::write(
        &bad_row,
        "open_time_ms,open,high,low,close,volume\n0,1,2,1,1.5,10\n300000,1,x,1,1,10\n",
    )
    .unwrap();
    let bad = bad_row.to_string_lossy().into_owned();
    for (args, want) in [
        (
            vec![
                "backtest",
                "--strategy",
                "sma_cross",
                "--csv",
                &bad,
                "--interval",
                "5m",
            ],
            "line 3, column high",
        ),
        (
            vec![
                "backtest",
                "--strategy",
                "nope",
                "--csv",
                &csv,
                "--interval",
                "5m",
            ],
            "no built-in strategy \"nope\"",
        ),
        (
            vec![
                "backtest",
                "--strategy",
                "sma_cross",
                "--csv",
                &csv,
                "--interval",
                "5m",
                "--param",
                "fast=40",
            ],
            "parameter \"fast\" is 40, expected a period below slow",
        ),
        (
            vec![
                "backtest",
                "--strategy",
                "sma_cross",
                "--csv",
                &csv,
                "--interval",
                "5m",
                "--fee",
                "2",
            ],
            "taker fee is a fraction",
        ),
        (
            vec![
                "backtest",
                "--strategy",
                "sma_cross",
                "--venue",
                "binance",
                "--symbol",
                "ETH/BTC",
                "--interval",
                "5m",
            ],
            "no candles stored for binance ETH/BTC 5m",
        ),
    ] {
        let out = keel(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(want),
            "{args:?}: want {want:?} in\n{stderr}"
        );
    }
}

#[test]
fn paper_replays_an_imported_session_and_saves_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let trades = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/data/binance_XRPETH_trades_2019-10.csv");
    let out = keel(
        dir.path(),
        &[
            "data",
            "import",
            trades.to_str().unwrap(),
            "--venue",
            "binance",
            "--symbol",
            "XRP/ETH",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = [
        "--strategy",
        "sma_cross",
        "--param",
        "fast=3",
        "--param",
        "slow=8",
        "--param",
        "qty=50",
        "--session",
        "1",
        "--symbol",
        "XRP/ETH",
        "--interval",
        "1m",
        "--cash",
        "10",
    ];
    let mut paper = vec!["paper"];
    paper.extend(args);
    let out = keel(dir.path(), &paper);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("12477 trades seen"), "{stdout}");
    assert!(stdout.contains("0 events missed"), "{stdout}");
    // The paper run's report equals the backtest of the same session.
    let mut bt = vec!["backtest"];
    bt.extend(args);
    bt.extend(["--format", "json"]);
    let backtest = keel(dir.path(), &bt);
    assert!(backtest.status.success());
    let fills = |v: &serde_json::Value| v["metrics"]["fills"].as_u64().unwrap();
    let b: serde_json::Value = serde_json::from_slice(&backtest.stdout).unwrap();
    assert!(
        stdout.contains(&format!("{} fills", fills(&b))),
        "{stdout} vs {} fills",
        fills(&b)
    );
}

#[test]
fn backtest_runs_every_rule_template_and_names_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let csv = eth_btc_csv();
    for template in [
        "sma_cross",
        "ema_cross",
        "rsi_mean_reversion",
        "bollinger_breakout",
        "macd_cross",
    ] {
        let out = keel(
            dir.path(),
            &[
                "backtest",
                "--template",
                template,
                "--csv",
                &csv,
                "--interval",
                "5m",
                "--cash",
                "10",
                "--format",
                "json",
            ],
        );
        assert!(
            out.status.success(),
            "{template}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["bars"], 5760, "{template}");
    }
    let out = keel(
        dir.path(),
        &[
            "backtest",
            "--template",
            "nope",
            "--csv",
            &csv,
            "--interval",
            "5m",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no template \"nope\""));
}
