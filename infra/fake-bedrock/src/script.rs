//! What the fake model says, decided from the request alone (pure, so a test can read it):
//!
//! 1. The last message carries a `toolResult`: it answers in text with what the tool returned
//!    (`Here is what I found: …`).
//! 2. The customer asks for a person (`person`, `human`, `someone`, `agent`, `representative`) and
//!    the request offers a `handoff` tool: it calls `handoff` with `{"reason": "the customer asked
//!    for a person"}`.
//! 3. `route_to_agent` is offered and the customer's words share one with a target's condition (its
//!    description's `<id> (<name>): <condition>` lines, in order): it calls `route_to_agent` with
//!    that id. Else, the customer asks a price (`price`, `cost`, `how much`) and `lookup_product`
//!    is offered: it calls `lookup_product` with `{"query": <the customer's words>}`.
//! 4. The system prompt holds lines under `Knowledge:` (up to a blank line): it answers with the
//!    line sharing the most words with the customer's message (`According to what we know: …`).
//! 5. Otherwise: `Thanks for your message! How can I help you further?`
//!
//! Tokens are counted as a quarter of the characters, rounded up (at least 1), so usage is
//! repeatable. Embeddings hash character trigrams into `dimensions` buckets and normalize, so
//! texts sharing words lie close.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Tokens of a text, as the fake counts them.
pub fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4).max(1)
}

fn texts(content: &Value) -> Vec<String> {
    content
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|block| block.get("text").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn offered(request: &Value, tool: &str) -> bool {
    request
        .pointer("/toolConfig/tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| t.pointer("/toolSpec/name").and_then(Value::as_str) == Some(tool))
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_string)
        .collect()
}

/// The assistant's content blocks and stop reason for a Converse request body.
pub fn converse(request: &Value) -> (Vec<Value>, &'static str) {
    let last = request
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    let content = last.get("content").cloned().unwrap_or_default();
    if let Some(result) = content
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|block| block.get("toolResult"))
    {
        let found: Vec<String> = result
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| match (c.get("text"), c.get("json")) {
                (Some(text), _) => text.as_str().unwrap_or_default().to_string(),
                (None, Some(json)) => json.to_string(),
                _ => String::new(),
            })
            .collect();
        let text = format!("Here is what I found: {}", found.join(" "));
        return (vec![json!({"text": text})], "end_turn");
    }
    let said = texts(&content).join(" ");
    let lower = said.to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let tool_use = |name: &str, input: Value| {
        let id = hex(&Sha256::digest(format!("{name}:{said}").as_bytes()))[..16].to_string();
        json!({"toolUse": {"toolUseId": format!("tooluse_{id}"), "name": name, "input": input}})
    };
    if offered(request, "handoff") && has(&["person", "human", "someone", "agent", "representative"]) {
        return (
            vec![tool_use(
                "handoff",
                json!({"reason": "the customer asked for a person"}),
            )],
            "tool_use",
        );
    }
    if let Some(target) = routed_to(request, &said) {
        return (
            vec![tool_use("route_to_agent", json!({"ai_agent_id": target}))],
            "tool_use",
        );
    }
    if offered(request, "lookup_product") && has(&["price", "cost", "how much"]) {
        return (vec![tool_use("lookup_product", json!({"query": said}))], "tool_use");
    }
    let system = request.get("system").map(texts).unwrap_or_default().join("\n");
    if let Some((_, knowledge)) = system.split_once("Knowledge:") {
        let asked = words(&said);
        let best = knowledge
            .trim_start_matches(['\n', '\r'])
            .lines()
            .map(str::trim)
            .take_while(|l| !l.is_empty())
            .map(|line| (words(line).iter().filter(|w| asked.contains(w)).count(), line))
            .max_by_key(|(shared, _)| *shared);
        if let Some((shared, line)) = best
            && shared > 0
        {
            return (
                vec![json!({"text": format!("According to what we know: {line}")})],
                "end_turn",
            );
        }
    }
    (
        vec![json!({"text": "Thanks for your message! How can I help you further?"})],
        "end_turn",
    )
}

