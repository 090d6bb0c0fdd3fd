//! The DynamoDB calls the stores share: typed get, one-page queries with cursors, batch reads, and
//! transactions: a [`Plan`] of [`WriteOp`]s run by `transact.rs` (the one runner), each write
//! naming what its failed condition means to the caller.

use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, record, records, s};
use crate::platform::plan::{Plan, WriteOp};
use crate::platform::table::{Key, attr};
use crate::platform::transact::{self, NotCommitted};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// A page cursor: the last evaluated key as strings (every key attribute here is a string).
pub type PageKey = BTreeMap<String, String>;

/// One write of a transaction with what its failed condition means to the caller.
pub struct Write {
    op: WriteOp,
    on_condition_failed: Option<StoreError>,
}

impl Write {
    /// A write whose failed condition is answered with `error`.
    pub fn failing_as(op: WriteOp, error: StoreError) -> Self {
        Self {
            op,
            on_condition_failed: Some(error),
        }
    }
}

impl From<WriteOp> for Write {
    fn from(op: WriteOp) -> Self {
        Self {
            op,
            on_condition_failed: None,
        }
    }
}

#[derive(Clone)]
pub struct Records {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) table: String,
    /// "Now" for the times a store writes itself (claims, settle times).
    pub(crate) clock: crate::platform::clock::Clock,
}

/// One query page: at most `limit` items read, so one request; `next` continues after them.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<PageKey>,
}

/// Whether a single-item write failed its condition (as opposed to failing).
pub(crate) fn condition_failed<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

fn to_item(map: PageKey) -> Item {
    map.into_iter().map(|(k, v)| (k, s(v))).collect()
}

fn from_item(item: Item) -> PageKey {
    item.into_iter()
        .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
        .collect()
}

