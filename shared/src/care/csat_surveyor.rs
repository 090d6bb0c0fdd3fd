//! Sends the satisfaction survey after a resolve, when the conversation's account or division asks
//! for one: an interactive list inside the customer-service window, the account's approved survey
//! template outside it (none configured: no survey). The survey, the pointer its answer is matched
//! through and the outbound message are one transaction, and there is one survey per conversation,
//! so a repeated resolve (a retry, a reopen and resolve) sends nothing more.

use crate::access::agent_store::AgentStore;
use crate::access::tenancy::WhatsAppAccount;
use crate::access::tenancy_store::TenancyStore;
use crate::care::csat::{CsatSurvey, SurveyStatus, list_content, survey_id};
use crate::care::csat_store::CsatStore;
use crate::desk::division_store::DivisionStore;
use crate::inbox::contact_store::ContactStore;
use crate::inbox::outbound_store::OutboundStore;
use crate::inbox::{Conversation, is_window_open};
use crate::meta::Content;
use crate::outreach::template_store::TemplateStore;
use crate::platform::StoreError;
use crate::platform::job_queue::JobQueue;
use tracing::{info, warn};

pub struct CsatSurveyor {
    tenancy: TenancyStore,
    divisions: DivisionStore,
    contacts: ContactStore,
    agents: AgentStore,
    templates: TemplateStore,
    sends: OutboundStore,
    csat: CsatStore,
    outbound: Box<dyn JobQueue>,
}

impl CsatSurveyor {
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str, outbound: Box<dyn JobQueue>) -> Self {
        Self {
            tenancy: TenancyStore::new(client.clone(), table),
            divisions: DivisionStore::new(client.clone(), table),
            contacts: ContactStore::new(client.clone(), table),
            agents: AgentStore::new(client.clone(), table),
            templates: TemplateStore::new(client.clone(), table),
            sends: OutboundStore::new(client.clone(), table),
            csat: CsatStore::new(client, table),
            outbound,
        }
    }

    async fn wanted(&self, account: &WhatsAppAccount, conversation: &Conversation) -> Result<bool, StoreError> {
        if account.csat_enabled {
            return Ok(true);
        }
        let Some(division) = conversation.division_id.as_deref() else {
            return Ok(false);
        };
        Ok(self
            .divisions
            .division(&conversation.org_id, division)
            .await?
            .is_some_and(|d| d.csat_enabled))
    }

    /// The survey's content at `now`: the list inside the window, else the approved template.
    async fn content(
        &self,
        account: &WhatsAppAccount,
        conversation: &Conversation,
        id: &str,
        now_seconds: i64,
    ) -> Result<Option<(Content, &'static str)>, StoreError> {
        if is_window_open(conversation.window_expires_at, now_seconds) {
            return Ok(Some((list_content(id), "interactive")));
        }
        let Some(name) = account.csat_template_name.as_deref() else {
            return Ok(None);
        };
        let template = self
            .templates
            .of_waba(&account.org_id, &account.waba_id)
            .await?
            .into_iter()
            .find(|t| t.name == name && t.status == "APPROVED");
        Ok(template.map(|t| {
            let content = Content::Template {
                name: t.name,
                language: t.language,
                components: serde_json::Value::Array(vec![]),
            };
            (content, "template")
        }))
    }

    /// After `conversation` was resolved: sends its survey if one is wanted and it has none yet.
    pub async fn after_resolve(
        &self,
        conversation: &Conversation,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<CsatSurvey>, StoreError> {
        let org = &conversation.org_id;
        let Some(account) = self.tenancy.get_account(org, &conversation.account_id).await? else {
            return Ok(None);
        };
        if !self.wanted(&account, conversation).await? {
            return Ok(None);
        }
        let contact = self.contacts.contact(org, &conversation.contact_id).await?;
        let Some((contact, to)) = contact.and_then(|c| c.wa_id.clone().map(|to| (c, to))) else {
            return Ok(None);
        };
        let id = survey_id(&conversation.conversation_id);
        let Some((content, via)) = self.content(&account, conversation, &id, now.timestamp()).await? else {
            warn!(conversation = %conversation.conversation_id, "window closed and no approved survey template: no survey");
            return Ok(None);
        };
        let agent = match conversation.assigned_agent_id.as_deref() {
            Some(agent) => self.agents.agent(org, agent).await?,
            None => None,
        };
        let message_type = if via == "template" { "template" } else { "interactive" };
        let (key, message, job) = crate::inbox::compose::queued_message(
            crate::inbox::compose::Composed {
                org_id: org,
                conversation_id: &conversation.conversation_id,
                account_id: &conversation.account_id,
                to: &to,
                message_type,
                content: &content,
                reply_to: None,
                origin: crate::inbox::origin::Origin::of(crate::inbox::origin::OriginKind::System, "csat"),
            },
            now,
        );
        let survey = CsatSurvey {
            survey_id: id,
            org_id: org.clone(),
            conversation_id: conversation.conversation_id.clone(),
            account_id: conversation.account_id.clone(),
            contact_id: contact.contact_id.clone(),
            contact_name: crate::inbox::contact_store::display_name(&contact).map(str::to_string),
            agent_id: conversation.assigned_agent_id.clone(),
            agent_name: agent.map(|a| a.full_name),
            status: SurveyStatus::Sent,
            via: via.into(),
            message_id: message.message_id.clone(),
            rating: None,
            comment: None,
            rating_wamid: None,
            created_ms: now.timestamp_millis(),
            created_at: crate::inbox::rfc3339_millis(now.timestamp_millis()),
            rated_at: None,
        };
        let writes = self.csat.created(&survey, &to)?;
        match self
            .sends
            .create_with(&key, &message, &content.preview(), &job, None, writes)
            .await
        {
            Ok(_) => {}
            Err(StoreError::Conflict(what)) if what == "survey exists" => return Ok(None),
            Err(err) => return Err(err),
        }
        if !self.outbound.send_all(&[job.body()]).await.is_empty() {
            warn!("the survey is stored but could not be queued; the sweeper will queue it");
        }
        info!(survey = %survey.survey_id, via, "satisfaction survey queued");
        Ok(Some(survey))
    }
}
