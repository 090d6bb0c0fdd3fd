//! Message templates on the fake: create (`PENDING`), list (cursor-paged like Graph), delete, and a
//! review that approves or rejects each new template after a delay with a signed
//! `message_template_status_update` webhook.

use crate::webhooks::StatusWebhooks;
use crate::{FakeGraph, graph_error, respond};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::{Value, json};
use std::time::Duration;

/// One template as the fake's WABA holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeTemplate {
    pub id: String,
    pub waba_id: String,
    pub name: String,
    pub language: String,
    pub category: String,
    pub status: String,
    pub components: Value,
    pub parameter_format: String,
}

impl FakeTemplate {
    fn listed(&self) -> Value {
        json!({"id": self.id, "name": self.name, "language": self.language, "category": self.category,
               "status": self.status, "components": self.components, "parameter_format": self.parameter_format})
    }
}

/// How the fake reviews new templates: after `delay`, `verdict` (APPROVED or REJECTED, with
/// `reason`), reported to `webhooks`.
#[derive(Debug, Clone)]
pub struct Review {
    pub webhooks: StatusWebhooks,
    pub delay: Duration,
    pub verdict: String,
    pub reason: String,
}

/// Graph lists this many per page unless asked for fewer.
const PAGE: usize = 25;

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| {
            let mut out = Vec::new();
            let bytes = value.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%'
                    && let Some(Ok(b)) = value.get(i + 1..i + 3).map(|hex| u8::from_str_radix(hex, 16))
                {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        })
    })
}

impl FakeGraph {
    /// New templates are reviewed this way from now on.
    pub fn review_templates(&self, review: Review) {
        self.state().review = Some(review);
    }

    /// Adds a template as if made in Meta's manager (found by a sync, unknown to Switchboard).
    pub fn add_template(&self, template: FakeTemplate) {
        self.state().templates.push(template);
    }

    /// Removes a template as a deletion in Meta's manager would (no webhook).
    pub fn remove_template(&self, waba_id: &str, name: &str, language: &str) {
        self.state()
            .templates
            .retain(|t| !(t.waba_id == waba_id && t.name == name && t.language == language));
    }

    pub fn templates_of(&self, waba_id: &str) -> Vec<FakeTemplate> {
        self.state()
            .templates
            .iter()
            .filter(|t| t.waba_id == waba_id)
            .cloned()
            .collect()
    }

    /// Sets a template's status on Meta's side and reports it to `webhooks`, as a review, a
    /// quality pause or a disabling would.
    pub async fn set_template_status(
        &self,
        webhooks: &StatusWebhooks,
        name: &str,
        language: &str,
        status: &str,
        reason: &str,
    ) {
        let found = {
            let mut state = self.state();
            let found = state
                .templates
                .iter_mut()
                .find(|t| t.waba_id == webhooks.waba_id && t.name == name && t.language == language);
            found.map(|t| {
                t.status = status.to_string();
                t.clone()
            })
        };
        let Some(template) = found else { return };
        let value = json!({
            "event": status,
            "message_template_id": template.id.parse::<u64>().unwrap_or_default(),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "message_template_category": template.category,
            "reason": reason,
        });
        self.deliver(webhooks, "message_template_status_update", value).await;
    }

    pub(crate) fn templates(
        &self,
        method: &str,
        waba_id: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> hyper::Response<Full<Bytes>> {
        match method {
            "POST" => self.create_template(waba_id, body),
            "GET" => self.list_templates(waba_id, query),
            "DELETE" => self.delete_template(waba_id, query),
            _ => graph_error(400, 100, "Unsupported method on message_templates"),
        }
    }

    fn create_template(&self, waba_id: &str, body: &[u8]) -> hyper::Response<Full<Bytes>> {
        let Ok(definition) = serde_json::from_slice::<Value>(body) else {
            return graph_error(400, 100, "Invalid parameter: body is not JSON");
        };
        let text = |name: &str| definition[name].as_str().unwrap_or_default().to_string();
        let (name, language, category) = (text("name"), text("language"), text("category"));
        if name.is_empty() || language.is_empty() || category.is_empty() || !definition["components"].is_array() {
            return graph_error(
                400,
                100,
                "Invalid parameter: name, language, category and components are required",
            );
        }
        let id: u64 = rand::random::<u64>() % 9_000_000_000_000_000 + 1_000_000_000_000_000;
        let template = FakeTemplate {
            id: id.to_string(),
            waba_id: waba_id.to_string(),
            name: name.clone(),
            language: language.clone(),
            category: category.clone(),
            status: "PENDING".into(),
            components: definition["components"].clone(),
            parameter_format: definition["parameter_format"]
                .as_str()
                .unwrap_or("POSITIONAL")
                .to_string(),
        };
        let review = {
            let mut state = self.state();
            if state
                .templates
                .iter()
                .any(|t| t.waba_id == waba_id && t.name == name && t.language == language)
            {
                return graph_error(
                    400,
                    100,
                    "Invalid parameter: a message template with this name and language already exists (subcode 2388024)",
                );
            }
            state.templates.push(template);
            state.review.clone().filter(|r| r.webhooks.waba_id == waba_id)
        };
        if let Some(review) = review {
            let fake = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(review.delay).await;
                fake.set_template_status(&review.webhooks, &name, &language, &review.verdict, &review.reason)
                    .await;
            });
        }
        let answer = json!({"id": id.to_string(), "status": "PENDING", "category": category});
        respond(200, "application/json", Bytes::from(answer.to_string()))
    }

    fn list_templates(&self, waba_id: &str, query: Option<&str>) -> hyper::Response<Full<Bytes>> {
        let limit = query_value(query, "limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(PAGE)
            .clamp(1, 100);
        let start = query_value(query, "after")
            .and_then(|a| a.strip_prefix("cursor-").and_then(|n| n.parse::<usize>().ok()))
            .unwrap_or(0);
        let all = self.templates_of(waba_id);
        let page: Vec<Value> = all.iter().skip(start).take(limit).map(FakeTemplate::listed).collect();
        let end = start + page.len();
        let mut paging = json!({"cursors": {"before": format!("cursor-{start}"), "after": format!("cursor-{end}")}});
        if end < all.len() {
            paging["next"] = json!(format!("{}/next?after=cursor-{end}", self.base_url()));
        }
        let answer = json!({"data": page, "paging": paging});
        respond(200, "application/json", Bytes::from(answer.to_string()))
    }

    fn delete_template(&self, waba_id: &str, query: Option<&str>) -> hyper::Response<Full<Bytes>> {
        let Some(name) = query_value(query, "name") else {
            return graph_error(400, 100, "Invalid parameter: name is required");
        };
        let hsm_id = query_value(query, "hsm_id");
        let mut state = self.state();
        let before = state.templates.len();
        state
            .templates
            .retain(|t| !(t.waba_id == waba_id && t.name == name && hsm_id.as_ref().is_none_or(|id| &t.id == id)));
        if state.templates.len() == before {
            return graph_error(404, 100, "Message template not found");
        }
        respond(
            200,
            "application/json",
            Bytes::from(json!({"success": true}).to_string()),
        )
    }
}