impl Records {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            clock: crate::platform::clock::Clock::system(),
        }
    }

    pub fn with_clock(mut self, clock: crate::platform::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::aws("GetItem", e))?;
        Ok(output.item)
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &Key, entity: &'static str) -> Result<Option<T>, StoreError> {
        self.get_item(key).await?.map(|item| record(item, entity)).transpose()
    }

    /// One Query page of partition `pk` under `prefix`.
    async fn query_page(
        &self,
        pk: &str,
        prefix: &str,
        limit: i32,
        start: Option<PageKey>,
        newest_first: bool,
    ) -> Result<aws_sdk_dynamodb::operation::query::QueryOutput, StoreError> {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .scan_index_forward(!newest_first)
            .limit(limit)
            .set_exclusive_start_key(start.map(to_item))
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(page)", e))
    }

    /// One page of the items of partition `pk` whose sort key starts with `prefix`.
    pub async fn page<T: DeserializeOwned>(
        &self,
        pk: &str,
        prefix: &str,
        entity: &'static str,
        limit: i32,
        start: Option<PageKey>,
        newest_first: bool,
    ) -> Result<Page<T>, StoreError> {
        let output = self.query_page(pk, prefix, limit, start, newest_first).await?;
        Ok(Page {
            items: records(output.items(), entity)?,
            next: output.last_evaluated_key.map(from_item),
        })
    }

    /// As [`Records::page`], each item with the page key that continues right after it (a caller
    /// that keeps only some of a page can still hand out a cursor).
    pub async fn page_keyed<T: DeserializeOwned>(
        &self,
        pk: &str,
        prefix: &str,
        entity: &'static str,
        limit: i32,
        start: Option<PageKey>,
        newest_first: bool,
    ) -> Result<Page<(T, PageKey)>, StoreError> {
        let output = self.query_page(pk, prefix, limit, start, newest_first).await?;
        let items = output
            .items()
            .iter()
            .map(|item| {
                let key: PageKey = [attr::PK, attr::SK]
                    .iter()
                    .filter_map(|name| Some((name.to_string(), item.get(*name)?.as_s().ok()?.clone())))
                    .collect();
                Ok((record(item.clone(), entity)?, key))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page {
            items,
            next: output.last_evaluated_key.map(from_item),
        })
    }

    /// Every item of partition `pk` under `prefix`, following pages (small, bounded sets only:
    /// a division's members, an agent's keys).
    pub async fn all<T: DeserializeOwned>(
        &self,
        pk: &str,
        prefix: &str,
        entity: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        let mut start = None;
        loop {
            let page = self.page(pk, prefix, entity, 500, start, false).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => start = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// One page of item keys from a keys-only index (one Query per page); read the items with
    /// [`Self::batch_get`].
    pub async fn index_key_page(
        &self,
        index: &str,
        key_condition: &str,
        values: Vec<(&str, String)>,
        limit: i32,
        start: Option<PageKey>,
        newest_first: bool,
    ) -> Result<Page<Key>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(key_condition)
            .scan_index_forward(!newest_first)
            .limit(limit)
            .set_exclusive_start_key(start.map(to_item));
        for (name, value) in values {
            query = query.expression_attribute_values(name, s(value));
        }
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(index page)", e))?;
        Ok(Page {
            items: output
                .items()
                .iter()
                .filter_map(crate::platform::table::key_of_item)
                .collect(),
            next: output.last_evaluated_key.map(from_item),
        })
    }

    /// Reads up to 100 items by key, in the order of `keys` (missing ones skipped).
    pub async fn batch_get<T: DeserializeOwned>(
        &self,
        keys: &[Key],
        entity: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        self.batch_get_items(keys, false)
            .await?
            .into_iter()
            .map(|item| record(item, entity))
            .collect()
    }

    /// The items at `keys` that exist, in the keys' order: BatchGetItem per 100 keys, following
    /// unprocessed keys until none are left.
    pub async fn batch_get_items(&self, keys: &[Key], consistent: bool) -> Result<Vec<Item>, StoreError> {
        let mut found: Vec<(usize, Item)> = Vec::new();
        for chunk_start in (0..keys.len()).step_by(100) {
            let chunk = &keys[chunk_start..(chunk_start + 100).min(keys.len())];
            let mut pending = chunk
                .iter()
                .fold(KeysAndAttributes::builder().consistent_read(consistent), |b, k| {
                    b.keys(key_item(k))
                })
                .build()
                .ok();
            while let Some(request) = pending.take() {
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| StoreError::aws("BatchGetItem", e))?;
                for item in output
                    .responses()
                    .and_then(|r| r.get(&self.table))
                    .into_iter()
                    .flatten()
                {
                    let position = chunk
                        .iter()
                        .position(|k| crate::platform::table::key_of_item(item).as_ref() == Some(k))
                        .unwrap_or(usize::MAX);
                    found.push((chunk_start.saturating_add(position), item.clone()));
                }
                pending = output
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .cloned()
                    .filter(|k| !k.keys().is_empty());
            }
        }
        found.sort_by_key(|(position, _)| *position);
        Ok(found.into_iter().map(|(_, item)| item).collect())
    }

    /// `SET` these attributes (and `REMOVE` those) on an existing item; `None` when it does not
    /// exist. Answers the item as it is afterwards.
    pub async fn set_fields<T: DeserializeOwned>(
        &self,
        key: &Key,
        entity: &'static str,
        sets: Vec<(&str, AttributeValue)>,
        removes: Vec<&str>,
    ) -> Result<Option<T>, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::AllNew);
        let mut clauses = Vec::new();
        for (i, (name, value)) in sets.into_iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#s{i}"), name)
                .expression_attribute_values(format!(":s{i}"), value);
            clauses.push(format!("#s{i} = :s{i}"));
        }
        let mut expression = format!("SET {}", clauses.join(", "));
        if !removes.is_empty() {
            let names: Vec<String> = (0..removes.len()).map(|i| format!("#r{i}")).collect();
            for (i, name) in removes.iter().enumerate() {
                update = update.expression_attribute_names(format!("#r{i}"), *name);
            }
            expression.push_str(&format!(" REMOVE {}", names.join(", ")));
        }
        match update.update_expression(expression).send().await {
            Ok(output) => output.attributes.map(|item| record(item, entity)).transpose(),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(StoreError::aws("UpdateItem", err)),
        }
    }

    /// Writes `item` unless an item with its key exists; answers whether it wrote.
    pub async fn put_new(&self, item: Item, operation: &'static str) -> Result<bool, StoreError> {
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws(operation, err)),
        }
    }

    /// Writes a record whole: a new one only if its key is free (`read_at` none), a changed one
    /// only if its `updated_at` is still `read_at` (what was read); otherwise `Conflict` saying
    /// `what` changed meanwhile.
    pub async fn put_whole(
        &self,
        item: Item,
        read_at: Option<&str>,
        what: &str,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        let put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        let put = match read_at {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(at) => put
                .condition_expression("updated_at = :was")
                .expression_attribute_values(":was", s(at)),
        };
        match put.send().await {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Err(StoreError::Conflict(format!(
                "{what} changed meanwhile (or its id is taken); read it again"
            ))),
            Err(err) => Err(StoreError::aws(operation, err)),
        }
    }

    /// `ADD amount` to a number attribute, answering its new value.
    pub async fn add(&self, key: &Key, attribute: &str, amount: i64) -> Result<i64, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .update_expression("ADD #a :amount")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":amount", AttributeValue::N(amount.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StoreError::aws("UpdateItem(add)", e))?;
        Ok(output
            .attributes()
            .and_then(|a| a.get(attribute))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or_default())
    }

    /// Updates the item at `key` if it exists ([`StoreError::NotFound`] otherwise).
    pub async fn update_existing(
        &self,
        key: &Key,
        expression: &str,
        values: &[(&str, AttributeValue)],
        operation: &'static str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .update_expression(expression)
            .condition_expression("attribute_exists(pk)")
            .set_expression_attribute_values(Some(values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Err(StoreError::NotFound(key.sk.clone())),
            Err(err) => Err(StoreError::aws(operation, err)),
        }
    }

    /// Deletes the item at `key`; `false` when there was none.
    pub async fn delete_existing(&self, key: &Key, operation: &'static str) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws(operation, err)),
        }
    }

    pub fn put(&self, item: Item, condition: Option<&str>) -> WriteOp {
        match condition {
            Some(condition) => WriteOp::put(item).when(condition),
            None => WriteOp::put(item),
        }
    }

    pub fn delete(&self, key: &Key, condition: Option<(&str, &str, String)>) -> WriteOp {
        match condition {
            Some((expression, name, value)) => WriteOp::delete(key.clone()).when(expression).value(name, s(value)),
            None => WriteOp::delete(key.clone()),
        }
    }

    /// An update of `key`: set its expression with [`WriteOp::expression`], its condition with
    /// [`WriteOp::when`].
    pub fn update_of(&self, key: &Key) -> WriteOp {
        WriteOp::update(key.clone(), "")
    }

    /// `ADD` to counter attributes of the item at `key` (created when missing, tagged `Counters`).
    pub fn counters(&self, key: &Key, adds: &[(&str, i64)]) -> WriteOp {
        WriteOp::add_counters(key.clone(), adds)
    }

    /// Runs the writes as one plan. When a write's condition fails, answers the error that write
    /// names (`Conflict` for a write that names none: a concurrent change).
    pub async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut plan = Plan::new();
        let mut meanings = Vec::with_capacity(writes.len());
        for (slot, write) in writes.into_iter().enumerate() {
            plan.push(slot, write.op);
            meanings.push(write.on_condition_failed);
        }
        match transact::run(&self.client, &self.table, &plan, "TransactWriteItems").await {
            Ok(()) => Ok(()),
            Err(NotCommitted::Store(err)) => Err(err),
            Err(NotCommitted::Cancelled(cancelled)) => {
                let conflict = || StoreError::Conflict("a concurrent change".into());
                match cancelled.failed_slots().next() {
                    Some(slot) => Err(meanings.get_mut(slot).and_then(Option::take).unwrap_or_else(conflict)),
                    None if cancelled.conflicted() => Err(conflict()),
                    None => Err(StoreError::Aws {
                        operation: "TransactWriteItems",
                        detail: format!("cancelled: {cancelled:?}"),
                    }),
                }
            }
        }
    }

    /// A transaction whose failed conditions all mean a concurrent change.
    pub async fn transact_all(&self, items: Vec<WriteOp>) -> Result<(), StoreError> {
        self.transact(items.into_iter().map(Write::from).collect()).await
    }
}
