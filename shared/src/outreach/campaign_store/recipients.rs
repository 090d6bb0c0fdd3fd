//! A campaign's recipients: one item per phone in the campaign's partition. Added one by one
//! (conditional, from the API) or in batches (the campaigns function's expansion of tags); read in
//! pages for the list and for the fan-out.

use super::CampaignStore;
use crate::outreach::campaign::Recipient;
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, record, record_item, s, string_of};
use crate::platform::records::{Page, PageKey};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use std::collections::{HashMap, HashSet};

/// Recipients are kept 90 days after they were added.
pub const RECIPIENT_TTL_SECONDS: i64 = 90 * 24 * 3600;

fn recipient_item(org_id: &str, recipient: &Recipient, added_by: Option<&str>) -> Result<Item, StoreError> {
    let mut item = record_item(
        recipient,
        &table::campaign_recipient(org_id, &recipient.campaign_id, &recipient.phone),
        "CampaignRecipient",
    )?;
    item.insert(
        attr::EXPIRES_AT.into(),
        crate::platform::items::n(chrono::Utc::now().timestamp() + RECIPIENT_TTL_SECONDS),
    );
    if let Some(token) = added_by {
        item.insert("added_by".into(), s(token));
    }
    Ok(item)
}

/// A page of the fan-out's read: pending recipients after the cursor, and where it stopped.
pub struct FeedPage {
    /// The recipients read that the reader keeps (pending ones for the feed, unsettled ones for
    /// the end's sweep).
    pub pending: Vec<Recipient>,
    /// The phone of the last recipient read (pending or not), if any was.
    pub last_read: Option<String>,
    /// Whether recipients may follow.
    pub more: bool,
}

impl CampaignStore {
    /// Adds one recipient unless its phone is in the campaign already: whether it was new.
    pub async fn add_recipient(&self, org_id: &str, recipient: &Recipient) -> Result<bool, StoreError> {
        let item = recipient_item(org_id, recipient, None)?;
        self.records.put_new(item, "PutItem(recipient)").await
    }

    /// Replaces a still-pending recipient's own variables: whether it was pending.
    pub async fn set_variables(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        variables: &crate::outreach::campaign::Variables,
    ) -> Result<bool, StoreError> {
        let value = serde_dynamo::to_attribute_value(variables).map_err(|e| StoreError::io("variables", e))?;
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::campaign_recipient(org_id, campaign_id, phone))))
            .update_expression("SET variables = :variables")
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":variables", value)
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if crate::platform::records::condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("UpdateItem(recipient variables)", err)),
        }
    }

    pub async fn recipient(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
    ) -> Result<Option<Recipient>, StoreError> {
        self.records
            .get(
                &table::campaign_recipient(org_id, campaign_id, phone),
                "CampaignRecipient",
            )
            .await
    }

    /// One page of recipients by phone, only those in `status` when given (a filtered page may
    /// hold fewer than `limit`, and still have a next one).
    pub async fn recipients_page(
        &self,
        org_id: &str,
        campaign_id: &str,
        status: Option<&str>,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Recipient>, StoreError> {
        let mut query = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(table::campaign_recipients_partition(org_id, campaign_id)))
            .expression_attribute_values(":prefix", s(table::prefix::RECIPIENT))
            .limit(limit)
            .set_exclusive_start_key(start.map(|k| k.into_iter().map(|(k, v)| (k, s(v))).collect()));
        if let Some(status) = status {
            query = query
                .filter_expression("#status = :status")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(status));
        }
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(recipients)", e))?;
        Ok(Page {
            items: output
                .items()
                .iter()
                .map(|item| record(item.clone(), "CampaignRecipient"))
                .collect::<Result<_, _>>()?,
            next: output.last_evaluated_key.map(|key| {
                key.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
                    .collect()
            }),
        })
    }

    /// Which of `phones` are recipients already, with the expansion step that added each (if
    /// one did): BatchGetItem of their keys, projected.
    pub async fn existing(
        &self,
        org_id: &str,
        campaign_id: &str,
        phones: &[String],
    ) -> Result<HashMap<String, Option<String>>, StoreError> {
        let keys: Vec<_> = phones
            .iter()
            .map(|phone| table::campaign_recipient(org_id, campaign_id, phone))
            .collect();
        let items = self.records.batch_get_items(&keys, true).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let sk = string_of(item, attr::SK)?;
                let phone = table::phone_of_recipient_sort_key(&sk)?.to_string();
                Some((phone, string_of(item, "added_by")))
            })
            .collect())
    }

    /// Writes recipients in batches of 25 (BatchWriteItem), following unprocessed items. Each
    /// carries `added_by`, the expansion step that wrote it, so a step run again after a crash
    /// recognises (and counts) its own writes.
    pub async fn write_recipients(
        &self,
        org_id: &str,
        recipients: &[Recipient],
        added_by: &str,
    ) -> Result<(), StoreError> {
        let batches = recipients
            .chunks(25)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|r| {
                        let item = recipient_item(org_id, r, Some(added_by))?;
                        Ok(WriteRequest::builder()
                            .put_request(PutRequest::builder().set_item(Some(item)).build().expect("item is set"))
                            .build())
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // A page's four batches at once: the expansion's time is its round trips.
        let writes = batches.into_iter().map(|requests| self.write_batch(requests));
        for result in futures::future::join_all(writes).await {
            result?;
        }
        Ok(())
    }

    async fn write_batch(&self, mut requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut attempt = 0u32;
        while !requests.is_empty() {
            let output = self
                .records
                .client
                .batch_write_item()
                .request_items(&self.records.table, requests)
                .send()
                .await
                .map_err(|e| StoreError::aws("BatchWriteItem(recipients)", e))?;
            requests = output
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.records.table))
                .unwrap_or_default();
            if !requests.is_empty() {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(25 * 2u64.pow(attempt.min(6)))).await;
            }
        }
        Ok(())
    }

    /// Up to `limit` recipients after `cursor` (a phone), keeping the pending ones: one Query.
    pub async fn pending_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError> {
        self.recipients_after(org_id, campaign_id, cursor, limit, &["pending"])
            .await
    }

    /// Up to `limit` recipients after `cursor`, keeping those whose send is not settled
    /// (`pending`, `sending`, `unknown`): one Query, for the campaign end's sweep.
    pub async fn unsettled_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError> {
        self.recipients_after(org_id, campaign_id, cursor, limit, &["pending", "sending", "unknown"])
            .await
    }

    async fn recipients_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
        keep: &[&str],
    ) -> Result<FeedPage, StoreError> {
        let pk = table::campaign_recipients_partition(org_id, campaign_id);
        let mut query = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":prefix", s(table::prefix::RECIPIENT))
            .limit(limit)
            .consistent_read(true);
        if let Some(cursor) = cursor {
            let key = table::campaign_recipient(org_id, campaign_id, cursor);
            query = query.set_exclusive_start_key(Some(key_item(&key)));
        }
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(campaign recipients)", e))?;
        let read = output
            .items()
            .iter()
            .map(|item| record::<Recipient>(item.clone(), "CampaignRecipient"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FeedPage {
            last_read: read.last().map(|r| r.phone.clone()),
            more: output.last_evaluated_key.is_some(),
            pending: read.into_iter().filter(|r| keep.contains(&r.status.as_str())).collect(),
        })
    }

    /// Which of `phones` opted out of marketing (one BatchGetItem per 100).
    pub async fn opted_out(&self, org_id: &str, phones: &[String]) -> Result<HashSet<String>, StoreError> {
        let keys: Vec<_> = phones.iter().map(|p| table::marketing_opt_out(org_id, p)).collect();
        let items = self.records.batch_get_items(&keys, false).await?;
        Ok(items.iter().filter_map(|item| string_of(item, "phone")).collect())
    }

    /// Records a marketing opt-out (or its withdrawal) of `phone`.
    pub async fn set_opt_out(
        &self,
        org_id: &str,
        phone: &str,
        opted_out: bool,
        reason: &str,
    ) -> Result<(), StoreError> {
        let key = table::marketing_opt_out(org_id, phone);
        if !opted_out {
            return self.records.transact_all(vec![self.records.delete(&key, None)]).await;
        }
        let mut item = key_item(&key);
        item.insert(attr::ENTITY.into(), s("MarketingOptOut"));
        item.insert("phone".into(), s(phone));
        item.insert("reason".into(), s(reason));
        item.insert("at".into(), s(crate::platform::items::now_rfc3339()));
        self.records.transact_all(vec![self.records.put(item, None)]).await
    }
}

