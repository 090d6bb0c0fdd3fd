//! The parts of the interactive messages Switchboard sends (reply buttons, lists, products): what
//! comes back when the customer answers is an inbound `Content::Interactive` naming the id.

use serde::{Deserialize, Serialize};

/// One reply button: its id comes back in the customer's `button_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

/// One row of an outbound list: its id comes back in the customer's `list_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A titled group of list rows (the title is required by Meta when there are several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

/// A titled group of a catalog's products, named by their retailer ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSection {
    pub title: String,
    pub product_retailer_ids: Vec<String>,
}
