//! AI agents (seeds 001 and 004) that answer customers first and hand over to people: the
//! agent and where it answers (`agent`), when it hands over (`handoff`), one turn decided purely
//! (`turn`), and the responder running a turn on ports (`responder`, `ports`). The model port
//! (`model`) has Amazon Bedrock behind it (`bedrock`: Converse with tool use, Titan text
//! embeddings through InvokeModel); locally the real SDK reaches `infra/fake-bedrock`.

pub mod agent;
pub mod agent_store;
#[cfg(feature = "bedrock")]
pub mod bedrock;
pub mod catalog;
#[cfg(any(test, feature = "fakes"))]
pub mod contract;
pub mod dispatch;
pub mod evaluation;
pub mod evaluation_store;
pub mod handoff;
pub mod inbox_adapters;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod model;
pub mod orchestration;
pub mod ports;
pub mod pricing;
pub mod product_store;
pub mod responder;
pub mod session_store;
pub mod test_chat;
#[cfg(test)]
mod test_world;
pub mod turn;
pub mod turn_queue;
pub mod usage_store;
