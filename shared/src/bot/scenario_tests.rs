use super::*;

fn item(id: &str, kind: ItemKind, label: &str, children: &[&str]) -> Item {
    Item {
        id: id.into(),
        kind,
        label: label.into(),
        title: None,
        description: None,
        url: None,
        button: None,
        template_id: None,
        children: children.iter().map(|c| c.to_string()).collect(),
    }
}

/// [`demo`] in `org_id`.
pub(crate) fn demo_in(org_id: &str) -> Scenario {
    Scenario {
        org_id: org_id.into(),
        ..demo()
    }
}

/// "Hello" → welcome (buttons: Shop, Hours) → Shop is a list (Shoes, Bags) → Shoes is a text that
/// flows into an image; Hours is a text.
pub(crate) fn demo() -> Scenario {
    let mut shoes_photo = item("shoes_photo", ItemKind::Image, "Our best seller", &[]);
    shoes_photo.url = Some("https://cdn.example.com/shoes.jpg".into());
    let mut shop = item("shop", ItemKind::List, "What are you looking for?", &["shoes", "bags"]);
    shop.title = Some("Shop".into());
    shop.button = Some("Departments".into());
    let titled = |mut item: Item, title: &str| {
        item.title = Some(title.into());
        item
    };
    Scenario {
        scenario_id: "scn_1".into(),
        org_id: "org_1".into(),
        title: "Welcome".into(),
        kind: ScenarioKind::Generic,
        account_id: None,
        keywords: vec!["hello".into(), "hi".into()],
        active: true,
        repeat_count: Some(2),
        start_item_id: "welcome".into(),
        items: vec![
            item(
                "welcome",
                ItemKind::Buttons,
                "Welcome! How can we help?",
                &["shop", "hours"],
            ),
            shop,
            titled(
                item("hours", ItemKind::Text, "We open 9 to 18, Monday to Saturday.", &[]),
                "Opening hours",
            ),
            titled(
                item("shoes", ItemKind::Text, "Shoes: sizes 36 to 46.", &["shoes_photo"]),
                "Shoes",
            ),
            shoes_photo,
            titled(item("bags", ItemKind::Text, "Bags: leather and canvas.", &[]), "Bags"),
        ],
        created_by: None,
        created_at: "2026-12-05T00:00:00Z".into(),
        updated_at: "2026-12-05T00:00:00Z".into(),
    }
}

fn none() -> HashMap<String, ScenarioTemplate> {
    HashMap::new()
}

#[test]
fn the_demo_is_valid_and_each_step_sends_its_items() {
    let s = demo();
    assert_eq!(s.check(&none()), Ok(()));
    let welcome = s.answer("welcome", &none());
    assert_eq!(welcome.len(), 1, "buttons wait for a choice");
    let Content::Buttons { buttons, .. } = &welcome[0].1 else {
        panic!("buttons: {welcome:?}")
    };
    assert_eq!(buttons[0].id, "sb:scn_1:shop");
    assert_eq!(buttons[1].title, "Opening hours");
    assert_eq!(parse_reply_id(&buttons[0].id), Some(("scn_1", "shop")));
    let shoes = s.answer("shoes", &none());
    let ids: Vec<&str> = shoes.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["shoes", "shoes_photo"], "a text flows into its children");
    assert!(matches!(shoes[1].1, Content::MediaLink { ref link, .. } if link.ends_with("shoes.jpg")));
}

#[test]
fn a_broken_graph_is_refused_naming_the_item() {
    let field = |s: &Scenario| s.check(&none()).unwrap_err().field;
    let mut cycle = demo();
    cycle.items[3].children.push("welcome".into());
    assert_eq!(field(&cycle), "items");
    let mut missing = demo();
    missing.items[0].children.push("ghost".into());
    assert_eq!(field(&missing), "items[0].children");
    let mut lost = demo();
    lost.items
        .push(item("orphan", ItemKind::Text, "Nobody reaches me", &[]));
    assert!(lost.check(&none()).unwrap_err().reason.contains("orphan"));
    let mut crowded = demo();
    for extra in ["a", "b"] {
        crowded.items.push(item(extra, ItemKind::Text, "more", &[]));
        crowded.items[0].children.push(extra.into());
    }
    assert_eq!(
        field(&crowded),
        "items[0].children",
        "four buttons are past Meta's three"
    );
    let mut long_title = demo();
    long_title.items[1].title = Some("A title far longer than twenty".into());
    assert_eq!(field(&long_title), "items[0].children");
    let mut twice = demo();
    twice.items[5].id = "shoes".into();
    assert_eq!(field(&twice), "items[5].id");
    let mut no_start = demo();
    no_start.start_item_id = "nowhere".into();
    assert_eq!(field(&no_start), "start_item_id");
    let mut products = demo();
    products.items[2].kind = ItemKind::Products;
    products.items[2].template_id = Some("stl_gone".into());
    assert_eq!(field(&products), "items[2].template_id");
}

#[test]
fn keywords_client_accounts_and_repeat_counts_are_checked() {
    let field = |s: &Scenario| s.check(&none()).unwrap_err().field;
    let mut no_words = demo();
    no_words.keywords = vec!["?!".into()];
    assert_eq!(field(&no_words), "keywords");
    let mut client = demo();
    client.kind = ScenarioKind::Client;
    assert_eq!(field(&client), "account_id");
    let mut zero = demo();
    zero.repeat_count = Some(0);
    assert_eq!(field(&zero), "repeat_count");
}

#[test]
fn a_products_item_sends_its_template_as_a_product_list_or_the_catalog() {
    let mut s = demo();
    s.items[2].kind = ItemKind::Products;
    s.items[2].template_id = Some("stl_1".into());
    let mut template = ScenarioTemplate {
        template_id: "stl_1".into(),
        org_id: "org_1".into(),
        name: "Shoes".into(),
        catalog_id: "1234".into(),
        header: Some("Our shoes".into()),
        thumbnail_product_retailer_id: Some("sku-1".into()),
        sections: vec![ProductSection {
            title: "Running".into(),
            product_retailer_ids: vec!["sku-1".into(), "sku-2".into()],
        }],
        created_at: String::new(),
        updated_at: String::new(),
    };
    let templates = HashMap::from([("stl_1".to_string(), template.clone())]);
    assert_eq!(s.check(&templates), Ok(()));
    assert!(matches!(
        s.answer("hours", &templates)[0].1,
        Content::ProductList { .. }
    ));
    template.sections.clear();
    let templates = HashMap::from([("stl_1".to_string(), template)]);
    assert!(matches!(s.answer("hours", &templates)[0].1, Content::Catalog { .. }));
}
