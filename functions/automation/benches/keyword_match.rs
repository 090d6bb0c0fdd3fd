//! CPU of the keyword bot's pick for one customer message, without I/O: the text folded, then
//! matched against every keyword of 100 active scenarios (20 keywords each) by every mode down to
//! fuzzy (a normalized Damerau-Levenshtein over each run of words) when nothing matches better.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use shared::bot::scenario::Scenario;
use shared::bot::turn::{Said, pick};
use std::hint::black_box;

fn scenarios(count: usize) -> Vec<Scenario> {
    (0..count)
        .map(|i| {
            let keywords: Vec<String> = (0..20).map(|k| format!("topic{i} keyword{k}")).collect();
            serde_json::from_value(json!({
                "scenario_id": format!("scn_{i:03}"), "org_id": "org_bench", "title": format!("s{i}"),
                "kind": "generic", "keywords": keywords, "active": true, "start_item_id": "a",
                "items": [{"id": "a", "kind": "text", "label": "Hi"}],
                "created_by": null, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
            }))
            .expect("a well-formed scenario")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let all = scenarios(100);
    let said = |text: &'static str| Said {
        text: Some(text),
        reply_id: None,
        account_id: "acc_1",
        blocked: &[],
    };
    c.bench_function(
        "keyword pick, 100 scenarios x 20 keywords, no match (fuzzy tried)",
        |b| {
            b.iter(|| {
                pick(
                    black_box(&all),
                    &said("Hello, what does the navy jacket cost in size M? Thanks a lot!"),
                )
            })
        },
    );
    c.bench_function("keyword pick, 100 scenarios x 20 keywords, a word match", |b| {
        b.iter(|| pick(black_box(&all), &said("about topic42 keyword7 please")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
