//! The keyword bot (seed 000): scenarios an organization writes, started by a customer's keyword
//! and walked by their button and list choices. Matching (`matching`), the scenario graph
//! (`scenario`) and each turn's decision (`turn`) are pure; the responder runs them on ports.

pub mod adapters;
#[cfg(any(test, feature = "fakes"))]
pub mod contract;
pub mod matching;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod ports;
pub mod responder;
pub mod scenario;
pub mod store;
pub mod turn;
