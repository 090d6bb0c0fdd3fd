//! The ports an agent's send is created through: the outbound message stored once with its job and
//! its `Idempotency-Key` ([`SendCreation`], `OutboundStore`), and what the content names (an
//! uploaded medium, a template of the conversation's account: [`SendReferences`]). DynamoDB here;
//! in memory under `fakes`; one contract for both.

use crate::access::tenancy_store::TenancyStore;
use crate::inbox::Message;
use crate::inbox::outbound::OutboundJob;
use crate::inbox::outbound_store::{Created, IdempotencyClaim, OutboundStore};
use crate::inbox::upload_store::UploadStore;
use crate::outreach::template::Template;
use crate::outreach::template_store::TemplateStore;
use crate::platform::StoreError;
use crate::platform::table::Key;

#[async_trait::async_trait]
pub trait SendCreation: Send + Sync {
    /// The fingerprint and message of an `Idempotency-Key` (by its SHA-256) used within 24 hours.
    async fn idempotent(&self, org_id: &str, key_sha256: &str) -> Result<Option<(String, Key)>, StoreError>;
    /// Stores a new `queued` message with its job (and the key's claim): `NotFound` when the
    /// conversation is gone, `Conflict` when the message exists.
    async fn create(
        &self,
        key: &Key,
        message: &Message,
        preview: &str,
        job: &OutboundJob,
        idempotency: Option<&IdempotencyClaim>,
    ) -> Result<Created, StoreError>;
    /// The message as stored now, and its job while it waits to be sent.
    async fn stored(&self, key: &Key) -> Result<Option<(Message, Option<OutboundJob>)>, StoreError>;
}

#[async_trait::async_trait]
impl SendCreation for OutboundStore {
    async fn idempotent(&self, org_id: &str, key_sha256: &str) -> Result<Option<(String, Key)>, StoreError> {
        OutboundStore::idempotent(self, org_id, key_sha256).await
    }

    async fn create(
        &self,
        key: &Key,
        message: &Message,
        preview: &str,
        job: &OutboundJob,
        idempotency: Option<&IdempotencyClaim>,
    ) -> Result<Created, StoreError> {
        OutboundStore::create(self, key, message, preview, job, idempotency).await
    }

    async fn stored(&self, key: &Key) -> Result<Option<(Message, Option<OutboundJob>)>, StoreError> {
        Ok(self.pending(key).await?.map(|p| (p.message, p.job)))
    }
}

/// A template looked up on a conversation's account.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateFound {
    /// The account is gone.
    NoAccount,
    /// No template of that name and language on the account's WABA.
    Missing,
    Found(Box<Template>),
}

#[async_trait::async_trait]
pub trait SendReferences: Send + Sync {
    /// Whether the organization uploaded the medium `media_id`.
    async fn uploaded(&self, org_id: &str, media_id: &str) -> Result<bool, StoreError>;
    /// The template `name` in `language` on the WABA of the organization's account `account_id`.
    async fn template(
        &self,
        org_id: &str,
        account_id: &str,
        name: &str,
        language: &str,
    ) -> Result<TemplateFound, StoreError>;
}

/// [`SendReferences`] in DynamoDB: the uploads, the accounts and the templates.
pub struct StoredReferences {
    uploads: UploadStore,
    tenancy: TenancyStore,
    templates: TemplateStore,
}

impl StoredReferences {
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str) -> Self {
        Self {
            uploads: UploadStore::new(client.clone(), table),
            tenancy: TenancyStore::new(client.clone(), table),
            templates: TemplateStore::new(client, table),
        }
    }
}

#[async_trait::async_trait]
impl SendReferences for StoredReferences {
    async fn uploaded(&self, org_id: &str, media_id: &str) -> Result<bool, StoreError> {
        Ok(self.uploads.upload(org_id, media_id).await?.is_some())
    }

    async fn template(
        &self,
        org_id: &str,
        account_id: &str,
        name: &str,
        language: &str,
    ) -> Result<TemplateFound, StoreError> {
        let Some(account) = self.tenancy.get_account(org_id, account_id).await? else {
            return Ok(TemplateFound::NoAccount);
        };
        let template = self.templates.by_name(org_id, &account.waba_id, name, language).await?;
        Ok(template.map_or(TemplateFound::Missing, |t| TemplateFound::Found(Box::new(t))))
    }
}

#[cfg(any(test, feature = "fakes"))]
pub use memory::{MemoryReferences, MemorySends};

