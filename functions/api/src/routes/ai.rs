//! AI agents' routes: agents, their assignments and handoff rules, and usage.

use super::Operation::*;
use super::{QueryParameter, Route, route};

const RANGE: &[QueryParameter] = &[
    (
        "from",
        "first day, YYYY-MM-DD (UTC; default 29 days before `to`); at most 92 days before `to`",
        r#"{"type":"string","format":"date","maxLength":10}"#,
    ),
    (
        "to",
        "last day, YYYY-MM-DD (UTC; default today, or 91 days after `from` if that is sooner)",
        r#"{"type":"string","format":"date","maxLength":10}"#,
    ),
];

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/ai-agents",
        ListAiAgents,
        "ai_agents.read",
        "ai",
        "AI agents, oldest first",
    )
    .returns("AiAgentList"),
    route(
        "POST",
        "/v1/ai-agents",
        CreateAiAgent,
        "ai_agents.manage",
        "ai",
        "Create an AI agent (at most 20)",
    )
    .json("WriteAiAgent")
    .returns("AiAgent")
    .status(201),
    route(
        "GET",
        "/v1/ai-agents/{ai_agent_id}",
        GetAiAgent,
        "ai_agents.read",
        "ai",
        "An AI agent",
    )
    .returns("AiAgent"),
    route(
        "PATCH",
        "/v1/ai-agents/{ai_agent_id}",
        UpdateAiAgent,
        "ai_agents.manage",
        "ai",
        "Change an AI agent (applies to new turns within 30 s)",
    )
    .json("WriteAiAgent")
    .returns("AiAgent"),
    route(
        "DELETE",
        "/v1/ai-agents/{ai_agent_id}",
        DeleteAiAgent,
        "ai_agents.manage",
        "ai",
        "Delete an AI agent that is no agent's parent",
    )
    .status(204),
    route(
        "GET",
        "/v1/ai-agents/{ai_agent_id}/assignments",
        ListAiAssignments,
        "ai_agents.read",
        "ai",
        "Where the agent answers",
    )
    .returns("AiAssignmentList"),
    route(
        "POST",
        "/v1/ai-agents/{ai_agent_id}/assignments",
        CreateAiAssignment,
        "ai_agents.manage",
        "ai",
        "Assign the agent to a channel, number, division or contact tags (at most 20)",
    )
    .json("WriteAiAssignment")
    .returns("AiAssignment")
    .status(201),
    route(
        "PATCH",
        "/v1/ai-agents/{ai_agent_id}/assignments/{assignment_id}",
        UpdateAiAssignment,
        "ai_agents.manage",
        "ai",
        "Change an assignment",
    )
    .json("WriteAiAssignment")
    .returns("AiAssignment"),
    route(
        "DELETE",
        "/v1/ai-agents/{ai_agent_id}/assignments/{assignment_id}",
        DeleteAiAssignment,
        "ai_agents.manage",
        "ai",
        "Remove an assignment",
    )
    .status(204),
    route(
        "GET",
        "/v1/ai-agents/{ai_agent_id}/handoff-rules",
        ListAiHandoffRules,
        "ai_agents.read",
        "ai",
        "When the agent hands over to people",
    )
    .returns("AiHandoffRuleList"),
    route(
        "POST",
        "/v1/ai-agents/{ai_agent_id}/handoff-rules",
        CreateAiHandoffRule,
        "ai_agents.manage",
        "ai",
        "Add a handoff rule (at most 20)",
    )
    .json("WriteAiHandoffRule")
    .returns("AiHandoffRule")
    .status(201),
    route(
        "PATCH",
        "/v1/ai-agents/{ai_agent_id}/handoff-rules/{handoff_rule_id}",
        UpdateAiHandoffRule,
        "ai_agents.manage",
        "ai",
        "Change a handoff rule",
    )
    .json("WriteAiHandoffRule")
    .returns("AiHandoffRule"),
    route(
        "DELETE",
        "/v1/ai-agents/{ai_agent_id}/handoff-rules/{handoff_rule_id}",
        DeleteAiHandoffRule,
        "ai_agents.manage",
        "ai",
        "Remove a handoff rule",
    )
    .status(204),
    route(
        "GET",
        "/v1/ai-usage",
        GetAiUsage,
        "ai_agents.read",
        "ai",
        "Tokens, requests and cost per day and agent, with the organization's totals",
    )
    .returns("AiUsage")
    .query(RANGE),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/take-over",
        TakeOverConversation,
        "conversations.assign",
        "ai",
        "Take the conversation from the AI: the AI keeps silent in it, and it is assigned to you",
    )
    .returns("ConversationWithContact"),
    route(
        "GET",
        "/v1/ai-agents/{ai_agent_id}/products",
        ListAiProducts,
        "ai_agents.read",
        "ai",
        "The products the agent's lookup_product answers from, by name",
    )
    .returns("AiProductList"),
    route(
        "POST",
        "/v1/ai-agents/{ai_agent_id}/products",
        CreateAiProduct,
        "ai_agents.manage",
        "ai",
        "Add a product (at most 1,000 per agent)",
    )
    .json("WriteAiProduct")
    .returns("AiProduct")
    .status(201),
    route(
        "PATCH",
        "/v1/ai-agents/{ai_agent_id}/products/{product_id}",
        UpdateAiProduct,
        "ai_agents.manage",
        "ai",
        "Change a product",
    )
    .json("WriteAiProduct")
    .returns("AiProduct"),
    route(
        "DELETE",
        "/v1/ai-agents/{ai_agent_id}/products/{product_id}",
        DeleteAiProduct,
        "ai_agents.manage",
        "ai",
        "Remove a product",
    )
    .status(204),
    route(
        "GET",
        "/v1/ai-agents/{ai_agent_id}/orchestration-rules",
        ListAiOrchestrationRules,
        "ai_agents.read",
        "ai",
        "Where this agent passes conversations to its children",
    )
    .returns("AiOrchestrationRuleList"),
    route(
        "POST",
        "/v1/ai-agents/{ai_agent_id}/orchestration-rules",
        CreateAiOrchestrationRule,
        "ai_agents.manage",
        "ai",
        "Route to a child agent when its condition fits (at most 20)",
    )
    .json("WriteAiOrchestrationRule")
    .returns("AiOrchestrationRule")
    .status(201),
    route(
        "PATCH",
        "/v1/ai-agents/{ai_agent_id}/orchestration-rules/{orchestration_rule_id}",
        UpdateAiOrchestrationRule,
        "ai_agents.manage",
        "ai",
        "Change an orchestration rule",
    )
    .json("WriteAiOrchestrationRule")
    .returns("AiOrchestrationRule"),
    route(
        "DELETE",
        "/v1/ai-agents/{ai_agent_id}/orchestration-rules/{orchestration_rule_id}",
        DeleteAiOrchestrationRule,
        "ai_agents.manage",
        "ai",
        "Remove an orchestration rule",
    )
    .status(204),
    route(
        "GET",
        "/v1/ai-evaluations",
        ListAiEvaluations,
        "ai_agents.read",
        "ai",
        "Corrections of AI replies, newest first (at most 100)",
    )
    .returns("AiEvaluationList")
    .query(&[(
        "ai_agent_id",
        "one AI agent's corrections (default: every agent's)",
        r#"{"type":"string","pattern":"^[a-z0-9_-]{1,64}$"}"#,
    )]),
    route(
        "POST",
        "/v1/ai-evaluations",
        CreateAiEvaluation,
        "conversations.reply",
        "ai",
        "Correct an AI reply: the agent's newest corrections are shown to it as examples",
    )
    .json("CreateAiEvaluation")
    .returns("AiEvaluation")
    .status(201),
    route(
        "DELETE",
        "/v1/ai-evaluations/{evaluation_id}",
        DeleteAiEvaluation,
        "ai_agents.manage",
        "ai",
        "Delete a correction",
    )
    .status(204),
    route(
        "POST",
        "/v1/ai-agents/{ai_agent_id}/test-chat",
        TestAiAgent,
        "ai_agents.manage",
        "ai",
        "Try the agent: it answers these messages with its real prompt, products and model; nothing is sent and no conversation changes (its tokens count in the usage)",
    )
    .json("TestChat")
    .returns("TestChatAnswer"),
];
