//! The fan-out's pacing: the messaging limit (alone and shared by five feeds), the feed's
//! pages and cursor, the end's sweep.

use super::*;

#[tokio::test]
async fn the_messaging_limit_pauses_a_campaign_until_the_window_allows_then_it_resumes_by_itself() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "big_news",
            "UTILITY",
            json!([{"type": "BODY", "text": "Big news"}]),
        )
        .await;
    let account = format!("/v1/accounts/{}", f.a.account.account_id);
    let (status, updated) = f
        .call("PATCH", &account, Some(&f.a.key), Some(r#"{"messaging_limit":"250"}"#))
        .await;
    assert_eq!(
        (status, updated["messaging_limit"].as_str()),
        (StatusCode::OK, Some("250"))
    );
    let id = campaign(&f, &template, json!({})).await;
    let path = format!("/v1/campaigns/{id}");
    let phones: Vec<String> = (0..300).map(|i| format!("+1415555{:04}", i)).collect();
    let (_, added) = post(
        &f,
        &format!("{path}/recipients"),
        Some(json!({"phone_numbers": phones})),
    )
    .await;
    assert_eq!(added["added"], 300);
    post(&f, &format!("{path}/start"), None).await;
    f.run_campaign_jobs().await;
    assert_eq!(
        f.run_sends().await,
        250,
        "the first step stays within the 24-hour allowance"
    );
    f.feed(&f.a, &id).await;
    let (_, paused) = f.call("GET", &path, Some(&f.a.key), None).await;
    assert_eq!(
        (paused["status"].as_str(), paused["pause_reason"].as_str()),
        (Some("paused"), Some("messaging_limit"))
    );
    assert_eq!(paused["counts"]["sent"], 250);

    // A day later the minute tick finds it due and resumes it; the window has room again.
    let later = chrono::Utc::now().timestamp_millis() + 26 * 3_600_000;
    let time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(later)
        .unwrap()
        .to_rfc3339();
    let summary = f.campaigns().tick(&json!({"time": time})).await.unwrap();
    assert_eq!(summary.started, 1);
    let jobs = f.stack.drain("CampaignQueue").await;
    let later_service = || f.campaigns().with_clock(move || later);
    later_service().process(sqs_event_of(&jobs)).await;
    f.run_sends().await;
    assert_eq!(f.graph.sent().len(), 300, "the other 50 went out, each once");
    let job = shared::outreach::campaign::CampaignJob::Feed {
        org_id: f.a.account.org_id.clone(),
        campaign_id: id.clone(),
    };
    later_service()
        .process(integration_tests::outreach::campaign_job_event(&job))
        .await;
    let (_, done) = f.call("GET", &path, Some(&f.a.key), None).await;
    assert_eq!(
        (done["status"].as_str(), done["counts"]["sent"].as_u64()),
        (Some("completed"), Some(300)),
        "{done}"
    );
    assert_eq!(f.graph.sent().len(), 300);
}

#[tokio::test]
async fn five_feeds_on_one_number_stay_within_its_messaging_limit_together() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "big_news",
            "UTILITY",
            json!([{"type": "BODY", "text": "Big news"}]),
        )
        .await;
    let account = format!("/v1/accounts/{}", f.a.account.account_id);
    let (status, _) = f
        .call("PATCH", &account, Some(&f.a.key), Some(r#"{"messaging_limit":"250"}"#))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Five campaigns of 100 on one number, started together.
    let mut ids = Vec::new();
    for c in 0..5 {
        let id = campaign(&f, &template, json!({})).await;
        let phones: Vec<String> = (0..100).map(|i| format!("+1415{c}55{i:04}")).collect();
        let path = format!("/v1/campaigns/{id}");
        let (_, added) = post(
            &f,
            &format!("{path}/recipients"),
            Some(json!({"phone_numbers": phones})),
        )
        .await;
        assert_eq!(added["added"], 100);
        post(&f, &format!("{path}/start"), None).await;
        ids.push(id);
    }
    // Their feed steps run at once, each in its own invocation, round after round. A step's
    // follow-up (SQS would hold it a second or a few) is caught and run in the next round at
    // once: the race for the room is the table's, not the queue's.
    let follow_ups = Arc::new(shared::platform::memory::MemoryQueue::default());
    let mut jobs: Vec<shared::outreach::campaign::CampaignJob> = f
        .stack
        .drain("CampaignQueue")
        .await
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap_or_default()).expect("a campaign job"))
        .collect();
    assert_eq!(jobs.len(), 5);
    let mut queued = 0;
    for round in 0..6 {
        let runs = jobs.iter().map(|job| {
            let follow_ups = follow_ups.clone();
            let service = f.campaigns().wrap_jobs(move |_| follow_ups);
            async move {
                service
                    .process(integration_tests::outreach::campaign_job_event(job))
                    .await
            }
        });
        futures::future::join_all(runs).await;
        queued += f.stack.drain("OutboundQueue").await.len();
        assert!(
            queued <= 250,
            "{queued} sends queued for a limit of 250 (round {round})"
        );
        jobs = follow_ups
            .taken()
            .iter()
            .map(|body| serde_json::from_str(body).expect("a campaign job"))
            .collect();
    }
    assert_eq!(queued, 250, "the whole allowance is used, and no more");
}

