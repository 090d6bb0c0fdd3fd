//! A DynamoDB transaction as a value: which writes, under which conditions, each filling a named
//! slot. Stores build plans in pure functions (unit-tested without a table) and run them through
//! [`crate::platform::transact`]; when DynamoDB cancels one, its reasons come back by slot, never by index.

use crate::platform::items::Item;
use crate::platform::table::Key;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::BTreeMap;

/// One write of a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    Put {
        item: Item,
        condition: Option<String>,
        names: BTreeMap<String, String>,
        values: BTreeMap<String, AttributeValue>,
    },
    Update {
        key: Key,
        expression: String,
        condition: Option<String>,
        names: BTreeMap<String, String>,
        values: BTreeMap<String, AttributeValue>,
    },
    Check {
        key: Key,
        condition: String,
        names: BTreeMap<String, String>,
        values: BTreeMap<String, AttributeValue>,
    },
    Delete {
        key: Key,
        condition: Option<String>,
        values: BTreeMap<String, AttributeValue>,
    },
}

impl WriteOp {
    pub fn put(item: Item) -> Self {
        WriteOp::Put {
            item,
            condition: None,
            names: BTreeMap::new(),
            values: BTreeMap::new(),
        }
    }

    /// A put that only creates: it fails when an item with its key exists.
    pub fn create(item: Item) -> Self {
        WriteOp::put(item).when("attribute_not_exists(pk)")
    }

    pub fn update(key: Key, expression: impl Into<String>) -> Self {
        WriteOp::Update {
            key,
            expression: expression.into(),
            condition: None,
            names: BTreeMap::new(),
            values: BTreeMap::new(),
        }
    }

    pub fn delete(key: Key) -> Self {
        WriteOp::Delete {
            key,
            condition: None,
            values: BTreeMap::new(),
        }
    }

    /// Sets an update's expression (for an update built up from its key).
    pub fn expression(mut self, text: impl Into<String>) -> Self {
        if let WriteOp::Update { expression, .. } = &mut self {
            *expression = text.into();
        }
        self
    }

    pub fn check(key: Key, condition: impl Into<String>) -> Self {
        WriteOp::Check {
            key,
            condition: condition.into(),
            names: BTreeMap::new(),
            values: BTreeMap::new(),
        }
    }

    /// Sets the condition of a put or update (a check has one already).
    pub fn when(mut self, expression: impl Into<String>) -> Self {
        match &mut self {
            WriteOp::Put { condition, .. } | WriteOp::Update { condition, .. } | WriteOp::Delete { condition, .. } => {
                *condition = Some(expression.into())
            }
            WriteOp::Check { condition, .. } => *condition = expression.into(),
        }
        self
    }

    pub fn name(mut self, placeholder: impl Into<String>, attribute: impl Into<String>) -> Self {
        match &mut self {
            WriteOp::Put { names, .. } | WriteOp::Update { names, .. } | WriteOp::Check { names, .. } => {
                names.insert(placeholder.into(), attribute.into());
            }
            WriteOp::Delete { .. } => {}
        }
        self
    }

    pub fn value(mut self, placeholder: impl Into<String>, value: AttributeValue) -> Self {
        match &mut self {
            WriteOp::Put { values, .. }
            | WriteOp::Update { values, .. }
            | WriteOp::Check { values, .. }
            | WriteOp::Delete { values, .. } => {
                values.insert(placeholder.into(), value);
            }
        }
        self
    }

    pub fn condition(&self) -> Option<&str> {
        match self {
            WriteOp::Put { condition, .. } | WriteOp::Update { condition, .. } | WriteOp::Delete { condition, .. } => {
                condition.as_deref()
            }
            WriteOp::Check { condition, .. } => Some(condition),
        }
    }

    /// `ADD` to counter attributes of the item at `key` (created when missing, tagged `Counters`).
    pub fn add_counters(key: Key, adds: &[(&str, i64)]) -> Self {
        let clauses: Vec<String> = (0..adds.len()).map(|i| format!("#c{i} :c{i}")).collect();
        let mut op = WriteOp::update(key, format!("SET entity = :entity ADD {}", clauses.join(", ")))
            .value(":entity", AttributeValue::S("Counters".into()));
        for (i, (name, amount)) in adds.iter().enumerate() {
            op = op
                .name(format!("#c{i}"), *name)
                .value(format!(":c{i}"), AttributeValue::N(amount.to_string()));
        }
        op
    }
}

/// The writes of one transaction, in the order they are sent, each under its slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<S> {
    writes: Vec<(S, WriteOp)>,
}