impl CampaignStore {
    /// Campaign sends queued for `account_id` in each of `hours` (one BatchGetItem).
    pub async fn limit_usage(
        &self,
        org_id: &str,
        account_id: &str,
        hours: &[String],
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let keys: Vec<_> = hours
            .iter()
            .map(|hour| table::messaging_limit_hour(org_id, account_id, hour))
            .collect();
        let items = self.records.batch_get_items(&keys, true).await?;
        Ok(hours
            .iter()
            .map(|hour| {
                let sk = table::messaging_limit_hour(org_id, account_id, hour).sk;
                let sends = items
                    .iter()
                    .find(|item| string_of(item, attr::SK).as_deref() == Some(sk.as_str()))
                    .and_then(|item| crate::platform::items::number_of(item, "sends"))
                    .unwrap_or(0);
                (hour.clone(), sends.max(0) as u64)
            })
            .collect())
    }

    /// Takes `reservation` of the messaging limit in `hour` before its sends are queued: false
    /// when another feed of the number took that room first (the current hour holds more than
    /// `current_at_most`).
    pub async fn reserve_limit(
        &self,
        org_id: &str,
        account_id: &str,
        hour: &str,
        reservation: crate::outreach::campaign::limit::Reservation,
    ) -> Result<bool, StoreError> {
        let key = table::messaging_limit_hour(org_id, account_id, hour);
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&key)))
            .update_expression("SET entity = :entity, expires_at = :expires ADD sends :sends")
            .condition_expression("attribute_not_exists(sends) OR sends <= :at_most")
            .expression_attribute_values(":entity", s("MessagingLimitHour"))
            .expression_attribute_values(
                ":expires",
                crate::platform::items::n(chrono::Utc::now().timestamp() + 2 * 86_400),
            )
            .expression_attribute_values(":sends", crate::platform::items::n(reservation.sends))
            .expression_attribute_values(":at_most", crate::platform::items::n(reservation.current_at_most))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if crate::platform::records::condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("UpdateItem(messaging limit)", err)),
        }
    }

    /// Gives back `sends` of a reservation that were not queued.
    pub async fn release_limit(
        &self,
        org_id: &str,
        account_id: &str,
        hour: &str,
        sends: u64,
    ) -> Result<(), StoreError> {
        if sends == 0 {
            return Ok(());
        }
        self.records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::messaging_limit_hour(org_id, account_id, hour))))
            .update_expression("ADD sends :minus")
            .condition_expression("attribute_exists(sends)")
            .expression_attribute_values(":minus", crate::platform::items::n(-(sends as i64)))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| match crate::platform::records::condition_failed(&err) {
                true => Ok(()),
                false => Err(StoreError::aws("UpdateItem(messaging limit)", err)),
            })
    }
}
