//! The model port on Amazon Bedrock Runtime: Converse (system prompt, messages, tools, inference
//! settings, an optional guardrail) and InvokeModel for Titan text embeddings. The SDK retries
//! throttling and server errors itself (standard mode); what still fails maps to [`ModelError`].

use crate::ai::model::{ChatMessage, Embedding, Model, ModelError, Part, Prompt, Reply, Role, Stop, ToolSpec, Usage};
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, GuardrailConfiguration, InferenceConfiguration, Message,
    StopReason, SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock,
    ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::{Document, Number};
use serde_json::Value;

#[derive(Clone)]
pub struct BedrockModel {
    client: aws_sdk_bedrockruntime::Client,
}

impl BedrockModel {
    pub fn new(client: aws_sdk_bedrockruntime::Client) -> Self {
        Self { client }
    }

    /// Bedrock Runtime as the environment configures it (locally, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
    /// points it at the fake).
    pub fn from_aws(aws: &aws_config::SdkConfig) -> Self {
        Self::new(aws_sdk_bedrockruntime::Client::new(aws))
    }

    /// Bedrock Runtime at `endpoint` (a local stack's fake), otherwise as `aws` configures it.
    pub fn at(aws: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let config = aws_sdk_bedrockruntime::config::Builder::from(aws)
            .endpoint_url(endpoint)
            .build();
        Self::new(aws_sdk_bedrockruntime::Client::from_conf(config))
    }
}

/// JSON as a Smithy document (tool inputs, schemas and results cross the SDK as documents).
pub fn document_of(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Document::Number(Number::PosInt(u)),
            (_, Some(i), _) => Document::Number(Number::NegInt(i)),
            (_, _, f) => Document::Number(Number::Float(f.unwrap_or_default())),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(document_of).collect()),
        Value::Object(map) => Document::Object(map.iter().map(|(k, v)| (k.clone(), document_of(v))).collect()),
    }
}

/// A Smithy document as JSON.
pub fn value_of(document: &Document) -> Value {
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(n) => match *n {
            Number::PosInt(u) => Value::from(u),
            Number::NegInt(i) => Value::from(i),
            Number::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        },
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(value_of).collect()),
        Document::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), value_of(v))).collect()),
    }
}

fn invalid(what: &str, err: impl std::fmt::Display) -> ModelError {
    ModelError::Invalid(format!("{what}: {err}"))
}

fn block_of(part: &Part) -> Result<ContentBlock, ModelError> {
    Ok(match part {
        Part::Text(text) => ContentBlock::Text(text.clone()),
        Part::ToolUse { id, name, input } => ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id(id)
                .name(name)
                .input(document_of(input))
                .build()
                .map_err(|e| invalid("tool use", e))?,
        ),
        Part::ToolResult { id, content, failed } => ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(id)
                .content(ToolResultContentBlock::Json(document_of(content)))
                .status(match failed {
                    true => ToolResultStatus::Error,
                    false => ToolResultStatus::Success,
                })
                .build()
                .map_err(|e| invalid("tool result", e))?,
        ),
    })
}

fn message_of(message: &ChatMessage) -> Result<Message, ModelError> {
    let role = match message.role {
        Role::User => ConversationRole::User,
        Role::Assistant => ConversationRole::Assistant,
    };
    let mut builder = Message::builder().role(role);
    for part in &message.parts {
        builder = builder.content(block_of(part)?);
    }
    builder.build().map_err(|e| invalid("message", e))
}

fn tool_of(tool: &ToolSpec) -> Result<Tool, ModelError> {
    Ok(Tool::ToolSpec(
        ToolSpecification::builder()
            .name(&tool.name)
            .description(&tool.description)
            .input_schema(ToolInputSchema::Json(document_of(&tool.input_schema)))
            .build()
            .map_err(|e| invalid("tool", e))?,
    ))
}

