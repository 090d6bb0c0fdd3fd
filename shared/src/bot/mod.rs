//! The keyword bot (seed 000): scenarios an organization writes, started by a customer's keyword
//! and walked by their button and list choices. Matching (`matching`), the scenario graph
//! (`scenario`) and each turn's decision (`turn`) are pure; the responder runs them on ports.

pub mod matching;
pub mod scenario;
pub mod turn;