/// The agent `route_to_agent` would pass the customer to: the first target (in the tool's order)
/// whose condition (`<id> (<name>): <condition>` lines of its description) shares a word with
/// what the customer said.
fn routed_to(request: &Value, said: &str) -> Option<String> {
    let tool = request
        .pointer("/toolConfig/tools")
        .and_then(Value::as_array)?
        .iter()
        .find(|t| t.pointer("/toolSpec/name").and_then(Value::as_str) == Some("route_to_agent"))?;
    let asked = words(said);
    tool.pointer("/toolSpec/description")
        .and_then(Value::as_str)?
        .lines()
        .filter_map(|line| {
            let (head, condition) = line.split_once(": ")?;
            let id = head.split(' ').next()?;
            words(condition)
                .iter()
                .any(|w| asked.contains(w))
                .then(|| id.to_string())
        })
        .next()
}

/// The tokens a Converse request spends as input: its system prompt, messages and tools.
pub fn input_tokens(request: &Value) -> u64 {
    let mut text = String::new();
    for part in ["system", "messages", "toolConfig"] {
        if let Some(value) = request.get(part) {
            text.push_str(&value.to_string());
        }
    }
    tokens(&text)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A deterministic embedding of `text` in `dimensions` (normalized to unit length).
pub fn embedding(text: &str, dimensions: usize) -> Vec<f64> {
    let mut vector = vec![0.0; dimensions.max(1)];
    let padded: Vec<char> = format!("  {}  ", text.to_lowercase()).chars().collect();
    for gram in padded.windows(3) {
        let digest = Sha256::digest(gram.iter().collect::<String>().as_bytes());
        let bucket = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) as usize % vector.len();
        vector[bucket] += if digest[4] % 2 == 0 { 1.0 } else { -1.0 };
    }
    let norm = vector.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
    vector
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(text: &str, tools: &[&str], system: &str) -> (Vec<Value>, &'static str) {
        let tools: Vec<Value> = tools
            .iter()
            .map(|name| json!({"toolSpec": {"name": name, "inputSchema": {"json": {"type": "object"}}}}))
            .collect();
        converse(&json!({"system": [{"text": system}], "toolConfig": {"tools": tools},
            "messages": [{"role": "user", "content": [{"text": text}]}]}))
    }

    #[test]
    fn the_script_calls_tools_only_when_offered_and_answers_from_knowledge() {
        let (blocks, stop) = ask("Can I talk to a person?", &["handoff"], "");
        assert_eq!(
            (blocks[0]["toolUse"]["name"].as_str(), stop),
            (Some("handoff"), "tool_use")
        );
        let (blocks, _) = ask("Can I talk to a person?", &[], "");
        assert!(blocks[0]["text"].is_string(), "no handoff tool: a text");
        let (blocks, _) = ask("How much are the navy shoes?", &["lookup_product", "handoff"], "");
        assert_eq!(blocks[0]["toolUse"]["input"]["query"], "How much are the navy shoes?");
        let (blocks, _) = ask(
            "When do you open on Saturday?",
            &[],
            "Be kind.\nKnowledge:\nWe ship in 2 days.\nWe open Saturday at 10.",
        );
        assert_eq!(blocks[0]["text"], "According to what we know: We open Saturday at 10.");
        let after = converse(&json!({"messages": [{"role": "user", "content": [{"toolResult": {
            "toolUseId": "t1", "content": [{"json": {"price": "12.50"}}]}}]}]}));
        assert!(after.0[0]["text"].as_str().unwrap().contains("12.50"));
    }

    #[test]
    fn similar_texts_have_close_embeddings() {
        let cosine = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let shipping = embedding("How long does shipping take?", 256);
        let delivery = embedding("how long does the shipping take", 256);
        let opening = embedding("Opening hours on Saturday", 256);
        assert_eq!(shipping, embedding("How long does shipping take?", 256));
        assert!(cosine(&shipping, &delivery) > cosine(&shipping, &opening) + 0.3);
        assert!((cosine(&shipping, &shipping) - 1.0).abs() < 1e-9);
    }
}
