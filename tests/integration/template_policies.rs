//! template.yaml grants each function what it uses and no more: no broad SAM policy templates, no
//! wildcard actions, no Scan, S3 by prefix, and only the functions that use a clear secret may
//! decrypt one.

use integration_tests::*;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// SAM policy templates that name one queue or bus; everything else is an explicit statement.
const NARROW_SAM_POLICIES: &[&str] = &["SQSSendMessagePolicy", "EventBridgePutEventsPolicy"];
/// Functions that use a secret's clear value (the webhook's app secret, the access token, an
/// outgoing webhook's signing secret).
const SECRET_READERS: &[&str] = &[
    "WebhookFunction",
    "MediaFunction",
    "SenderFunction",
    "ApiFunction",
    "CampaignsFunction",
    "DeliveriesFunction",
];

/// The secrets (`secret` in the encryption context) each reader opens; IAM limits its Decrypt
/// to them: the webhook checks signatures and the handshake, the others call the Graph API.
const OPENS: &[(&str, &[&str])] = &[
    ("WebhookFunction", &["app_secret", "verify_token"]),
    ("MediaFunction", &["access_token"]),
    ("SenderFunction", &["access_token"]),
    ("ApiFunction", &["access_token"]),
    ("CampaignsFunction", &["access_token"]),
    ("DeliveriesFunction", &["webhook_secret"]),
];

fn template() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("template.yaml")).unwrap()).unwrap()
}

/// `!Sub "x"` -> `Sub x`, `!GetAtt A.B` -> `GetAtt A.B`, a plain string as itself.
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Tagged(tagged) => format!(
            "{} {}",
            tagged.tag.to_string().trim_start_matches('!'),
            render(&tagged.value)
        ),
        other => format!("{other:?}"),
    }
}

fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => vec![],
        one => vec![one],
    }
}

/// Each function's statements as (actions, resources, condition present).
fn statements(function: &Value) -> Vec<(Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for policy in list(&function["Properties"]["Policies"]) {
        for statement in list(&policy["Statement"]) {
            let actions = list(&statement["Action"]).into_iter().map(render).collect();
            let resources = list(&statement["Resource"]).into_iter().map(render).collect();
            out.push((actions, resources));
        }
    }
    out
}

