//! The local DynamoDB (infra/moto_server.py) keeps a transaction's all-or-nothing semantics while
//! it copies only the items a transaction writes: a refused transaction leaves nothing behind.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use integration_tests::*;

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn key(pk: &str) -> std::collections::HashMap<String, AttributeValue> {
    [("pk".to_string(), s(pk)), ("sk".to_string(), s("ITEM"))].into()
}

async fn value_of(dynamo: &aws_sdk_dynamodb::Client, table: &str, pk: &str) -> Option<String> {
    let item = dynamo
        .get_item()
        .table_name(table)
        .set_key(Some(key(pk)))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item?;
    item.get("v").and_then(|v| v.as_s().ok()).cloned()
}

#[tokio::test]
async fn a_refused_transaction_leaves_nothing_behind() {
    let stack = TestStack::new().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let run = unique_phone_number_id();
    let (existing, fresh, missing, other) = (
        format!("TXTEST#{run}#existing"),
        format!("TXTEST#{run}#fresh"),
        format!("TXTEST#{run}#missing"),
        format!("TXTEST#{run}#other"),
    );
    let mut item = key(&existing);
    item.insert("v".into(), s("1"));
    dynamo
        .put_item()
        .table_name(&table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();

    let put = |pk: &str| {
        let mut item = key(pk);
        item.insert("v".into(), s("new"));
        TransactWriteItem::builder()
            .put(Put::builder().table_name(&table).set_item(Some(item)).build().unwrap())
            .build()
    };
    let update = |expression: &str| {
        TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name(&table)
                    .set_key(Some(key(&existing)))
                    .update_expression(expression)
                    .expression_attribute_values(":v", s("2"))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    // A failed condition: the put and the update before it are not applied.
    let check = TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name(&table)
                .set_key(Some(key(&missing)))
                .condition_expression("attribute_exists(pk)")
                .build()
                .unwrap(),
        )
        .build();
    let refused = dynamo
        .transact_write_items()
        .set_transact_items(Some(vec![put(&fresh), update("SET v = :v"), check]))
        .send()
        .await
        .unwrap_err();
    let reasons: Vec<Option<String>> = match refused.as_service_error() {
        Some(
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c),
        ) => c
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().map(str::to_string))
            .collect(),
        other => panic!("not a cancellation: {other:?}"),
    };
    assert_eq!(
        reasons.last().cloned().flatten().as_deref(),
        Some("ConditionalCheckFailed"),
        "{reasons:?}"
    );
    assert_eq!(value_of(&dynamo, &table, &fresh).await, None, "the put was not kept");
    assert_eq!(
        value_of(&dynamo, &table, &existing).await.as_deref(),
        Some("1"),
        "the update was not kept"
    );

    // A write refused midway (an update expression naming an undefined placeholder): the writes
    // before it are undone.
    let refused = dynamo
        .transact_write_items()
        .set_transact_items(Some(vec![put(&other), update("SET v = :v, w = :undefined")]))
        .send()
        .await;
    assert!(refused.is_err());
    assert_eq!(value_of(&dynamo, &table, &other).await, None);
    assert_eq!(value_of(&dynamo, &table, &existing).await.as_deref(), Some("1"));

    // And an accepted one writes everything.
    dynamo
        .transact_write_items()
        .set_transact_items(Some(vec![put(&fresh), update("SET v = :v")]))
        .send()
        .await
        .unwrap();
    assert_eq!(value_of(&dynamo, &table, &fresh).await.as_deref(), Some("new"));
    assert_eq!(value_of(&dynamo, &table, &existing).await.as_deref(), Some("2"));
}
