//! EventBridge schedules, locally: fires a scheduled function's handler every `rate(...)`.

use crate::functions::ScheduledHandler;
use std::time::Duration;
use tracing::{info, warn};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0:?} is not a rate(...) expression the local runtime can run (cron(...) is not supported locally yet)")]
    Unsupported(String),
}

/// Parses `rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)`, `rate(2 days)`.
pub fn parse_rate(expression: &str) -> Result<Duration, ScheduleError> {
    let unsupported = || ScheduleError::Unsupported(expression.to_string());
    let inner = expression
        .trim()
        .strip_prefix("rate(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(unsupported)?;
    let (count, unit) = inner.trim().split_once(' ').ok_or_else(unsupported)?;
    let count: u64 = count.parse().ok().filter(|c| *c > 0).ok_or_else(unsupported)?;
    let seconds = match (unit.trim(), count) {
        ("minute", 1) | ("minutes", 2..) => 60,
        ("hour", 1) | ("hours", 2..) => 3_600,
        ("day", 1) | ("days", 2..) => 86_400,
        _ => return Err(unsupported()),
    };
    Ok(Duration::from_secs(count * seconds))
}

/// The event EventBridge sends to a scheduled target.
pub fn scheduled_event(rule_arn: &str, region: &str, account_id: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "0",
        "id": ulid::Ulid::new().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    })
}

pub async fn run(
    function: String,
    every: Duration,
    handler: ScheduledHandler,
    event: impl Fn() -> serde_json::Value,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(every);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = ticker.tick() => match handler(event()).await {
                Ok(()) => info!(%function, "scheduled run done"),
                Err(err) => warn!(%function, "scheduled run failed: {err}"),
            },
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_aws_grammar() {
        assert_eq!(parse_rate("rate(1 minute)"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_rate("rate(5 minutes)"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_rate("rate(2 hours)"), Ok(Duration::from_secs(7_200)));
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "cron(0 * * * ? *)",
            "rate(x minutes)",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