#[cfg(any(test, feature = "fakes"))]
mod memory {
    use super::*;
    use crate::inbox::memory::MemoryInbox;
    use crate::inbox::reads::ConversationReads;
    use crate::inbox::send_memory::MemoryOutbound;
    use crate::inbox::send_port::SendLedger;
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Mutex};

    fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends created into the in-memory outbound ledger (what the sender then claims), on the
    /// in-memory inbox's conversations, with the keys' claims.
    pub struct MemorySends {
        outbound: Arc<MemoryOutbound>,
        inbox: Arc<MemoryInbox>,
        /// (org, key SHA-256) → (fingerprint, message).
        keys: Mutex<HashMap<(String, String), (String, Key)>>,
    }

    impl MemorySends {
        pub fn new(outbound: Arc<MemoryOutbound>, inbox: Arc<MemoryInbox>) -> Self {
            Self {
                outbound,
                inbox,
                keys: Mutex::default(),
            }
        }
    }

    #[async_trait::async_trait]
    impl SendCreation for MemorySends {
        async fn idempotent(&self, org_id: &str, key_sha256: &str) -> Result<Option<(String, Key)>, StoreError> {
            Ok(lock(&self.keys).get(&(org_id.into(), key_sha256.into())).cloned())
        }

        async fn create(
            &self,
            key: &Key,
            message: &Message,
            _preview: &str,
            job: &OutboundJob,
            idempotency: Option<&IdempotencyClaim>,
        ) -> Result<Created, StoreError> {
            let conversation = self
                .inbox
                .conversation(&message.org_id, &message.conversation_id)
                .await?;
            if conversation.is_none() {
                return Err(StoreError::NotFound("conversation".into()));
            }
            let mut keys = lock(&self.keys);
            if let Some(claim) = idempotency
                && let Some((fingerprint, first)) = keys.get(&(message.org_id.clone(), claim.key_sha256.clone()))
            {
                return Ok(match *fingerprint == claim.fingerprint {
                    true => Created::Replay(first.clone()),
                    false => Created::KeyReused,
                });
            }
            if self.outbound.message(key).is_some() {
                return Err(StoreError::Conflict("message".into()));
            }
            self.outbound.queue((key.clone(), message.clone(), job.clone()));
            if let Some(claim) = idempotency {
                keys.insert(
                    (message.org_id.clone(), claim.key_sha256.clone()),
                    (claim.fingerprint.clone(), key.clone()),
                );
            }
            Ok(Created::New)
        }

        async fn stored(&self, key: &Key) -> Result<Option<(Message, Option<OutboundJob>)>, StoreError> {
            Ok(self.outbound.pending(key).await?.map(|p| (p.message, p.job)))
        }
    }

    /// Uploads, accounts' WABAs and templates in memory.
    #[derive(Default)]
    pub struct MemoryReferences {
        uploads: Mutex<HashSet<(String, String)>>,
        /// (org, account) → its WABA.
        wabas: Mutex<HashMap<(String, String), String>>,
        templates: Mutex<Vec<Template>>,
    }

    impl MemoryReferences {
        pub fn put_upload(&self, org_id: &str, media_id: &str) {
            lock(&self.uploads).insert((org_id.into(), media_id.into()));
        }

        pub fn put_account(&self, org_id: &str, account_id: &str, waba_id: &str) {
            lock(&self.wabas).insert((org_id.into(), account_id.into()), waba_id.into());
        }

        pub fn put_template(&self, template: Template) {
            lock(&self.templates).push(template);
        }
    }

    #[async_trait::async_trait]
    impl SendReferences for MemoryReferences {
        async fn uploaded(&self, org_id: &str, media_id: &str) -> Result<bool, StoreError> {
            Ok(lock(&self.uploads).contains(&(org_id.into(), media_id.into())))
        }

        async fn template(
            &self,
            org_id: &str,
            account_id: &str,
            name: &str,
            language: &str,
        ) -> Result<TemplateFound, StoreError> {
            let Some(waba) = lock(&self.wabas).get(&(org_id.into(), account_id.into())).cloned() else {
                return Ok(TemplateFound::NoAccount);
            };
            let templates = lock(&self.templates);
            let found = templates
                .iter()
                .find(|t| t.org_id == org_id && t.waba_id == waba && t.name == name && t.language == language);
            Ok(found.map_or(TemplateFound::Missing, |t| TemplateFound::Found(Box::new(t.clone()))))
        }
    }
}

#[cfg(any(test, feature = "fakes"))]
#[path = "send_creation_contract.rs"]
pub mod contract;
