//! Logging and metrics: `tracing` JSON lines on Lambda, readable lines locally, and CloudWatch
//! embedded-metric-format (EMF) records for the figures that matter.

use serde_json::{Map, Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. JSON with the current span's fields on every line when running
/// on Lambda (where CloudWatch parses it), compact text elsewhere. `RUST_LOG` overrides the level.
/// Safe to call more than once (later calls are no-ops), so tests and the local runtime may call it.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let on_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if on_lambda {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .without_time()
            .try_init()
    } else {
        builder.compact().try_init()
    };
}

/// CloudWatch metric namespace of every Switchboard figure.
pub const METRIC_NAMESPACE: &str = "Switchboard";

/// One EMF record: printed as one JSON line on stdout, which CloudWatch turns into metrics without
/// an API call. `dimensions` become metric dimensions; keep their values low-cardinality. Off Lambda
/// (local runtime, tests) the record goes to the debug log instead of cluttering the console.
pub fn emit_metric(name: &str, value: f64, unit: &str, dimensions: &[(&str, &str)]) {
    let record = emf_record(name, value, unit, dimensions, now_millis());
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        println!("{record}");
    } else {
        tracing::debug!(target: "emf", "{record}");
    }
}

fn emf_record(name: &str, value: f64, unit: &str, dimensions: &[(&str, &str)], timestamp_ms: u64) -> String {
    let mut record = Map::new();
    let dimension_names: Vec<&str> = dimensions.iter().map(|(k, _)| *k).collect();
    record.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [dimension_names],
                "Metrics": [{"Name": name, "Unit": unit}],
            }],
        }),
    );
    for (key, val) in dimensions {
        record.insert((*key).into(), Value::String((*val).into()));
    }
    record.insert(name.into(), json!(value));
    Value::Object(record).to_string()
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_record_has_the_metric_its_dimensions_and_the_directive() {
        let line = emf_record(
            "WebhooksAccepted",
            1.0,
            "Count",
            &[("Function", "webhook")],
            1700000000000,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["WebhooksAccepted"], 1.0);
        assert_eq!(v["Function"], "webhook");
        assert_eq!(v["_aws"]["Timestamp"], 1700000000000u64);
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Switchboard");
        assert_eq!(directive["Dimensions"][0][0], "Function");
        assert_eq!(directive["Metrics"][0]["Name"], "WebhooksAccepted");
    }
}
