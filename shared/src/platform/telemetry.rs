//! Logging and metrics: `tracing` JSON lines on Lambda, readable lines locally, and CloudWatch
//! embedded-metric-format (EMF) records for the figures that matter.

use serde_json::{Map, Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber. JSON with the current span's fields on every line when running
/// on Lambda (where CloudWatch parses it), compact text elsewhere. `RUST_LOG` overrides the level.
/// Safe to call more than once (later calls are no-ops), so tests and the local runtime may call it.
pub fn init_tracing() {
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let on_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let fmt = tracing_subscriber::fmt::layer().with_target(false);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if on_lambda {
        let json = fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .without_time();
        registry.with(json).try_init()
    } else {
        registry.with(fmt.compact()).try_init()
    };
}

/// `RUST_LOG` as `level` or `target=level` directives, comma-separated (`info`,
/// `warn,ingest=debug`); anything else logs at `info`. Targets, not `EnvFilter`: span and field
/// filters are never used here, and `EnvFilter` links a regex engine into every function.
fn log_filter(directives: Option<&str>) -> Targets {
    let is_level = |l: &str| l.parse::<LevelFilter>().is_ok();
    let is_target = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    let well_formed = |d: &str| {
        d.split(',').map(str::trim).all(|part| match part.split_once('=') {
            Some((target, level)) => is_target(target) && is_level(level),
            None => is_level(part),
        })
    };
    directives
        .map(str::trim)
        .filter(|d| !d.is_empty() && well_formed(d))
        .and_then(|d| d.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
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
    fn rust_log_takes_levels_and_targets_and_falls_back_to_info() {
        use tracing::Level;
        let default = log_filter(None);
        assert!(default.would_enable("ingest", &Level::INFO) && !default.would_enable("ingest", &Level::DEBUG));
        let targeted = log_filter(Some("warn,ingest=debug"));
        assert!(targeted.would_enable("ingest", &Level::DEBUG));
        assert!(!targeted.would_enable("sender", &Level::INFO));
        assert!(log_filter(Some("info[span]")).would_enable("x", &Level::INFO));
    }

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
