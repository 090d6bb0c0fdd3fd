//! Creating an outbound message: one transaction, with its `Idempotency-Key` when one was sent.

use super::OutboundStore;
use crate::inbox::Message;
use crate::inbox::outbound::OutboundJob;
use crate::inbox::send_policy::SendState;
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, number_of, record_item, s, string_of};
use crate::platform::records::Write;
use crate::platform::table::{self, Key, attr};

/// A send request's `Idempotency-Key`, by its SHA-256, and the fingerprint of its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub key_sha256: String,
    pub fingerprint: String,
}

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_TTL_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New,
    /// The key was used before for the same request: the message it created.
    Replay(Key),
    /// The key was used before for another request.
    KeyReused,
}

impl OutboundStore {
    /// Stores a new `queued` message with its job, its id lookup and the conversation's latest
    /// message in one transaction (the tally counts it from the stream), together with the idempotency key if any.
    pub async fn create(
        &self,
        key: &Key,
        message: &Message,
        preview: &str,
        job: &OutboundJob,
        idempotency: Option<&IdempotencyClaim>,
    ) -> Result<Created, StoreError> {
        self.create_with(key, message, preview, job, idempotency, Vec::new())
            .await
    }

    /// [`OutboundStore::create`] with more writes in its transaction (a scheduled message handed
    /// over): their failed conditions fail the whole creation with what they name.
    pub async fn create_with(
        &self,
        key: &Key,
        message: &Message,
        preview: &str,
        job: &OutboundJob,
        idempotency: Option<&IdempotencyClaim>,
        also: Vec<Write>,
    ) -> Result<Created, StoreError> {
        let now = chrono::Utc::now();
        let org = &message.org_id;
        let mut item = record_item(message, key, "Message")?;
        let state = SendState::of("queued", message.received_at_ms as i64, None, None, 0);
        let (gsi2pk, gsi2sk) = table::pending_send(org, &message.message_id, state.due_ms().unwrap_or_default());
        item.insert(attr::GSI2_PK.into(), s(gsi2pk));
        item.insert(attr::GSI2_SK.into(), s(gsi2sk));
        // Counted by the tally from the stream, on the day it was created.
        item.insert(crate::inbox::tally::TALLY.into(), s(crate::inbox::tally::SENT));
        item.insert("day".into(), s(now.format("%Y-%m-%d").to_string()));
        item.insert(
            "send_job".into(),
            serde_dynamo::to_attribute_value(job).map_err(|e| StoreError::io("job", e))?,
        );
        let mut lookup = key_item(&table::outbound_message(org, &message.message_id));
        lookup.insert(attr::ENTITY.into(), s("OutboundMessage"));
        lookup.insert("message_pk".into(), s(&key.pk));
        lookup.insert("message_sk".into(), s(&key.sk));
        lookup.insert(attr::EXPIRES_AT.into(), n(now.timestamp() + 30 * 24 * 3600));
        let (_, timeline) = table::conversation_timeline(org, &message.conversation_id, now.timestamp_millis());
        // A person's send marks when a person last answered (the keyword bot keeps quiet then).
        let expression = match message.origin().kind.is_person() {
            true => {
                "SET last_message_ms = :ts, last_message_preview = :preview, last_message_direction = :outbound, updated_at = :now, gsi2sk = :gsi2sk, last_agent_reply_ms = :ts ADD message_count :one"
            }
            false => {
                "SET last_message_ms = :ts, last_message_preview = :preview, last_message_direction = :outbound, updated_at = :now, gsi2sk = :gsi2sk ADD message_count :one"
            }
        };
        let conversation = self
            .records
            .update_of(&table::conversation(org, &message.conversation_id))
            .expression(expression)
            .when("attribute_exists(pk)")
            .value(":ts", n(now.timestamp_millis()))
            .value(":preview", s(preview))
            .value(":outbound", s("outbound"))
            .value(":now", s(crate::platform::items::now_rfc3339()))
            .value(":gsi2sk", s(timeline))
            .value(":one", n(1));
        let mut writes = vec![
            Write::failing_as(
                self.records.put(item, Some("attribute_not_exists(pk)")),
                StoreError::Conflict("message".into()),
            ),
            Write::from(self.records.put(lookup, None)),
            Write::failing_as(conversation, StoreError::NotFound("conversation".into())),
        ];
        writes.extend(also);
        if let Some(claim) = idempotency {
            let mut record = key_item(&table::send_idempotency(org, &claim.key_sha256));
            record.insert(attr::ENTITY.into(), s("SendIdempotency"));
            record.insert("fingerprint".into(), s(&claim.fingerprint));
            record.insert("message_pk".into(), s(&key.pk));
            record.insert("message_sk".into(), s(&key.sk));
            record.insert(attr::EXPIRES_AT.into(), n(now.timestamp() + IDEMPOTENCY_TTL_SECONDS));
            let put = crate::platform::plan::WriteOp::put(record)
                .when("attribute_not_exists(pk) OR expires_at < :now")
                .value(":now", n(now.timestamp()));
            writes.push(Write::failing_as(put, StoreError::Conflict("idempotency key".into())));
        }
        match self.records.transact(writes).await {
            Ok(()) => Ok(Created::New),
            Err(StoreError::Conflict(what)) if what == "idempotency key" => {
                let claim = idempotency.expect("only with a key");
                match self.idempotent(org, &claim.key_sha256).await? {
                    Some((fingerprint, key)) if fingerprint == claim.fingerprint => Ok(Created::Replay(key)),
                    Some(_) => Ok(Created::KeyReused),
                    // Expired between the write and the read: a new request after all.
                    None => Box::pin(self.create(key, message, preview, job, idempotency)).await,
                }
            }
            Err(err) => Err(err),
        }
    }

    /// The fingerprint and message of an `Idempotency-Key` used within the last 24 hours.
    pub async fn idempotent(&self, org_id: &str, key_sha256: &str) -> Result<Option<(String, Key)>, StoreError> {
        let Some(item) = self
            .records
            .get_item(&table::send_idempotency(org_id, key_sha256))
            .await?
        else {
            return Ok(None);
        };
        if number_of(&item, attr::EXPIRES_AT).is_some_and(|at| at < chrono::Utc::now().timestamp()) {
            return Ok(None);
        }
        Ok(Some((
            string_of(&item, "fingerprint").unwrap_or_default(),
            Key {
                pk: string_of(&item, "message_pk").unwrap_or_default(),
                sk: string_of(&item, "message_sk").unwrap_or_default(),
            },
        )))
    }
}
