//! Runs a [`Plan`] as one TransactWriteItems request. The only place plans meet the SDK: every
//! write asks for the old item on a failed condition, so callers can decide from what was there.

use crate::platform::StoreError;
use crate::platform::items::key_item;
use crate::platform::plan::{Cancelled, Plan, Reason, WriteOp};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

/// A plan that did not commit.
#[derive(Debug)]
pub enum NotCommitted<S> {
    /// DynamoDB cancelled it: a condition failed, or another transaction got in the way.
    Cancelled(Cancelled<S>),
    Store(StoreError),
}

impl<S> From<NotCommitted<S>> for StoreError {
    /// For callers with nothing to decide: any cancellation is a concurrent change.
    fn from(failure: NotCommitted<S>) -> Self {
        match failure {
            NotCommitted::Cancelled(_) => StoreError::Conflict("a concurrent change".into()),
            NotCommitted::Store(err) => err,
        }
    }
}

pub async fn run<S: Copy + PartialEq + std::fmt::Debug>(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    plan: &Plan<S>,
    operation: &'static str,
) -> Result<(), NotCommitted<S>> {
    // One write needs no transaction: a single conditional write is as atomic at half the units.
    if let [(_, op)] = plan.writes()
        && !matches!(op, WriteOp::Check { .. })
    {
        return match single(client, table, op, operation).await {
            Ok(()) => Ok(()),
            Err(SingleFailure::Condition(old)) => Err(NotCommitted::Cancelled(Cancelled::of(
                plan,
                vec![Reason {
                    code: Some("ConditionalCheckFailed".into()),
                    old,
                }],
            ))),
            Err(SingleFailure::Store(err)) => Err(NotCommitted::Store(err)),
        };
    }
    let items = plan.writes().iter().map(|(_, op)| sdk_item(table, op)).collect();
    let err = match client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await
    {
        Ok(_) => return Ok(()),
        Err(err) => err,
    };
    if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
        let reasons = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| Reason {
                code: r.code().map(str::to_string),
                old: r.item().cloned(),
            })
            .collect();
        return Err(NotCommitted::Cancelled(Cancelled::of(plan, reasons)));
    }
    Err(NotCommitted::Store(StoreError::aws(operation, err)))
}

/// A plan's names or values as the SDK takes them (none when empty: DynamoDB refuses empty maps).
fn map_of<V: Clone>(map: &std::collections::BTreeMap<String, V>) -> Option<std::collections::HashMap<String, V>> {
    (!map.is_empty()).then(|| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn sdk_item(table: &str, op: &WriteOp) -> TransactWriteItem {
    let all_old = ReturnValuesOnConditionCheckFailure::AllOld;
    match op {
        WriteOp::Put {
            item,
            condition,
            names,
            values,
        } => {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item.clone()))
                .set_condition_expression(condition.clone())
                .set_expression_attribute_names(map_of(names))
                .set_expression_attribute_values(map_of(values))
                .return_values_on_condition_check_failure(all_old)
                .build()
                .expect("table and item are set");
            TransactWriteItem::builder().put(put).build()
        }
        WriteOp::Update {
            key,
            expression,
            condition,
            names,
            values,
        } => {
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key_item(key)))
                .update_expression(expression)
                .set_condition_expression(condition.clone())
                .set_expression_attribute_names(map_of(names))
                .set_expression_attribute_values(map_of(values))
                .return_values_on_condition_check_failure(all_old)
                .build()
                .expect("table, key and expression are set");
            TransactWriteItem::builder().update(update).build()
        }
        WriteOp::Check {
            key,
            condition,
            names,
            values,
        } => {
            let check = ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key_item(key)))
                .condition_expression(condition)
                .set_expression_attribute_names(map_of(names))
                .set_expression_attribute_values(map_of(values))
                .return_values_on_condition_check_failure(all_old)
                .build()
                .expect("table, key and condition are set");
            TransactWriteItem::builder().condition_check(check).build()
        }
        WriteOp::Delete { key, condition, values } => {
            let delete = Delete::builder()
                .table_name(table)
                .set_key(Some(key_item(key)))
                .set_condition_expression(condition.clone())
                .set_expression_attribute_values(map_of(values))
                .return_values_on_condition_check_failure(all_old)
                .build()
                .expect("table and key are set");
            TransactWriteItem::builder().delete(delete).build()
        }
    }
}

