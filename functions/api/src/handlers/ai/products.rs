//! An agent's products: list, create, PATCH (fields given replace theirs), DELETE; each checked
//! whole, at most 1,000 per agent.

use super::agents::load;
use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::ai::catalog::{MAX_PRODUCTS, Product};
use shared::ai::ports::ProductBook;
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::items::now_rfc3339;

fn apply(product: &mut Product, body: views::WriteAiProduct) -> Result<(), HttpError> {
    if let Some(name) = body.name {
        product.name = name.trim().to_string();
    }
    if let Some(description) = body.description {
        product.description = description;
    }
    if let Some(price) = body.price {
        product.price = price;
    }
    if let Some(weight) = body.weight {
        product.weight = weight;
    }
    if let Some(metadata) = body.metadata {
        product.metadata = metadata;
    }
    if let Some(active) = body.is_active {
        product.is_active = active;
    }
    product.check().map_err(|r| unprocessable(&r.field, r.reason))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = load(api, cx).await?;
    let products = api.ai.products.products(cx.org(), &agent.ai_agent_id).await?;
    ok(&views::AiProductList {
        data: products.iter().map(views::AiProduct::from).collect(),
    })
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiProduct = cx.json()?;
    if body.name.is_none() {
        return Err(unprocessable("name", "is required"));
    }
    let agent = load(api, cx).await?;
    let now = now_rfc3339();
    let mut product = Product {
        org_id: cx.org().into(),
        ai_agent_id: agent.ai_agent_id.clone(),
        product_id: ids::new_id("apr"),
        name: String::new(),
        description: None,
        price: None,
        weight: None,
        metadata: None,
        is_active: true,
        created_at: now.clone(),
        updated_at: now,
    };
    apply(&mut product, body)?;
    // Read, then written: two creations racing at the limit may make one more.
    if api.ai.products.products(cx.org(), &agent.ai_agent_id).await?.len() >= MAX_PRODUCTS {
        return Err(conflict(
            "too_many_products",
            format!("an AI agent has at most {MAX_PRODUCTS} products"),
        ));
    }
    api.ai.products.put_product(&product, None).await?;
    created(&views::AiProduct::from(&product))
}

async fn current(api: &ApiService, cx: &Context<'_>) -> Result<Product, HttpError> {
    let agent = load(api, cx).await?;
    let id = cx.id("product_id", "product")?;
    api.ai
        .products
        .products(cx.org(), &agent.ai_agent_id)
        .await?
        .into_iter()
        .find(|p| p.product_id == id)
        .ok_or_else(|| not_found("product"))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiProduct = cx.json()?;
    let before = current(api, cx).await?;
    let mut product = before.clone();
    apply(&mut product, body)?;
    product.updated_at = now_rfc3339();
    api.ai.products.put_product(&product, Some(&before.updated_at)).await?;
    ok(&views::AiProduct::from(&product))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = load(api, cx).await?;
    let id = cx.id("product_id", "product")?;
    if !api
        .ai
        .products
        .delete_product(cx.org(), &agent.ai_agent_id, &id)
        .await?
    {
        return Err(not_found("product"));
    }
    no_content()
}
