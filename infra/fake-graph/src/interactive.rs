//! What the real Graph API refuses of an interactive message: its limits.

/// Meta's refusal of an interactive message past its limits (131009), as the real API answers.
pub(crate) fn refusal(message: &serde_json::Value) -> Option<&'static str> {
    if message["type"] != "interactive" {
        return None;
    }
    let interactive = &message["interactive"];
    let count = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
    match interactive["type"].as_str().unwrap_or_default() {
        "button" => {
            let n = count(&interactive["action"]["buttons"]);
            (!(1..=3).contains(&n)).then_some("buttons: 1 to 3")
        }
        "list" => {
            let sections = interactive["action"]["sections"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let rows: usize = sections.iter().map(|s| count(&s["rows"])).sum();
            (sections.is_empty() || sections.len() > 10 || !(1..=10).contains(&rows))
                .then_some("sections and rows: at most 10")
        }
        "product_list" => {
            let sections = interactive["action"]["sections"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let items: usize = sections.iter().map(|s| count(&s["product_items"])).sum();
            (interactive["header"]["type"] != "text" || !(1..=30).contains(&items))
                .then_some("a text header and 1 to 30 products")
        }
        "product" | "catalog_message" => None,
        _ => Some("interactive.type"),
    }
}
