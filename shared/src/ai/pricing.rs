//! What a model call costs: a per-model price table (on-demand list prices in us-east-1, USD per
//! million tokens, as listed when written in 2026-12: prices change, so re-check the Amazon
//! Bedrock pricing page before quoting a figure) and the
//! cost of a call's usage in micro-dollars (integers, so daily sums stay exact). A model missing
//! from the table has no known price: its usage is counted, its cost reported as unknown.

use crate::ai::model::Usage;

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

/// Model id (without a cross-region prefix) → its price.
pub const PRICES: &[(&str, Price)] = &[
    (
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        Price {
            input_per_million: 0.80,
            output_per_million: 4.00,
        },
    ),
    (
        "anthropic.claude-3-haiku-20240307-v1:0",
        Price {
            input_per_million: 0.25,
            output_per_million: 1.25,
        },
    ),
    (
        "amazon.nova-lite-v1:0",
        Price {
            input_per_million: 0.06,
            output_per_million: 0.24,
        },
    ),
    (
        "amazon.titan-embed-text-v2:0",
        Price {
            input_per_million: 0.02,
            output_per_million: 0.0,
        },
    ),
];

/// A cross-region inference profile (`us.`, `eu.`, `apac.`, `global.`) is priced as its model in
/// the calling Region.
fn base_model(model_id: &str) -> &str {
    ["us.", "eu.", "apac.", "global."]
        .iter()
        .find_map(|prefix| model_id.strip_prefix(prefix))
        .unwrap_or(model_id)
}

pub fn price_of(model_id: &str) -> Option<Price> {
    let base = base_model(model_id);
    PRICES.iter().find(|(id, _)| *id == base).map(|(_, price)| *price)
}

/// The usage's cost in micro-dollars (rounded up), or `None` for a model without a known price.
pub fn cost_micro_usd(model_id: &str, usage: Usage) -> Option<u64> {
    let price = price_of(model_id)?;
    // USD per million tokens is micro-dollars per token.
    let micro =
        usage.input_tokens as f64 * price.input_per_million + usage.output_tokens as f64 * price.output_per_million;
    Some(micro.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_costs_its_tokens_at_its_models_list_price() {
        let usage = Usage {
            input_tokens: 2_000,
            output_tokens: 150,
        };
        // 2,000 × $0.80/M + 150 × $4/M = $0.0016 + $0.0006.
        assert_eq!(
            cost_micro_usd("anthropic.claude-3-5-haiku-20241022-v1:0", usage),
            Some(2_200)
        );
        assert_eq!(
            cost_micro_usd("us.anthropic.claude-3-5-haiku-20241022-v1:0", usage),
            Some(2_200),
            "a cross-region profile costs as its model"
        );
        // 2,000 × $0.06/M + 150 × $0.24/M = 120 + 36 micro-dollars.
        assert_eq!(cost_micro_usd("amazon.nova-lite-v1:0", usage), Some(156));
        assert_eq!(cost_micro_usd("someone.unknown-v1", usage), None);
    }
}