/// One Put, Update or Delete of a plan as its own request; a failed condition answers the item
/// as it was, as in a transaction.
async fn single(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    op: &WriteOp,
    operation: &'static str,
) -> Result<(), SingleFailure> {
    use aws_sdk_dynamodb::operation::{
        delete_item::DeleteItemError, put_item::PutItemError, update_item::UpdateItemError,
    };
    let all_old = ReturnValuesOnConditionCheckFailure::AllOld;
    match op {
        WriteOp::Put {
            item,
            condition,
            names,
            values,
        } => match client
            .put_item()
            .table_name(table)
            .set_item(Some(item.clone()))
            .set_condition_expression(condition.clone())
            .set_expression_attribute_names(map_of(names))
            .set_expression_attribute_values(map_of(values))
            .return_values_on_condition_check_failure(all_old)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => SingleFailure::Condition(e.item().cloned()),
                _ => SingleFailure::Store(StoreError::aws(operation, err)),
            }),
        },
        WriteOp::Update {
            key,
            expression,
            condition,
            names,
            values,
        } => match client
            .update_item()
            .table_name(table)
            .set_key(Some(key_item(key)))
            .update_expression(expression)
            .set_condition_expression(condition.clone())
            .set_expression_attribute_names(map_of(names))
            .set_expression_attribute_values(map_of(values))
            .return_values_on_condition_check_failure(all_old)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                    SingleFailure::Condition(e.item().cloned())
                }
                _ => SingleFailure::Store(StoreError::aws(operation, err)),
            }),
        },
        WriteOp::Delete { key, condition, values } => match client
            .delete_item()
            .table_name(table)
            .set_key(Some(key_item(key)))
            .set_condition_expression(condition.clone())
            .set_expression_attribute_values(map_of(values))
            .return_values_on_condition_check_failure(all_old)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(match err.as_service_error() {
                Some(DeleteItemError::ConditionalCheckFailedException(e)) => {
                    SingleFailure::Condition(e.item().cloned())
                }
                _ => SingleFailure::Store(StoreError::aws(operation, err)),
            }),
        },
        WriteOp::Check { .. } => Err(SingleFailure::Store(StoreError::io(
            operation,
            "a check is not a write",
        ))),
    }
}

enum SingleFailure {
    /// The condition failed; the item as it was (none when there was none).
    Condition(Option<crate::platform::items::Item>),
    Store(StoreError),
}

/// A single write that did not happen.
#[derive(Debug)]
pub enum NotWritten {
    ConditionFailed,
    Store(StoreError),
}

/// Runs one update of a plan on its own (UpdateItem); answers the item as it is after the update.
pub async fn update_one(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    op: &WriteOp,
    operation: &'static str,
) -> Result<crate::platform::items::Item, NotWritten> {
    let WriteOp::Update {
        key,
        expression,
        condition,
        names,
        values,
    } = op
    else {
        return Err(NotWritten::Store(StoreError::io(
            operation,
            "only updates run on their own",
        )));
    };
    let result = client
        .update_item()
        .table_name(table)
        .set_key(Some(key_item(key)))
        .update_expression(expression)
        .set_condition_expression(condition.clone())
        .set_expression_attribute_names(map_of(names))
        .set_expression_attribute_values(map_of(values))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await;
    match result {
        Ok(output) => Ok(output.attributes.unwrap_or_default()),
        Err(err) if crate::platform::records::condition_failed(&err) => Err(NotWritten::ConditionFailed),
        Err(err) => Err(NotWritten::Store(StoreError::aws(operation, err))),
    }
}
