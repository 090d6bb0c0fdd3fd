//! Messages the business starts: templates, campaigns and scheduled messages.

pub mod campaign;
pub mod campaign_replies;
pub mod campaign_runs;
#[cfg(any(test, feature = "fakes"))]
pub mod campaign_runs_contract;
pub mod campaign_sends;
#[cfg(any(test, feature = "fakes"))]
pub mod campaign_sends_contract;
#[cfg(any(test, feature = "fakes"))]
pub mod campaign_sends_memory;
pub mod campaign_store;
#[cfg(any(test, feature = "fakes"))]
pub mod replies_memory;
#[cfg(any(test, feature = "fakes"))]
pub mod runs_memory;
pub mod schedule;
#[cfg(any(test, feature = "fakes"))]
pub mod scheduled_contract;
#[cfg(any(test, feature = "fakes"))]
pub mod scheduled_memory;
pub mod scheduled_port;
pub mod scheduled_store;
pub mod template;
pub mod template_store;
#[cfg(feature = "graph")]
pub mod template_sync;

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_in_memory_scheduled_messages_keep_the_contract() {
        let inbox = std::sync::Arc::new(crate::inbox::reads::MemoryInbox::default());
        inbox.put_customer("org_mem", "cv_1", "4915", 1_796_378_000_000);
        let port = super::scheduled_memory::MemoryScheduled::new(inbox);
        super::scheduled_contract::scheduled_messages_contract(&port, "org_mem", "cv_1", 1_796_378_400_000).await;
    }
}
