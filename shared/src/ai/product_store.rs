//! An AI agent's products in DynamoDB: a partition per agent, one item per product, written whole
//! and conditioned on what was read (pattern 79 of DATA_MODEL.md); read whole per agent, cached
//! per warm Lambda (`CachedProducts`).

use crate::ai::catalog::Product;
use crate::ai::ports::ProductBook;
use crate::platform::StoreError;
use crate::platform::items::record_item;
use crate::platform::records::Records;
use crate::platform::table;
use crate::platform::ttl_cache::TtlCache;

const PRODUCT: &str = "AiProduct";

#[derive(Clone)]
pub struct ProductStore {
    records: Records,
}

impl ProductStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }
}

#[async_trait::async_trait]
impl ProductBook for ProductStore {
    async fn products(&self, org_id: &str, ai_agent_id: &str) -> Result<Vec<Product>, StoreError> {
        let mut products: Vec<Product> = self
            .records
            .all(&table::ai_products_partition(org_id, ai_agent_id), "PRODUCT#", PRODUCT)
            .await?;
        products.sort_by(|a, b| (&a.name, &a.product_id).cmp(&(&b.name, &b.product_id)));
        Ok(products)
    }

    async fn put_product(&self, product: &Product, read_at: Option<&str>) -> Result<(), StoreError> {
        let key = table::ai_product(&product.org_id, &product.ai_agent_id, &product.product_id);
        self.records
            .put_whole(
                record_item(product, &key, PRODUCT)?,
                read_at,
                "the product",
                "PutItem(AI product)",
            )
            .await
    }

    async fn delete_product(&self, org_id: &str, ai_agent_id: &str, product_id: &str) -> Result<bool, StoreError> {
        self.records
            .delete_existing(
                &table::ai_product(org_id, ai_agent_id, product_id),
                "DeleteItem(AI product)",
            )
            .await
    }
}

/// An agent's products read once per 30 s per warm Lambda; writes go through.
pub struct CachedProducts {
    inner: Box<dyn ProductBook>,
    products: TtlCache<(String, String), Vec<Product>>,
}

impl CachedProducts {
    pub fn new(inner: Box<dyn ProductBook>) -> Self {
        Self {
            inner,
            products: TtlCache::new(1_000),
        }
    }
}

#[async_trait::async_trait]
impl ProductBook for CachedProducts {
    async fn products(&self, org_id: &str, ai_agent_id: &str) -> Result<Vec<Product>, StoreError> {
        let key = (org_id.to_string(), ai_agent_id.to_string());
        if let Some(found) = self.products.get(&key) {
            return Ok(found);
        }
        let read = self.inner.products(org_id, ai_agent_id).await?;
        self.products.insert(key, read.clone(), crate::ai::agent_store::TTL);
        Ok(read)
    }

    async fn put_product(&self, product: &Product, read_at: Option<&str>) -> Result<(), StoreError> {
        self.products
            .remove(&(product.org_id.clone(), product.ai_agent_id.clone()));
        self.inner.put_product(product, read_at).await
    }

    async fn delete_product(&self, org_id: &str, ai_agent_id: &str, product_id: &str) -> Result<bool, StoreError> {
        self.products.remove(&(org_id.to_string(), ai_agent_id.to_string()));
        self.inner.delete_product(org_id, ai_agent_id, product_id).await
    }
}