#[tokio::test]
async fn a_feed_step_reads_one_page_past_its_cursor_and_a_resume_goes_on_from_its_last_steps() {
    use shared::outreach::campaign_store::CampaignStore;
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "big_news",
            "UTILITY",
            json!([{"type": "BODY", "text": "Big news"}]),
        )
        .await;
    let id = campaign(&f, &template, json!({})).await;
    let org = f.a.account.org_id.clone();
    let store = CampaignStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"));
    // 4,000 recipients, 3,990 of them sent already (a resumed, nearly finished campaign): many
    // pages of a step each.
    let phones: Vec<String> = (0..4_000).map(|i| format!("49155{i:08}")).collect();
    let now = shared::platform::items::now_rfc3339();
    let recipients: Vec<shared::outreach::campaign::Recipient> = phones
        .iter()
        .enumerate()
        .map(|(i, phone)| {
            let mut r = shared::outreach::campaign::Recipient::pending(
                &org,
                &id,
                phone.clone(),
                None,
                Default::default(),
                &now,
            );
            if !(3_000..3_010).contains(&i) {
                r.status = "sent".into();
                r.status_rank = shared::outreach::campaign::rank::SENT;
            }
            r
        })
        .collect();
    store.write_recipients(&org, &recipients, "bench").await.unwrap();
    store.add_total(&org, &id, 4_000).await.unwrap();
    let path = format!("/v1/campaigns/{id}");
    let (status, started) = post(&f, &format!("{path}/start"), None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let position = |cursor: &Option<String>| {
        cursor
            .as_ref()
            .map(|c| phones.binary_search(c).unwrap() as i64)
            .unwrap_or(-1)
    };
    let mut queued = 0;
    let mut at = -1i64;
    let mut sending_step_began = None;
    while queued < 10 {
        assert_eq!(f.run_campaign_jobs().await, 1, "one step at a time");
        let cursor = store.campaign(&org, &id).await.unwrap().unwrap().feed_cursor;
        let moved = position(&cursor) - at;
        assert!(
            (1..=1_000).contains(&moved),
            "a step read one page past its cursor: {moved}"
        );
        let step = f.stack.drain("OutboundQueue").await.len();
        if step > 0 {
            sending_step_began = Some(at);
        }
        queued += step;
        at = position(&cursor);
    }
    assert_eq!(queued, 10, "the ten pending ones");
    assert!((3_009..4_000).contains(&at), "{at}");
    // Paused before their sends went out (the sender drops them), then resumed: the fan-out goes
    // on from where its last sending step began, not from the first recipient.
    post(&f, &format!("{path}/pause"), None).await;
    let (status, _) = post(&f, &format!("{path}/resume"), None).await;
    assert_eq!(status, StatusCode::OK);
    let resumed = store.campaign(&org, &id).await.unwrap().unwrap();
    assert_eq!(
        Some(position(&resumed.feed_cursor)),
        sending_step_began,
        "{:?}",
        resumed.feed_cursor
    );
    assert!(position(&resumed.feed_cursor) > 2_000);
    f.stack.drain("CampaignQueue").await;
    f.feed(&f.a, &id).await;
    assert_eq!(
        f.stack.drain("OutboundQueue").await.len(),
        10,
        "the dropped ten, queued again"
    );
}

