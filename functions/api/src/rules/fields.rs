//! Each request field's rule, by schema and property name.

use super::Rule;

/// Every rule-checked field of every request body, by schema name: the OpenAPI document replaces
/// these properties' schemas with the rules' and lists the required ones.
pub const BODY_RULES: &[(&str, &str, Rule)] = &[
    ("CreateAgent", "email", EMAIL_REQUIRED),
    ("CreateAgent", "full_name", AGENT_FULL_NAME.required_now()),
    ("CreateAgent", "role", ROLE),
    ("UpdateAgent", "full_name", AGENT_FULL_NAME),
    ("UpdateAgent", "role", ROLE),
    ("CreateRole", "description", ROLE_DESCRIPTION),
    ("WriteAutomationRule", "name", AUTOMATION_NAME),
    ("WriteAutomationRule", "description", AUTOMATION_DESCRIPTION),
    ("WriteAutomationRule", "trigger", AUTOMATION_TRIGGER),
    ("SetAutomationControl", "pause_reason", PAUSE_REASON),
    ("WriteScenario", "title", SCENARIO_TITLE),
    ("WriteScenario", "type", SCENARIO_TYPE),
    ("WriteScenario", "account_id", SCENARIO_ACCOUNT),
    ("WriteScenarioTemplate", "name", SCENARIO_TEMPLATE_NAME),
    ("WriteScenarioTemplate", "header", SCENARIO_TEMPLATE_HEADER),
    ("AutomationDryRun", "conversation_id", OPTIONAL_ID),
    ("AutomationDryRun", "message_text", SAMPLE_TEXT),
    ("AutomationDryRun", "message_type", MESSAGE_TYPE),
    ("UpdateRole", "description", ROLE_DESCRIPTION),
    ("CreateApiKey", "name", KEY_NAME),
    ("CreateApiKey", "agent_id", OPTIONAL_ID),
    ("CreateApiKey", "key_type", KEY_TYPE),
    ("CreateContact", "phone_number", PHONE_REQUIRED),
    ("CreateContact", "name", CONTACT_NAME),
    ("CreateContact", "email", EMAIL_OPTIONAL),
    ("UpdateContact", "name", CONTACT_NAME),
    ("UpdateContact", "email", EMAIL_OPTIONAL),
    ("UpdateContact", "description", CONTACT_DESCRIPTION),
    ("CreateAiEvaluation", "conversation_id", REQUIRED_ID),
    ("CreateAiEvaluation", "message_id", REQUIRED_ID),
    ("CreateDivision", "name", DIVISION_NAME.required_now()),
    ("CreateDivision", "description", DIVISION_DESCRIPTION),
    ("CreateDivision", "allocation_method", ALLOCATION),
    ("UpdateDivision", "name", DIVISION_NAME),
    ("UpdateDivision", "description", DIVISION_DESCRIPTION),
    ("UpdateDivision", "allocation_method", ALLOCATION),
    ("CreateNote", "content", NOTE),
    ("CreateQuickReply", "title", QUICK_REPLY_TITLE.required_now()),
    ("CreateQuickReply", "content", QUICK_REPLY_CONTENT.required_now()),
    ("CreateQuickReply", "category", QUICK_REPLY_CATEGORY),
    ("UpdateQuickReply", "title", QUICK_REPLY_TITLE),
    ("UpdateQuickReply", "content", QUICK_REPLY_CONTENT),
    ("UpdateQuickReply", "category", QUICK_REPLY_CATEGORY),
    ("CreateWebhook", "name", WEBHOOK_NAME.required_now()),
    ("CreateWebhook", "account_id", OPTIONAL_ID),
    ("UpdateWebhook", "name", WEBHOOK_NAME),
    ("UpdateWebhook", "account_id", Rule::IdOrEmpty),
    ("TransferRequest", "note", TRANSFER_NOTE),
    ("TransferRequest", "to_agent_id", OPTIONAL_ID),
    ("TransferRequest", "to_division_id", OPTIONAL_ID),
    ("RegisterAccount", "phone_number_id", META_ID),
    ("RegisterAccount", "waba_id", META_ID),
    ("RegisterAccount", "display_phone_number", DISPLAY_NUMBER),
    ("RegisterAccount", "app_secret", NEW_CREDENTIAL),
    ("RegisterAccount", "access_token", NEW_CREDENTIAL),
    ("RegisterAccount", "verify_token", VERIFY_TOKEN),
    ("RegisterAccount", "division_id", OPTIONAL_ID),
    ("UpdateAccount", "display_phone_number", NEW_DISPLAY_NUMBER),
    ("UpdateAccount", "division_id", Rule::IdOrEmpty),
    ("UpdateAccount", "app_secret", REPLACED_CREDENTIAL),
    ("UpdateAccount", "access_token", REPLACED_CREDENTIAL),
    ("UpdateAccount", "messaging_limit", MESSAGING_LIMIT),
    ("UpdateAccount", "out_of_hours_reply", OUT_OF_HOURS_REPLY),
    ("RegisterRequest", "org_name", DIVISION_NAME),
    ("RegisterRequest", "admin_email", EMAIL_REQUIRED),
    ("RegisterRequest", "admin_name", AGENT_FULL_NAME),
    ("UpdateAccount", "csat_template_name", CSAT_TEMPLATE_NAME),
    ("CreateTemplate", "account_id", REQUIRED_ID),
    ("CreateTemplate", "category", TEMPLATE_CATEGORY),
    ("SyncTemplates", "account_id", REQUIRED_ID),
    ("CreateCampaign", "name", CAMPAIGN_NAME.required_now()),
    ("CreateCampaign", "template_id", REQUIRED_ID),
    ("CreateCampaign", "account_id", OPTIONAL_ID),
    ("CreateCampaign", "responding_agent_id", Rule::IdOrEmpty),
    ("CreateCampaign", "responding_division_id", Rule::IdOrEmpty),
    ("UpdateCampaign", "name", CAMPAIGN_NAME),
    ("UpdateCampaign", "responding_agent_id", Rule::IdOrEmpty),
    ("UpdateCampaign", "responding_division_id", Rule::IdOrEmpty),
    ("CreateSlaPolicy", "name", SLA_NAME.required_now()),
    ("CreateSlaPolicy", "description", SLA_DESCRIPTION),
    ("CreateSlaPolicy", "priority", SLA_PRIORITY),
    ("CreateSlaPolicy", "channel", SLA_CHANNEL),
    ("CreateSlaPolicy", "division_id", OPTIONAL_ID),
    ("UpdateSlaPolicy", "name", SLA_NAME),
    ("UpdateSlaPolicy", "description", SLA_DESCRIPTION),
    ("UpdateSlaPolicy", "priority", SLA_PRIORITY),
    ("UpdateSlaPolicy", "channel", SLA_CHANNEL),
    ("UpdateSlaPolicy", "division_id", OPTIONAL_ID),
];