impl<S: Copy + PartialEq + std::fmt::Debug> Default for Plan<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Copy + PartialEq + std::fmt::Debug> Plan<S> {
    pub fn new() -> Self {
        Self { writes: Vec::new() }
    }

    pub fn push(&mut self, slot: S, op: WriteOp) {
        self.writes.push((slot, op));
    }

    pub fn with(mut self, slot: S, op: WriteOp) -> Self {
        self.push(slot, op);
        self
    }

    pub fn writes(&self) -> &[(S, WriteOp)] {
        &self.writes
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The first write in `slot`.
    pub fn get(&self, slot: S) -> Option<&WriteOp> {
        self.writes.iter().find(|(s, _)| *s == slot).map(|(_, op)| op)
    }

    pub fn slots(&self) -> impl Iterator<Item = S> + '_ {
        self.writes.iter().map(|(slot, _)| *slot)
    }
}

/// Why DynamoDB cancelled one write of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// `ConditionalCheckFailed`, `TransactionConflict`, `None`, ...
    pub code: Option<String>,
    /// The item as it was, when its condition failed.
    pub old: Option<Item>,
}

/// A cancelled plan: the reason of each of its writes, by slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancelled<S> {
    reasons: Vec<(S, Reason)>,
}

impl<S: Copy + PartialEq + std::fmt::Debug> Cancelled<S> {
    /// Pairs DynamoDB's reasons (one per write, in order) with the plan's slots.
    pub fn of(plan: &Plan<S>, reasons: Vec<Reason>) -> Self {
        Self {
            reasons: plan.slots().zip(reasons).collect(),
        }
    }

    /// The old item of `slot` when its condition failed (empty when DynamoDB sent none).
    pub fn condition_failed(&self, slot: S) -> Option<Item> {
        self.reasons
            .iter()
            .find(|(s, r)| *s == slot && r.code.as_deref() == Some("ConditionalCheckFailed"))
            .map(|(_, r)| r.old.clone().unwrap_or_default())
    }

    /// Slots whose condition failed.
    pub fn failed_slots(&self) -> impl Iterator<Item = S> + '_ {
        self.reasons
            .iter()
            .filter(|(_, r)| r.code.as_deref() == Some("ConditionalCheckFailed"))
            .map(|(s, _)| *s)
    }

    /// Cancelled because another transaction held one of its items.
    pub fn conflicted(&self) -> bool {
        self.reasons
            .iter()
            .any(|(_, r)| r.code.as_deref() == Some("TransactionConflict"))
    }

    /// Cancelled by contention (another transaction, throttling), not by a condition: worth a retry.
    pub fn contended(&self) -> bool {
        self.reasons.iter().any(|(_, r)| {
            matches!(
                r.code.as_deref(),
                Some("TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Slot {
        Claim,
        Record,
    }

    #[test]
    fn reasons_are_read_by_slot_whatever_the_order() {
        let key = |pk: &str| Key {
            pk: pk.into(),
            sk: "S".into(),
        };
        let plan = Plan::new()
            .with(Slot::Record, WriteOp::update(key("A"), "SET x = :x"))
            .with(Slot::Claim, WriteOp::check(key("B"), "attribute_not_exists(pk)"));
        let old = Item::from([("x".to_string(), AttributeValue::N("1".into()))]);
        let cancelled = Cancelled::of(
            &plan,
            vec![
                Reason {
                    code: Some("None".into()),
                    old: None,
                },
                Reason {
                    code: Some("ConditionalCheckFailed".into()),
                    old: Some(old.clone()),
                },
            ],
        );
        assert_eq!(cancelled.condition_failed(Slot::Claim), Some(old));
        assert_eq!(cancelled.condition_failed(Slot::Record), None);
        assert_eq!(cancelled.failed_slots().collect::<Vec<_>>(), vec![Slot::Claim]);
        assert!(!cancelled.contended());
    }

    #[test]
    fn counters_add_every_name_under_its_own_placeholder() {
        let op = WriteOp::add_counters(
            Key {
                pk: "ORG#o".into(),
                sk: "COUNTERS#1".into(),
            },
            &[("a", 1), ("b", 2)],
        );
        let WriteOp::Update {
            expression,
            names,
            values,
            ..
        } = op
        else {
            panic!("counters are an update");
        };
        assert_eq!(expression, "SET entity = :entity ADD #c0 :c0, #c1 :c1");
        assert_eq!(names["#c1"], "b");
        assert_eq!(values[":c1"], AttributeValue::N("2".into()));
    }
}
