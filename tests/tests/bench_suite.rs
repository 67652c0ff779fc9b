//! The benchmark suite's run-time half still runs: `bench` measures the Orders connector against
//! the floor proxy and the API over every transport, with a handful of calls, and every series
//! it reports has its samples. (The figures themselves come from `benches/suite.sh`, in release;
//! nothing here is timed.)

use serde_json::Value;

#[test]
fn bench_measures_every_series_against_its_references() {
    let connector = mcpgen_e2e::connector_binary("orders");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("run")
        .args(["--connector", connector.to_str().unwrap()])
        .args(["--floor", env!("CARGO_BIN_EXE_floor")])
        .args(["--async-floor", env!("CARGO_BIN_EXE_async_floor")])
        .args(["--env", "ORDERS_API_KEY_AUTH=bench-key"])
        .args(["--base-var", "ORDERS_BASE_URL", "--base-path", "/v1"])
        .args([
            "--tool",
            "getOrder",
            "--arguments",
            r#"{"orderId":"ord_000000000001"}"#,
        ])
        .args(["--path", "/v1/orders/{orderId}"])
        .args([
            "--calls",
            "20",
            "--clients",
            "2",
            "--client-calls",
            "5",
            "--starts",
            "1",
        ])
        .args(["--out", report.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "bench failed: {status}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let series = [
        "/direct/call",
        "/startup/floor/first_list",
        "/startup/connector/first_list",
        "/stdio/floor_ping",
        "/stdio/floor_call",
        "/stdio/connector_ping",
        "/stdio/connector_call",
        "/stdio/async_floor_ping",
        "/stdio/async_floor_call",
        "/http/floor_ping",
        "/http/floor_call",
        "/http/session_ping",
        "/http/session_call",
        "/http/stateless_ping",
        "/http/stateless_call",
        "/throughput/floor",
        "/throughput/session",
        "/throughput/stateless",
    ];
    for pointer in series {
        let samples = report
            .pointer(&format!("{pointer}/n"))
            .and_then(Value::as_u64);
        assert!(samples.is_some_and(|n| n > 0), "{pointer}: {report:#}");
        let p50 = report
            .pointer(&format!("{pointer}/p50_us"))
            .and_then(Value::as_f64);
        assert!(p50.is_some_and(|us| us > 0.0), "{pointer}: {report:#}");
    }
    // The connector lists its 14 tools; the floor its one.
    assert_eq!(
        report.pointer("/startup/connector/tools"),
        Some(&Value::from(14))
    );
    assert_eq!(
        report.pointer("/startup/floor/tools"),
        Some(&Value::from(1))
    );
    let calls_per_sec = report.pointer("/throughput/stateless/calls_per_sec");
    assert!(
        calls_per_sec
            .and_then(Value::as_f64)
            .is_some_and(|c| c > 0.0)
    );
}
