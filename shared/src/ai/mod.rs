//! AI agents (issue 26, in progress): the model port (`model`), Amazon Bedrock behind it
//! (`bedrock`, Converse with tool use and Titan text embeddings through InvokeModel). Locally the
//! real SDK reaches `infra/fake-bedrock`.

#[cfg(feature = "bedrock")]
pub mod bedrock;
pub mod model;
pub mod pricing;