pub const OUT_OF_HOURS_REPLY: Rule = Rule::Text {
    max: shared::inbox::outbound::MAX_TEXT_CHARS,
    required: false,
    blank_clears: true,
};
pub const CSAT_TEMPLATE_NAME: Rule = Rule::Text {
    max: 512,
    required: false,
    blank_clears: true,
};
pub const SLA_NAME: Rule = Rule::Text {
    max: 200,
    required: false,
    blank_clears: false,
};
pub const SLA_DESCRIPTION: Rule = Rule::Text {
    max: 500,
    required: false,
    blank_clears: true,
};
pub const SLA_PRIORITY: Rule = Rule::OneOf {
    values: shared::care::sla::PRIORITIES,
    required: false,
};
pub const SLA_CHANNEL: Rule = Rule::OneOf {
    values: shared::care::sla::CHANNELS,
    required: false,
};

pub const CAMPAIGN_NAME: Rule = Rule::Text {
    max: 200,
    required: false,
    blank_clears: false,
};
/// A template variable's value (Meta: no newlines or tabs in parameters, at most 1,024).
pub const VARIABLE_VALUE: Rule = Rule::Text {
    max: 1_024,
    required: true,
    blank_clears: false,
};

pub const MESSAGING_LIMIT: Rule = Rule::OneOf {
    values: &["250", "2000", "10000", "100000", "unlimited"],
    required: false,
};
pub const REQUIRED_ID: Rule = Rule::Id { required: true };
pub const TEMPLATE_CATEGORY: Rule = Rule::OneOf {
    values: shared::outreach::template::CATEGORIES,
    required: true,
};

/// Meta's numeric ids (phone number id, WABA id).
pub const META_ID: Rule = Rule::Digits {
    min: 1,
    max: 32,
    plus: false,
    required: true,
};
pub const DISPLAY_NUMBER: Rule = Rule::Digits {
    min: 6,
    max: 32,
    plus: true,
    required: true,
};
pub const NEW_DISPLAY_NUMBER: Rule = Rule::Digits {
    min: 6,
    max: 20,
    plus: true,
    required: false,
};
pub const NEW_CREDENTIAL: Rule = Rule::Secret {
    min: 1,
    max: 4_096,
    not_blank: false,
    required: true,
};
pub const VERIFY_TOKEN: Rule = Rule::Secret {
    min: 16,
    max: 4_096,
    not_blank: false,
    required: false,
};
pub const REPLACED_CREDENTIAL: Rule = Rule::Secret {
    min: 1,
    max: 4_096,
    not_blank: true,
    required: false,
};

