//! An AI agent's products (seed 001's AiProduct): what `lookup_product` answers from. Checking a
//! product and finding the ones a customer's words name are pure; prices and weights stay the
//! decimal strings the business wrote, never floats.

use crate::ai::agent::Refusal;
use crate::bot::matching::normalize;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const MAX_PRODUCTS: usize = 1_000;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_DECIMAL_CHARS: usize = 20;
/// The product's metadata (a JSON object), serialized.
pub const MAX_METADATA_BYTES: usize = 2_048;
/// Products one lookup answers.
pub const LOOKUP_RESULTS: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub org_id: String,
    pub ai_agent_id: String,
    pub product_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A decimal string (`"19.90"`).
    #[serde(default)]
    pub price: Option<String>,
    /// A decimal string.
    #[serde(default)]
    pub weight: Option<String>,
    #[serde(default)]
    pub metadata: Option<Value>,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Whether `text` is a non-negative decimal: digits, optionally a point and up to 4 more.
pub fn is_decimal(text: &str) -> bool {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    text.len() <= MAX_DECIMAL_CHARS && digits(whole) && fraction.is_none_or(|f| digits(f) && f.len() <= 4)
}

impl Product {
    pub fn check(&self) -> Result<(), Refusal> {
        let controls = |t: &str| t.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        if self.name.trim().is_empty() || self.name.chars().count() > MAX_NAME_CHARS || controls(&self.name) {
            return Err(Refusal::new(
                "name",
                format!("1 to {MAX_NAME_CHARS} characters, no control characters"),
            ));
        }
        if let Some(description) = &self.description
            && (description.chars().count() > MAX_DESCRIPTION_CHARS || controls(description))
        {
            return Err(Refusal::new(
                "description",
                format!("at most {MAX_DESCRIPTION_CHARS} characters, no control characters"),
            ));
        }
        for (field, value) in [("price", &self.price), ("weight", &self.weight)] {
            if value.as_deref().is_some_and(|v| !is_decimal(v)) {
                return Err(Refusal::new(
                    field,
                    "a decimal string such as \"19.90\" (up to 4 decimals)",
                ));
            }
        }
        if let Some(metadata) = &self.metadata {
            if !metadata.is_object() {
                return Err(Refusal::new("metadata", "a JSON object"));
            }
            if metadata.to_string().len() > MAX_METADATA_BYTES {
                return Err(Refusal::new(
                    "metadata",
                    format!("at most {MAX_METADATA_BYTES} bytes as JSON"),
                ));
            }
        }
        Ok(())
    }

    /// What the model is shown of it.
    pub fn for_model(&self) -> Value {
        json!({"name": self.name, "description": self.description, "price": self.price,
            "weight": self.weight, "metadata": self.metadata})
    }
}

/// The active products the query names, best first: words of the query (folded as the bot folds
/// them) found in a product's name count three, in its description one; none shared: not found.
pub fn lookup<'a>(products: &'a [Product], query: &str) -> Vec<&'a Product> {
    let asked: Vec<String> = normalize(query)
        .split(' ')
        .filter(|w| w.chars().count() > 2)
        .map(str::to_string)
        .collect();
    let mut scored: Vec<(usize, &Product)> = products
        .iter()
        .filter(|p| p.is_active)
        .map(|p| {
            let name = normalize(&p.name);
            let description = normalize(p.description.as_deref().unwrap_or_default());
            let words =
                |text: &str, word: &str| text.split(' ').any(|w| w == word || w.strip_suffix('s') == Some(word));
            let score = asked
                .iter()
                .map(|w| 3 * usize::from(words(&name, w)) + usize::from(words(&description, w)))
                .sum();
            (score, p)
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by(|(a, x), (b, y)| b.cmp(a).then_with(|| x.name.cmp(&y.name)));
    scored.into_iter().take(LOOKUP_RESULTS).map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str, description: &str, price: &str) -> Product {
        Product {
            org_id: "o".into(),
            ai_agent_id: "aia_1".into(),
            product_id: format!("apr_{}", name.len()),
            name: name.into(),
            description: Some(description.into()),
            price: Some(price.into()),
            weight: None,
            metadata: None,
            is_active: true,
            created_at: "t".into(),
            updated_at: "t".into(),
        }
    }

    #[test]
    fn the_products_a_customer_names_come_first_by_name_then_description() {
        let products = vec![
            product("Trail runner", "a running shoe for mud", "89.90"),
            product("Road runner", "light running shoe", "79.00"),
            product("Wool socks", "warm, for trail shoes", "9.50"),
        ];
        let found: Vec<&str> = lookup(&products, "How much are the TRAIL shoes?")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(found, ["Trail runner", "Wool socks"]);
        assert!(lookup(&products, "a hat").is_empty());
        let mut off = products.clone();
        off[0].is_active = false;
        assert_eq!(lookup(&off, "trail")[0].name, "Wool socks");
    }

    #[test]
    fn prices_are_decimal_strings_and_a_product_is_checked_naming_the_field() {
        for good in ["0", "19.90", "1000", "0.0001"] {
            assert!(is_decimal(good), "{good}");
        }
        for bad in ["", "-1", "1.", ".5", "1,50", "1e3", "1.23456", "12 €"] {
            assert!(!is_decimal(bad), "{bad}");
        }
        let mut p = product("Trail runner", "mud", "89.90");
        assert_eq!(p.check(), Ok(()));
        p.weight = Some("heavy".into());
        assert_eq!(p.check().unwrap_err().field, "weight");
        p.weight = None;
        p.metadata = Some(json!(["x"]));
        assert_eq!(p.check().unwrap_err().field, "metadata");
    }
}