fn part_of(block: &ContentBlock) -> Option<Part> {
    match block {
        ContentBlock::Text(text) => Some(Part::Text(text.clone())),
        ContentBlock::ToolUse(tool) => Some(Part::ToolUse {
            id: tool.tool_use_id().to_string(),
            name: tool.name().to_string(),
            input: value_of(tool.input()),
        }),
        _ => None,
    }
}

/// What is left of an SDK error after its retries.
fn model_error<E: ProvideErrorMetadata + std::fmt::Debug>(
    err: aws_sdk_bedrockruntime::error::SdkError<E>,
) -> ModelError {
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    match code.as_str() {
        "ThrottlingException" | "ServiceQuotaExceededException" => ModelError::Throttled,
        "ValidationException" | "AccessDeniedException" | "ResourceNotFoundException" => {
            ModelError::Invalid(format!("{code}: {message}"))
        }
        "" => ModelError::Failed(format!("{err:?}")),
        _ => ModelError::Failed(format!("{code}: {message}")),
    }
}

#[async_trait::async_trait]
impl Model for BedrockModel {
    async fn converse(&self, prompt: &Prompt) -> Result<Reply, ModelError> {
        let mut request = self.client.converse().model_id(&prompt.model_id).inference_config(
            InferenceConfiguration::builder()
                .max_tokens(i32::try_from(prompt.max_tokens).unwrap_or(i32::MAX))
                .temperature(prompt.temperature)
                .build(),
        );
        if !prompt.system.is_empty() {
            request = request.system(SystemContentBlock::Text(prompt.system.clone()));
        }
        for message in &prompt.messages {
            request = request.messages(message_of(message)?);
        }
        if !prompt.tools.is_empty() {
            let mut tools = ToolConfiguration::builder();
            for tool in &prompt.tools {
                tools = tools.tools(tool_of(tool)?);
            }
            request = request.tool_config(tools.build().map_err(|e| invalid("tools", e))?);
        }
        if let Some(guardrail) = &prompt.guardrail {
            request = request.guardrail_config(
                GuardrailConfiguration::builder()
                    .guardrail_identifier(&guardrail.id)
                    .guardrail_version(&guardrail.version)
                    .build(),
            );
        }
        let output = request.send().await.map_err(model_error)?;
        let parts = match output.output() {
            Some(ConverseOutput::Message(message)) => message.content().iter().filter_map(part_of).collect(),
            _ => Vec::new(),
        };
        let stop = match output.stop_reason() {
            StopReason::EndTurn | StopReason::StopSequence => Stop::EndTurn,
            StopReason::ToolUse => Stop::ToolUse,
            StopReason::MaxTokens => Stop::MaxTokens,
            StopReason::GuardrailIntervened | StopReason::ContentFiltered => Stop::Refused,
            other => Stop::Other(other.as_str().to_string()),
        };
        let usage = output.usage().map_or(Usage::default(), |u| Usage {
            input_tokens: u64::try_from(u.input_tokens()).unwrap_or_default(),
            output_tokens: u64::try_from(u.output_tokens()).unwrap_or_default(),
        });
        Ok(Reply { parts, stop, usage })
    }

    async fn embed(&self, model_id: &str, text: &str, dimensions: u32) -> Result<Embedding, ModelError> {
        let body = serde_json::json!({"inputText": text, "dimensions": dimensions, "normalize": true});
        let output = self
            .client
            .invoke_model()
            .model_id(model_id)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(body.to_string()))
            .send()
            .await
            .map_err(model_error)?;
        let answer: Value = serde_json::from_slice(output.body().as_ref())
            .map_err(|e| ModelError::Failed(format!("the embedding is not JSON: {e}")))?;
        let vector: Vec<f32> = answer
            .get("embedding")
            .and_then(Value::as_array)
            .ok_or_else(|| ModelError::Failed("the answer holds no embedding".into()))?
            .iter()
            .map(|v| v.as_f64().unwrap_or_default() as f32)
            .collect();
        let tokens = answer
            .get("inputTextTokenCount")
            .and_then(Value::as_u64)
            .unwrap_or_default();
        Ok(Embedding { vector, tokens })
    }
}