pub const EMAIL_REQUIRED: Rule = Rule::Email { required: true };
pub const EMAIL_OPTIONAL: Rule = Rule::Email { required: false };
pub const PHONE_REQUIRED: Rule = Rule::Phone { required: true };
pub const OPTIONAL_ID: Rule = Rule::Id { required: false };
pub const WEBHOOK_NAME: Rule = Rule::Text {
    max: shared::integrations::MAX_NAME_CHARS,
    required: false,
    blank_clears: false,
};
pub const KEY_TYPE: Rule = Rule::OneOf {
    values: &["personal", "integration"],
    required: false,
};
pub const KEY_NAME: Rule = Rule::Text {
    max: 100,
    required: true,
    blank_clears: false,
};
pub const NOTE: Rule = Rule::Text {
    max: 4_000,
    required: true,
    blank_clears: false,
};
pub const TRANSFER_NOTE: Rule = Rule::Text {
    max: 2_000,
    required: false,
    blank_clears: true,
};
pub const AGENT_FULL_NAME: Rule = Rule::Text {
    max: 120,
    required: false,
    blank_clears: false,
};
pub const PAUSE_REASON: Rule = Rule::Text {
    max: 500,
    required: false,
    blank_clears: true,
};
pub const AUTOMATION_NAME: Rule = Rule::Text {
    max: shared::automation::rule::MAX_NAME_CHARS,
    required: false,
    blank_clears: false,
};
pub const AUTOMATION_DESCRIPTION: Rule = Rule::Text {
    max: shared::automation::rule::MAX_DESCRIPTION_CHARS,
    required: false,
    blank_clears: true,
};
pub const AUTOMATION_TRIGGER: Rule = Rule::OneOf {
    values: &[
        "message_received",
        "conversation_created",
        "conversation_resolved",
        "conversation_assigned",
        "contact_created",
        "message_failed",
        "no_customer_reply",
        "no_agent_reply",
    ],
    required: false,
};
pub const SAMPLE_TEXT: Rule = Rule::Text {
    max: 4_096,
    required: false,
    blank_clears: true,
};
pub const MESSAGE_TYPE: Rule = Rule::Text {
    max: 32,
    required: false,
    blank_clears: true,
};

/// A role id: `admin`, `agent` or a custom role's (404 when there is none).
pub const ROLE: Rule = Rule::Id { required: false };
pub const ROLE_DESCRIPTION: Rule = Rule::Text {
    max: shared::access::roles::MAX_DESCRIPTION_CHARS,
    required: false,
    blank_clears: true,
};
pub const CONTACT_NAME: Rule = Rule::Text {
    max: 120,
    required: false,
    blank_clears: true,
};
/// Seed 004's `contact_description`.
pub const CONTACT_DESCRIPTION: Rule = Rule::Text {
    max: 1_000,
    required: false,
    blank_clears: true,
};
pub const DIVISION_NAME: Rule = Rule::Text {
    max: 100,
    required: false,
    blank_clears: false,
};
pub const DIVISION_DESCRIPTION: Rule = Rule::Text {
    max: 500,
    required: false,
    blank_clears: true,
};
pub const ALLOCATION: Rule = Rule::OneOf {
    values: &["round_robin", "least_busy", "manual"],
    required: false,
};
pub const QUICK_REPLY_TITLE: Rule = Rule::Text {
    max: 100,
    required: false,
    blank_clears: false,
};
pub const QUICK_REPLY_CONTENT: Rule = Rule::Text {
    max: 4_096,
    required: false,
    blank_clears: false,
};
pub const QUICK_REPLY_CATEGORY: Rule = Rule::Text {
    max: 50,
    required: false,
    blank_clears: true,
};

pub const SCENARIO_TITLE: Rule = Rule::Text {
    max: shared::bot::scenario::MAX_TITLE_CHARS,
    required: false,
    blank_clears: false,
};
pub const SCENARIO_TYPE: Rule = Rule::OneOf {
    values: &["generic", "client"],
    required: false,
};
/// A client scenario's WhatsApp account; empty removes it.
pub const SCENARIO_ACCOUNT: Rule = Rule::IdOrEmpty;
pub const SCENARIO_TEMPLATE_NAME: Rule = Rule::Text {
    max: 100,
    required: false,
    blank_clears: false,
};
pub const SCENARIO_TEMPLATE_HEADER: Rule = Rule::Text {
    max: shared::inbox::outbound_rich::MAX_HEADER_CHARS,
    required: false,
    blank_clears: true,
};
