//! CPU per inbound message on the ingest path that does not wait on I/O: parsing the webhook
//! payload and building the one DynamoDB write request of each message (steady state).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shared::inbox::CustomerIdentity;
use shared::inbox::store::{DeliveryContext, steady_state_plan};
use shared::meta::{ParsedChange, parse_notification};
use std::hint::black_box;

fn payload(messages: usize) -> Vec<u8> {
    let message = |i: usize| {
        format!(
            r#"{{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ{i:04}","timestamp":"{}","type":"text","text":{{"body":"Does it come in another color? \u00e9 {i}"}}}}"#,
            1_749_416_383 + i
        )
    };
    let messages: Vec<String> = (0..messages).map(message).collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}},"contacts":[{{"profile":{{"name":"Sheena Nelson"}},"wa_id":"16505551234"}}],"messages":[{}]}},"field":"messages"}}]}}]}}"#,
        messages.join(",")
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let delivery = DeliveryContext {
        org_id: "org_bench",
        account_id: "acc_bench",
        received_at_ms: 1_795_262_400_000,
    };
    for count in [1usize, 10] {
        let body = payload(count);
        let mut group = c.benchmark_group(format!("ingest_{count}_message_delivery"));
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function("parse", |b| b.iter(|| parse_notification(black_box(&body)).unwrap()));
        group.bench_function("parse_and_build_writes", |b| {
            b.iter(|| {
                let mut items = 0;
                for change in parse_notification(black_box(&body)).unwrap() {
                    if let ParsedChange::Messages { contacts, messages, .. } = change {
                        for message in &messages {
                            let (identity, _) = CustomerIdentity::of_sender(message, &contacts);
                            let contact_id = identity.derived_contact_id("org_bench").unwrap();
                            items += steady_state_plan(&delivery, &contact_id, "cv_bench", message)
                                .unwrap()
                                .len();
                        }
                    }
                }
                items
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
