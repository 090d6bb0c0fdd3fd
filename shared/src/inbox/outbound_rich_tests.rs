use super::*;
use crate::inbox::outbound::{graph_request, validate as validate_any};
use crate::meta::{ListSection, ProductSection, ReplyButton};

fn buttons(n: usize) -> Content {
    Content::Buttons {
        header: Some("Welcome".into()),
        body: "How can we help?".into(),
        footer: None,
        buttons: (1..=n)
            .map(|i| ReplyButton {
                id: format!("b{i}"),
                title: format!("Option {i}"),
            })
            .collect(),
    }
}

fn row(id: &str) -> ListRow {
    ListRow {
        id: id.into(),
        title: format!("Row {id}"),
        description: None,
    }
}

fn list(sections: Vec<ListSection>) -> Content {
    Content::List {
        header: None,
        body: "Pick one".into(),
        footer: None,
        button: "Menu".into(),
        rows: vec![],
        sections,
    }
}

fn field_of(content: &Content) -> &'static str {
    validate_any(content).expect_err("refused").field
}

#[test]
fn reply_buttons_are_one_to_three_with_distinct_short_titles() {
    assert!(validate_any(&buttons(3)).is_ok());
    assert_eq!(field_of(&buttons(4)), "content.buttons");
    assert_eq!(field_of(&buttons(0)), "content.buttons");
    let mut long = buttons(1);
    if let Content::Buttons { buttons, .. } = &mut long {
        buttons[0].title = "x".repeat(MAX_BUTTON_TITLE_CHARS + 1);
    }
    assert_eq!(field_of(&long), "content.buttons");
    let mut twice = buttons(2);
    if let Content::Buttons { buttons, .. } = &mut twice {
        buttons[1].id = "b1".into();
    }
    assert!(validate_any(&twice).unwrap_err().reason.contains("differ"));
    let mut header = buttons(1);
    if let Content::Buttons { header, .. } = &mut header {
        *header = Some("h".repeat(MAX_HEADER_CHARS + 1));
    }
    assert_eq!(field_of(&header), "content.header");
}

#[test]
fn reply_buttons_take_meta_s_interactive_shape() {
    let body = graph_request("15550001", &buttons(2), None, None, "cb");
    assert_eq!(body["type"], "interactive");
    assert_eq!(body["interactive"]["type"], "button");
    assert_eq!(
        body["interactive"]["header"],
        json!({"type": "text", "text": "Welcome"})
    );
    assert_eq!(
        body["interactive"]["action"]["buttons"][1],
        json!({"type": "reply", "reply": {"id": "b2", "title": "Option 2"}})
    );
}

#[test]
fn lists_hold_at_most_ten_rows_and_title_every_section_when_several() {
    let one = list(vec![ListSection {
        title: None,
        rows: vec![row("a"), row("b")],
    }]);
    assert!(validate_any(&one).is_ok());
    let eleven = list(vec![ListSection {
        title: Some("All".into()),
        rows: (0..11).map(|i| row(&format!("r{i}"))).collect(),
    }]);
    assert!(validate_any(&eleven).unwrap_err().reason.contains("10 rows"));
    let untitled = list(vec![
        ListSection {
            title: Some("One".into()),
            rows: vec![row("a")],
        },
        ListSection {
            title: None,
            rows: vec![row("b")],
        },
    ]);
    assert!(validate_any(&untitled).unwrap_err().reason.contains("title"));
    let repeated = list(vec![ListSection {
        title: None,
        rows: vec![row("a"), row("a")],
    }]);
    assert!(validate_any(&repeated).unwrap_err().reason.contains("differ"));
    let body = graph_request("1", &one, None, None, "cb");
    assert_eq!(body["interactive"]["action"]["sections"][0]["rows"][1]["id"], "b");
    assert_eq!(body["interactive"]["action"]["button"], "Menu");
}

