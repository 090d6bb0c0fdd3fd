//! Sends Meta may have taken without saying so (an edge's 5xx, a timeout, a hang-up): unknown,
//! never resent, settled by Meta's status or failed unconfirmed.

use super::*;

#[tokio::test]
async fn an_edge_5xx_without_metas_error_is_unknown_and_never_resent() {
    let f = Fx::new().await;
    for (http, body) in [(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"), (504, "")] {
        let id = f.reply(&format!("through a sick edge {http}")).await;
        f.graph
            .fail_next(Route::SendMessage, Failure::AcceptThenEdgeAnswer { http, body }, 1);
        let jobs = f.jobs(1).await;
        let (response, summary) = f.sender().process(jobs.clone()).await;
        assert!(response.batch_item_failures.is_empty(), "{http}: not retried");
        assert_eq!(summary.unknown, 1, "{http}");
        assert_eq!(f.message(&id).await.status, "unknown", "{http}");
        // Redelivered, the job sends nothing more: Meta has it once.
        f.sender().process(jobs).await;
        assert_eq!(f.graph.sends_of(&id), 1, "{http}: never twice");
    }
}

#[tokio::test]
async fn a_graph_timeout_after_meta_accepted_is_unknown_until_its_status_settles_it() {
    let f = Fx::new().await;
    let id = f.reply("slow answer").await;
    // The sender's Graph client waits `timeout` (SEND_TIMEOUT in Lambda); Meta answers later.
    let timeout = Duration::from_millis(800);
    f.graph.fail_next(
        Route::SendMessage,
        Failure::AcceptThenDelay(timeout + Duration::from_secs(2)),
        1,
    );
    let config = SenderConfig::from_env(&f.stack.env_of("SenderFunction")).unwrap();
    let impatient =
        shared::meta::graph::GraphClient::new(&config.graph_api_base_url, &config.graph_api_version, timeout);
    let jobs = f.jobs(1).await;
    let (response, summary) = f
        .sender()
        .with_graph(std::sync::Arc::new(impatient))
        .process(jobs.clone())
        .await;
    assert!(response.batch_item_failures.is_empty(), "not retried");
    assert_eq!(summary.unknown, 1);
    assert_eq!(f.message(&id).await.status, "unknown");
    // The job coming back changes nothing: never resent blindly.
    f.sender().process(jobs).await;
    assert_eq!(f.graph.sends_of(&id), 1);
    let sent = f.graph.sent().remove(0);
    f.meta_reports(&sent, "sent").await;
    let message = f.message(&id).await;
    assert_eq!(
        (message.status.as_str(), message.wamid.as_deref()),
        ("sent", Some(sent.wamid.as_str()))
    );
    // Settled: the sweeper has nothing to do with it.
    assert_eq!(f.sweep_at(SETTLE_PERIOD_MS + 1_000).await.failed, 0);
    assert_eq!(f.message(&id).await.status, "sent");
}

#[tokio::test]
async fn an_accepted_send_without_an_answer_fails_unconfirmed_and_a_late_status_still_wins() {
    let f = Fx::new().await;
    let id = f.reply("hang up").await;
    f.graph.fail_next(Route::SendMessage, Failure::AcceptThenHangUp, 1);
    let (_, summary) = f.sender().process(f.jobs(1).await).await;
    assert_eq!(summary.unknown, 1);
    assert_eq!(
        f.sweep_at(SETTLE_PERIOD_MS - 60_000).await.failed,
        0,
        "not before the settle period"
    );
    assert_eq!(f.sweep_at(SETTLE_PERIOD_MS + 1_000).await.failed, 1);
    let message = f.message(&id).await;
    assert_eq!(
        (message.status.as_str(), message.status_rank),
        ("failed", UNCONFIRMED_FAILURE_RANK)
    );
    assert!(
        message.status_errors[0]
            .title
            .as_deref()
            .unwrap()
            .contains("no status within"),
        "{:?}",
        message.status_errors
    );
    assert_eq!(f.graph.sends_of(&id), 1);
    // Meta delivered it after all: the later status replaces the unconfirmed failure.
    let sent = f.graph.sent().remove(0);
    f.meta_reports(&sent, "delivered").await;
    assert_eq!(f.message(&id).await.status, "delivered");
}
