//! The lookup index (gsi1) projects keys only, so no secret or record body is ever copied into it:
//! a lookup finds the item's key, and the caller reads the item itself.

use crate::platform::StoreError;
use crate::platform::table::{self, Key, attr, index};
use aws_sdk_dynamodb::types::AttributeValue;

/// The key of the one item indexed under (`gsi1pk`, `gsi1sk`), if any.
pub async fn find(
    client: &aws_sdk_dynamodb::Client,
    table_name: &str,
    gsi1pk: String,
    gsi1sk: String,
) -> Result<Option<Key>, StoreError> {
    let output = client
        .query()
        .table_name(table_name)
        .index_name(index::LOOKUP)
        .key_condition_expression("#pk = :pk AND #sk = :sk")
        .expression_attribute_names("#pk", attr::GSI1_PK)
        .expression_attribute_names("#sk", attr::GSI1_SK)
        .expression_attribute_values(":pk", AttributeValue::S(gsi1pk))
        .expression_attribute_values(":sk", AttributeValue::S(gsi1sk))
        .limit(1)
        .send()
        .await
        .map_err(|e| StoreError::aws("Query(lookup)", e))?;
    Ok(output.items().first().and_then(table::key_of_item))
}
