//! The agent API against moto, by context (`access`, `desk`, `inbox`, `care`, `outreach`), plus
//! tenant isolation driven by the route table and the documented errors for bad input. An admin's
//! walks through the routes are one test per area; together they call every route (checked by
//! the last walk to finish, see [`Walk::done`]).

use crate::api::now;
use api::routes::{Body as RouteBody, Operation, ROUTES};
use integration_tests::outreach::OutreachFixture;
use integration_tests::*;
use integration_tests::{Fixture, Tenant};
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

mod access;
mod ai;
mod ai_desk;
mod automation;
mod bad_input;
mod bot;
mod care;
mod desk;
mod inbox;
mod integrations;
mod outreach;
mod rich_sends;
mod roles;
mod tenancy;

/// The admin walks (tests ending in [`Walk::done`]) and the operations they called so far.
const WALKS: usize = 16;
static WALKED: Mutex<(usize, BTreeSet<String>)> = Mutex::new((0, BTreeSet::new()));

/// Calls the API and remembers which operations were exercised.
pub(crate) struct Walk<'a> {
    f: &'a Fixture,
    seen: Mutex<BTreeSet<String>>,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(f: &'a Fixture) -> Self {
        Self {
            f,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    pub(crate) async fn call(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
        if let Ok((route, _)) = api::routes::find(method, path.split('?').next().unwrap()) {
            self.seen.lock().unwrap().insert(format!("{:?}", route.operation));
        }
        let text = body.map(|b| b.to_string());
        self.f.call(method, path, Some(key), text.as_deref()).await
    }

    /// The end of an admin's walk: its operations join the others'; the last walk to finish
    /// checks that together they called every route (a filtered run checks nothing).
    pub(crate) fn done(self) {
        let seen = self.seen.into_inner().unwrap();
        let mut walked = WALKED.lock().unwrap_or_else(|e| e.into_inner());
        walked.0 += 1;
        walked.1.extend(seen);
        if walked.0 == WALKS {
            let missing: Vec<String> = ROUTES
                .iter()
                .map(|r| format!("{:?}", r.operation))
                .filter(|op| !walked.1.contains(op))
                .collect();
            assert!(missing.is_empty(), "routes no walk called: {missing:?}");
        }
    }

    pub(crate) async fn expect(
        &self,
        status: StatusCode,
        method: &str,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Value {
        let (got, value) = self.call(method, path, key, body).await;
        assert_eq!(got, status, "{method} {path}: {value}");
        value
    }
}

pub(crate) async fn key_for(w: &Walk<'_>, admin: &str, agent_id: &str, scopes: Value) -> String {
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/api-keys",
            admin,
            Some(json!({"name": "test", "agent_id": agent_id, "scopes": scopes})),
        )
        .await;
    created["plaintext_key"].as_str().unwrap().to_string()
}

pub(crate) async fn agent(w: &Walk<'_>, admin: &str, email: &str, role: &str) -> String {
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/agents",
            admin,
            Some(json!({"email": email, "full_name": format!("Agent {email}"), "role": role})),
        )
        .await;
    created["id"].as_str().unwrap().to_string()
}

pub(crate) async fn division(w: &Walk<'_>, admin: &str, name: &str) -> String {
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/divisions",
            admin,
            Some(json!({"name": name, "allocation_method": "least_busy"})),
        )
        .await;
    created["id"].as_str().unwrap().to_string()
}

pub(crate) fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The last walk checks the routes only if [`WALKS`] counts every walk.
#[test]
fn every_walk_is_counted() {
    let sources = [
        include_str!("access.rs"),
        include_str!("ai.rs"),
        include_str!("ai_desk.rs"),
        include_str!("automation.rs"),
        include_str!("bad_input.rs"),
        include_str!("bot.rs"),
        include_str!("care.rs"),
        include_str!("desk.rs"),
        include_str!("inbox.rs"),
        include_str!("integrations.rs"),
        include_str!("outreach.rs"),
        include_str!("roles.rs"),
        include_str!("tenancy.rs"),
    ];
    let walks: usize = sources.iter().map(|s| s.matches("    w.done();").count()).sum();
    assert_eq!(walks, WALKS, "WALKS must count the tests that end in `w.done()`");
}