#[test]
fn a_survey_s_rows_are_still_sent_as_one_section() {
    let survey = crate::care::csat::list_content("csat_1");
    assert!(validate_any(&survey).is_ok());
    let body = graph_request("1", &survey, None, None, "cb");
    assert_eq!(
        body["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}

#[test]
fn product_lists_hold_at_most_thirty_products_under_a_text_header() {
    let products = |n: usize| Content::ProductList {
        header: "Our shoes".into(),
        body: "Pick a pair".into(),
        footer: None,
        catalog_id: "1234567890".into(),
        sections: vec![ProductSection {
            title: "Running".into(),
            product_retailer_ids: (0..n).map(|i| format!("sku-{i}")).collect(),
        }],
    };
    assert!(validate_any(&products(30)).is_ok());
    assert!(validate_any(&products(31)).unwrap_err().reason.contains("30 products"));
    assert_eq!(field_of(&products(0)), "content.sections");
    let body = graph_request("1", &products(2), None, None, "cb");
    assert_eq!(body["interactive"]["type"], "product_list");
    assert_eq!(body["interactive"]["action"]["catalog_id"], "1234567890");
    assert_eq!(
        body["interactive"]["action"]["sections"][0]["product_items"][1],
        json!({"product_retailer_id": "sku-1"})
    );
}

#[test]
fn one_product_and_the_catalog_take_their_own_shapes() {
    let product = Content::Product {
        body: Some("This one".into()),
        footer: None,
        catalog_id: "42".into(),
        product_retailer_id: "sku-9".into(),
    };
    let body = graph_request("1", &product, None, None, "cb");
    assert_eq!(body["interactive"]["action"]["product_retailer_id"], "sku-9");
    let catalog = Content::Catalog {
        body: "Browse".into(),
        footer: None,
        thumbnail_product_retailer_id: Some("sku-1".into()),
    };
    let body = graph_request("1", &catalog, None, None, "cb");
    assert_eq!(body["interactive"]["type"], "catalog_message");
    assert_eq!(
        body["interactive"]["action"]["parameters"]["thumbnail_product_retailer_id"],
        "sku-1"
    );
    let blank = Content::Product {
        body: None,
        footer: None,
        catalog_id: " ".into(),
        product_retailer_id: "sku".into(),
    };
    assert_eq!(field_of(&blank), "content.catalog_id");
}

#[test]
fn media_by_link_needs_https_and_is_sent_as_a_link() {
    let by_link = |link: &str| Content::MediaLink {
        media_kind: MediaKind::Image,
        link: link.into(),
        caption: Some("Menu".into()),
        filename: None,
    };
    assert!(validate_any(&by_link("https://cdn.example.com/menu.jpg")).is_ok());
    for bad in [
        "http://cdn.example.com/a.jpg",
        "https://",
        "https:///a",
        "https://a b",
        "ftp://x",
    ] {
        assert_eq!(field_of(&by_link(bad)), "content.link", "{bad}");
    }
    let body = graph_request("1", &by_link("https://cdn.example.com/menu.jpg"), None, None, "cb");
    assert_eq!(body["type"], "image");
    assert_eq!(
        body["image"],
        json!({"link": "https://cdn.example.com/menu.jpg", "caption": "Menu"})
    );
}

#[test]
fn locations_have_coordinates_on_the_globe() {
    let at = |latitude: f64, longitude: f64| Content::Location {
        latitude,
        longitude,
        name: Some("Shop".into()),
        address: None,
        url: None,
    };
    assert!(validate_any(&at(48.85, 2.35)).is_ok());
    assert_eq!(field_of(&at(91.0, 0.0)), "content.latitude");
    assert_eq!(field_of(&at(0.0, -180.5)), "content.longitude");
    assert_eq!(field_of(&at(f64::NAN, 0.0)), "content.latitude");
    let body = graph_request("1", &at(48.85, 2.35), None, None, "cb");
    assert_eq!(
        body["location"],
        json!({"latitude": 48.85, "longitude": 2.35, "name": "Shop"})
    );
}
