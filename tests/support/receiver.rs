//! A webhook receiver for the tests and the bench: `infra/webhook_receiver.py`, which verifies
//! every delivery with the independent `standardwebhooks` library, started on a free port.

use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

pub struct Receiver {
    child: tokio::process::Child,
    pub port: u16,
    http: reqwest::Client,
}

impl Receiver {
    /// Starts one; `any_time` accepts any `webhook-timestamp` (a simulated clock).
    pub async fn start(any_time: bool) -> Self {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut command = tokio::process::Command::new(format!("{root}/.venv/bin/python"));
        command
            .arg(format!("{root}/infra/webhook_receiver.py"))
            .args(["--port", "0", "--quiet"])
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if any_time {
            command.arg("--any-time");
        }
        let mut child = command.spawn().expect("make installs .venv with standardwebhooks");
        let stdout = child.stdout.take().expect("piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .await
            .expect("the receiver says its port");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Self {
            child,
            port,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    async fn put(&self, path: &str, value: Value) {
        let status = self
            .http
            .put(format!("http://127.0.0.1:{}{path}", self.port))
            .json(&value)
            .send()
            .await
            .expect("receiver answers")
            .status();
        assert_eq!(status.as_u16(), 204);
    }

    /// The secrets a delivery may be signed with.
    pub async fn secrets(&self, secrets: &[&str]) {
        self.put("/_secrets", serde_json::json!(secrets)).await;
    }

    /// Answers the next deliveries with these statuses, then 204.
    pub async fn script(&self, statuses: &[u16]) {
        self.put("/_script", serde_json::json!(statuses)).await;
    }

    /// Answers 503 to everything while `down`.
    pub async fn down(&self, down: bool) {
        self.put("/_down", serde_json::json!(down)).await;
    }

    /// Every delivery so far: `webhook_id`, `type`, `verified`, `answered`, `signatures`.
    pub async fn deliveries(&self) -> Vec<Value> {
        self.http
            .get(format!("http://127.0.0.1:{}/_deliveries", self.port))
            .send()
            .await
            .expect("receiver answers")
            .json()
            .await
            .expect("a JSON list")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
