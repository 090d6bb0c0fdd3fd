//! The AI agents' row: one AI reply (a customer's message answered by an agent from its
//! knowledge), from the automation function queueing the turn to the reply sent
//! to Meta, with the fake Bedrock answering at once; and beside it what the model costs per 1,000
//! such replies at two models' list prices, from the tokens the turns spent (the fake counts a
//! quarter of the characters of everything the real request carries: prompt, history, tools).
//! The customer's own message is the inbound row's.

use super::{AUTOMATION, event_source_mapping, inbound, sent, signed, text_from};
use integration_tests::costs::{Function, Row, measure};
use integration_tests::outreach::sqs_event_of;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::ai::model::Usage as Tokens;

const AI_AGENTS: Function = Function {
    name: "ai-agents",
    memory_mb: 256.0,
};

/// Customers who each ask once.
const REPLIES: usize = 50;

pub(crate) async fn ai_row(rows: &mut Vec<Row>) {
    let bedrock = fake_bedrock::FakeBedrock::start().await;
    let f = Fixture::new().await;
    let agent = json!({"name": "Shop assistant", "model": "amazon.nova-lite-v1:0",
        "system_prompt": "You answer for Acme Shoes: sizes, deliveries and returns. Be brief and friendly.",
        "system_context": "Knowledge:\nWe ship on Saturdays too.\nReturns are free for 30 days.\nSizes run from 36 to 47."});
    let (status, created) = f
        .call("POST", "/v1/ai-agents", Some(&f.a.key), Some(&agent.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/v1/ai-agents/{}/assignments", created["id"].as_str().unwrap());
    let (status, _) = f.call("POST", &path, Some(&f.a.key), Some(r#"{"priority": 1}"#)).await;
    assert_eq!(status, StatusCode::CREATED);
    let phone = f.a.account.phone_number_id.clone();
    let start = chrono::Utc::now().timestamp() - 600;
    // One customer first: both functions' sandboxes are warm (their caches filled).
    let automation = f.automation();
    let ai = f.ai_agents(bedrock.url()).await;
    inbound(&f, &signed(vec![text_from(&phone, 0, "wamid.ai.warm", start)])).await;
    f.automate_queued(&automation).await;
    f.answer_turns(&ai).await;
    f.stack.drain("OutboundQueue").await;
    let warm_calls = bedrock.calls().len();

    let messages = signed(
        (1..=REPLIES)
            .map(|i| text_from(&phone, i, &format!("wamid.ai.{i}"), start + i as i64))
            .collect(),
    );
    inbound(&f, &messages).await;
    let queued = f.stack.drain_settled("AutomationQueue").await;
    let queueing = measure(async {
        for chunk in queued.chunks(10) {
            let (response, _) = automation.process(sqs_event_of(chunk)).await;
            assert!(response.batch_item_failures.is_empty());
        }
    })
    .await;
    let queueing = event_source_mapping(queueing, queued.len())
        .modelled("sqs:SendMessage (bus rule)", queued.len() as f64)
        .invoked(AUTOMATION, queued.len().div_ceil(10) as f64);
    // One conversation each: the FIFO queue hands every group's turn out at once. Received here
    // (the event source mapping's requests are modelled below), each answered as its invocation.
    let turns = f.stack.drain_settled("AiTurnsQueue").await;
    let mut took_ms = Vec::new();
    let answering = measure(async {
        for turn in &turns {
            let started = std::time::Instant::now();
            let (response, _) = ai.process(sqs_event_of(std::slice::from_ref(turn))).await;
            assert!(response.batch_item_failures.is_empty());
            took_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    })
    .await;
    assert_eq!(took_ms.len(), REPLIES, "one turn per customer");
    // Batch size 1 on a FIFO queue: one receive, one delete and one invocation per turn.
    let answering = event_source_mapping(answering, 1)
        .modelled("sqs:ReceiveMessage (event source mapping)", REPLIES as f64 - 1.0)
        .modelled("sqs:DeleteMessageBatch (event source mapping)", REPLIES as f64 - 1.0)
        .invoked(AI_AGENTS, REPLIES as f64);
    let jobs = f.stack.drain("OutboundQueue").await;
    assert_eq!(jobs.len(), REPLIES, "one reply per customer");
    let mut usage = sent(&f, &jobs).await;
    usage.add(&queueing);
    usage.add(&answering);
    rows.push(Row {
        name: "AI agent reply (automation queues it, FIFO turn, ai-agents, sender; model extra)".into(),
        usage: usage.per(REPLIES as f64),
    });

    took_ms.sort_by(f64::total_cmp);
    let at = |q: f64| took_ms[((took_ms.len() as f64 - 1.0) * q).round() as usize];
    let calls = &bedrock.calls()[warm_calls..];
    let tokens = calls.iter().fold(Tokens::default(), |sum, call| {
        let (blocks, _) = fake_bedrock::script::converse(&call.body);
        let said: String = blocks.iter().map(|b| b.to_string()).collect();
        Tokens {
            input_tokens: sum.input_tokens + fake_bedrock::script::input_tokens(&call.body),
            output_tokens: sum.output_tokens + fake_bedrock::script::tokens(&said),
        }
    });
    println!(
        "\n== AI reply: the AI agents function per turn on moto, the fake Bedrock answering at once ==\n  \
         p50 {:.1} ms, p95 {:.1} ms ({REPLIES} turns; moto-bound: DynamoDB answers in single-digit ms)\n  \
         model calls per reply {:.2}; tokens per reply: {:.0} in, {:.0} out",
        at(0.5),
        at(0.95),
        calls.len() as f64 / REPLIES as f64,
        tokens.input_tokens as f64 / REPLIES as f64,
        tokens.output_tokens as f64 / REPLIES as f64,
    );
    for model in ["anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.nova-lite-v1:0"] {
        let per_reply = Tokens {
            input_tokens: tokens.input_tokens / REPLIES as u64,
            output_tokens: tokens.output_tokens / REPLIES as u64,
        };
        let micros = shared::ai::pricing::cost_micro_usd(model, per_reply).unwrap_or_default();
        println!(
            "  {model}: ${:.2} per 1,000 replies",
            micros as f64 * 1000.0 / 1_000_000.0
        );
    }
}