#[tokio::test]
async fn the_ends_sweep_reads_a_page_a_step_and_completes_only_after_a_sweep_with_nothing_open() {
    use shared::outreach::campaign::settle::SETTLE_PAGE;
    use shared::outreach::campaign_store::CampaignStore;
    let f = Fixture::new().await;
    let template = f
        .approved_template(&f.a, "end_sweep", "UTILITY", json!([{"type": "BODY", "text": "Hi"}]))
        .await;
    let id = campaign(&f, &template, json!({})).await;
    let org = f.a.account.org_id.clone();
    let store = CampaignStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"));
    // 3,000 recipients, all sent but two: one whose send is still on its way (claimed just now),
    // one unknown for 20 minutes (no answer from Meta, no status).
    let phones: Vec<String> = (0..3_000).map(|i| format!("49166{i:08}")).collect();
    let now = shared::platform::items::now_rfc3339();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let recipient = |i: usize, status: &str, claimed: Option<i64>| {
        let mut r = shared::outreach::campaign::Recipient::pending(
            &org,
            &id,
            phones[i].clone(),
            None,
            Default::default(),
            &now,
        );
        r.status = status.into();
        r.status_rank = match status {
            "sending" => shared::outreach::campaign::rank::SENDING,
            "unknown" => shared::outreach::campaign::rank::UNKNOWN,
            _ => shared::outreach::campaign::rank::SENT,
        };
        r.send_claimed_ms = claimed;
        r
    };
    let recipients: Vec<_> = (0..3_000)
        .map(|i| match i {
            600 => recipient(i, "sending", Some(now_ms)),
            2_500 => recipient(i, "unknown", Some(now_ms - 20 * 60_000)),
            _ => recipient(i, "sent", None),
        })
        .collect();
    store.write_recipients(&org, &recipients, "test").await.unwrap();
    store.add_total(&org, &id, 3_000).await.unwrap();
    let (status, started) = post(&f, &format!("/v1/campaigns/{id}/start"), None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let position = |cursor: &Option<String>| cursor.as_ref().map(|c| phones.binary_search(c).unwrap() as i64);

    // The fan-out crosses the sent recipients, then the sweep reads a page a step.
    let mut swept = -1i64;
    let mut sweep_steps = 0;
    for _ in 0..20 {
        if f.run_campaign_jobs().await == 0 {
            break;
        }
        let campaign = store.campaign(&org, &id).await.unwrap().unwrap();
        if let Some(at) = position(&campaign.settle_cursor) {
            assert!(
                (1..=SETTLE_PAGE as i64).contains(&(at - swept)),
                "a sweep step read one page past its cursor: {swept} → {at}"
            );
            swept = at;
            sweep_steps += 1;
        } else if sweep_steps > 0 {
            break; // the sweep ended
        }
    }
    assert!(sweep_steps >= 2, "the sweep took several steps: {sweep_steps}");
    let campaign = store.campaign(&org, &id).await.unwrap().unwrap();
    assert_eq!(
        campaign.status,
        shared::outreach::campaign::CampaignStatus::InProgress,
        "a send on its way keeps the campaign open"
    );
    assert_eq!(campaign.settle_cursor, None, "the sweep starts again later");
    let unconfirmed = store.recipient(&org, &id, &phones[2_500]).await.unwrap().unwrap();
    assert_eq!(unconfirmed.status, "failed", "the old unknown failed, unconfirmed");

    // The send on its way settles; the next sweep finds nothing open and completes.
    store
        .write_recipients(&org, &[recipient(600, "sent", None)], "test")
        .await
        .unwrap();
    f.stack.drain("CampaignQueue").await;
    f.feed(&f.a, &id).await;
    for _ in 0..10 {
        if f.run_campaign_jobs().await == 0 {
            break;
        }
    }
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(campaign["status"], "completed", "{campaign}");
}