fn functions(template: &Value) -> BTreeMap<String, Value> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| (id.as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[test]
fn every_function_holds_explicit_narrow_grants() {
    let template = template();
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    assert!(!text.contains("dynamodb:Scan"), "no Scan anywhere");
    let functions = functions(&template);
    assert!(functions.len() >= 6);
    for (id, function) in &functions {
        for policy in list(&function["Properties"]["Policies"]) {
            match policy {
                Value::Mapping(map) => {
                    for name in map.keys().filter_map(Value::as_str).filter(|k| *k != "Statement") {
                        assert!(
                            NARROW_SAM_POLICIES.contains(&name),
                            "{id}: {name} grants more than one resource's use"
                        );
                    }
                }
                other => panic!("{id}: a managed policy by name ({other:?}) is not narrow"),
            }
        }
        for (actions, resources) in statements(function) {
            assert!(!resources.is_empty(), "{id}: a statement without a resource");
            for action in &actions {
                assert!(!action.contains('*'), "{id}: wildcard action {action}");
                if action.starts_with("s3:") {
                    for resource in &resources {
                        let prefix = resource
                            .strip_prefix("Sub ${MediaBucket.Arn}/")
                            .and_then(|rest| rest.strip_suffix("/*"))
                            .unwrap_or_default();
                        assert!(
                            !prefix.is_empty() && !prefix.contains('*'),
                            "{id}: {action} on {resource}, not one prefix"
                        );
                    }
                }
                if action.starts_with("dynamodb:") {
                    for resource in &resources {
                        assert!(
                            resource == "GetAtt Table.Arn" || resource.starts_with("Sub ${Table.Arn}/index/"),
                            "{id}: {action} on {resource}"
                        );
                        assert!(!resource.ends_with("/index/*"), "{id}: every index");
                    }
                }
                if action.starts_with("kms:") {
                    assert_eq!(resources, vec!["GetAtt SecretsKey.Arn".to_string()], "{id}: {action}");
                }
            }
        }
    }
}

#[test]
fn s3_and_kms_grants_are_the_ones_each_function_needs() {
    let template = template();
    let mut s3: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut kms: BTreeSet<(String, String)> = BTreeSet::new();
    for (id, function) in functions(&template) {
        for (actions, resources) in statements(&function) {
            for action in actions {
                if action.starts_with("s3:") {
                    for resource in &resources {
                        let prefix = resource.trim_start_matches("Sub ${MediaBucket.Arn}/").to_string();
                        s3.insert((id.clone(), action.clone(), prefix));
                    }
                }
                if action.starts_with("kms:") {
                    kms.insert((id.clone(), action));
                }
            }
        }
        let tagged = function["Properties"]["Tags"]["SwitchboardSecrets"].as_str() == Some("read");
        assert_eq!(
            tagged,
            SECRET_READERS.contains(&id.as_str()),
            "{id}: SwitchboardSecrets tag"
        );
    }
    let expected_s3: BTreeSet<(String, String, String)> = [
        ("WebhookFunction", "s3:PutObject", "webhook-payloads/*"),
        ("IngestFunction", "s3:GetObject", "webhook-payloads/*"),
        ("MediaFunction", "s3:PutObject", "media/*"),
        ("ApiFunction", "s3:PutObject", "uploads/*"),
        // Links to stored media (customers' and agents' files) for the agents' page, signed by
        // the API function.
        ("ApiFunction", "s3:GetObject", "media/*"),
        ("ApiFunction", "s3:GetObject", "uploads/*"),
        ("SenderFunction", "s3:GetObject", "uploads/*"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(s3, expected_s3);
    let mut expected_kms: BTreeSet<(String, String)> = SECRET_READERS
        .iter()
        .map(|id| (id.to_string(), "kms:Decrypt".to_string()))
        .collect();
    expected_kms.insert(("ApiFunction".into(), "kms:GenerateDataKey".into()));
    assert_eq!(kms, expected_kms, "only secret readers decrypt; the API also seals");
}

#[test]
fn each_function_may_open_only_the_secrets_it_uses() {
    let template = template();
    assert_eq!(OPENS.len(), SECRET_READERS.len());
    for (id, function) in functions(&template) {
        let Some((_, opens)) = OPENS.iter().find(|(reader, _)| *reader == id) else {
            continue;
        };
        let statements = function["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|policy| policy["Statement"].as_sequence().cloned().unwrap_or_default())
            .filter(|statement| {
                let action = &statement["Action"];
                action.as_str() == Some("kms:Decrypt")
                    || action
                        .as_sequence()
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("kms:Decrypt")))
            })
            .collect::<Vec<_>>();
        assert!(!statements.is_empty(), "{id} decrypts");
        for statement in statements {
            let allowed = &statement["Condition"]["StringEquals"]["kms:EncryptionContext:secret"];
            let mut allowed: Vec<&str> = list(allowed).into_iter().filter_map(Value::as_str).collect();
            allowed.sort();
            assert_eq!(allowed, opens.to_vec(), "{id}: Decrypt limited to what it opens");
        }
    }
}

#[test]
fn the_secrets_key_lets_only_tagged_roles_decrypt() {
    let template = template();
    let key = &template["Resources"]["SecretsKey"]["Properties"];
    let statements = list(&key["KeyPolicy"]["Statement"]);
    let mut decrypt_statements = 0;
    for statement in statements {
        let actions: Vec<String> = list(&statement["Action"]).into_iter().map(render).collect();
        assert!(
            actions.iter().all(|a| a != "kms:*" && a != "*"),
            "no blanket grant: {actions:?}"
        );
        if actions.iter().any(|a| a == "kms:Decrypt") {
            decrypt_statements += 1;
            assert_eq!(statement["Effect"], "Allow");
            assert_eq!(
                statement["Condition"]["StringEquals"]["aws:PrincipalTag/SwitchboardSecrets"].as_str(),
                Some("read"),
                "Decrypt only for roles tagged as secret readers"
            );
        }
    }
    assert_eq!(decrypt_statements, 1);
    assert_eq!(key["EnableKeyRotation"].as_bool(), Some(true));
}
