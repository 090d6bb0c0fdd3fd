//! The repeat counter's contract, run against the in-memory fake and DynamoDB on moto: a start
//! counts once per event, up to the scenario's limit, per contact and scenario.

use crate::bot::ports::RepeatCounter;

pub async fn counts_each_event_once_up_to_the_limit(counter: &dyn RepeatCounter, org: &str) {
    let count = |contact: &'static str, scenario: &'static str, event: &'static str| {
        counter.count(org, contact, scenario, event, 2)
    };
    assert!(count("ct_1", "scn_1", "e1").await.unwrap());
    assert!(count("ct_1", "scn_1", "e1").await.unwrap(), "a redelivery is allowed");
    assert!(count("ct_1", "scn_1", "e2").await.unwrap());
    assert!(
        count("ct_1", "scn_1", "e2").await.unwrap(),
        "still the last one counted"
    );
    assert!(
        !count("ct_1", "scn_1", "e3").await.unwrap(),
        "the third start is past the limit"
    );
    assert!(!count("ct_1", "scn_1", "e4").await.unwrap());
    assert!(
        count("ct_2", "scn_1", "e5").await.unwrap(),
        "another contact counts apart"
    );
    assert!(
        count("ct_1", "scn_2", "e6").await.unwrap(),
        "another scenario counts apart"
    );
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_fake_keeps_the_counter_contract() {
        let counter = crate::bot::memory::MemoryCounter::default();
        super::counts_each_event_once_up_to_the_limit(&counter, "org_1").await;
    }
}
