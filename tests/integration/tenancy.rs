//! Tenancy bootstrap against moto: organizations, accounts, API keys stored as hashes.

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::*;
use shared::access::tenancy::NewWhatsAppAccount;
use shared::access::tenancy_store::NewOrganization;
use shared::platform::StoreError;
use shared::platform::secret::Secret;
use shared::platform::table;

fn registration(phone_number_id: &str) -> NewWhatsAppAccount {
    NewWhatsAppAccount {
        phone_number_id: phone_number_id.into(),
        waba_id: "102290129340398".into(),
        display_phone_number: "15550783881".into(),
        verify_token: Secret::new("verify-token-0123456789"),
        app_secret: Secret::new("the-app-secret"),
        access_token: Secret::new("the-access-token"),
        throughput_mps: 80,
    }
}

async fn raw_item(stack: &TestStack, key: &table::Key) -> std::collections::HashMap<String, AttributeValue> {
    aws_sdk_dynamodb::Client::new(&stack.aws)
        .get_item()
        .table_name(stack.name_of("Table"))
        .key("pk", AttributeValue::S(key.pk.clone()))
        .key("sk", AttributeValue::S(key.sk.clone()))
        .send()
        .await
        .unwrap()
        .item
        .expect("item exists")
}

#[tokio::test]
async fn an_organization_gets_an_admin_and_a_key_stored_only_as_its_hash() {
    let stack = TestStack::new().await;
    let created = stack
        .tenancy()
        .create_organization(NewOrganization {
            org_id: None,
            name: "Acme".into(),
            owner_email: "Ops@Acme.example".into(),
            owner_name: "Ops".into(),
        })
        .await
        .unwrap();
    let key = &created.api_key;
    assert_eq!(created.owner.email, "ops@acme.example");
    assert_eq!(key.key_hash, shared::access::api_key::hash(&created.api_key_plaintext));
    assert!(created.api_key_plaintext.starts_with(&key.key_prefix));

    let item = raw_item(&stack, &table::api_key(&key.org_id, &key.key_id)).await;
    let stored = format!("{item:?}");
    assert!(
        !stored.contains(&created.api_key_plaintext),
        "the plaintext key is not stored"
    );
    assert_eq!(item["gsi1pk"], AttributeValue::S(format!("APIKEY#{}", key.key_hash)));

    let again = stack
        .tenancy()
        .create_organization(NewOrganization {
            org_id: Some(created.organization.org_id.clone()),
            name: "Dup".into(),
            owner_email: "x@y.z".into(),
            owner_name: "X".into(),
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "an org id is created once"
    );
}

#[tokio::test]
async fn a_phone_number_belongs_to_one_account_across_all_organizations() {
    let stack = TestStack::new().await;
    let phone = unique_phone_number_id();
    let first = stack.tenant(&phone, "s1", "verify-token-of-first").await;
    let other_org = stack
        .tenancy()
        .create_organization(NewOrganization {
            org_id: None,
            name: "Other".into(),
            owner_email: "o@o.example".into(),
            owner_name: "O".into(),
        })
        .await
        .unwrap();
    let taken = stack
        .tenancy()
        .register_account(
            &other_org.organization.org_id,
            None,
            registration(&phone),
            stack.keeper().as_ref(),
        )
        .await;
    match taken {
        Err(StoreError::Conflict(what)) => assert!(what.contains(&phone), "{what}"),
        other => panic!("expected a conflict, got {:?}", other.map(|a| a.account_id)),
    }
    let missing_org = stack
        .tenancy()
        .register_account(
            "org_missing",
            None,
            registration(&unique_phone_number_id()),
            stack.keeper().as_ref(),
        )
        .await;
    assert!(matches!(missing_org, Err(StoreError::NotFound(ref what)) if what.contains("org_missing")));

    let stored = stack
        .tenancy()
        .get_account(&first.org_id, &first.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.phone_number_id, phone);
    assert_eq!(stored.throughput_mps, 80);
    assert!(
        !format!("{stored:?}").contains("s1\""),
        "secrets are masked in Debug output"
    );
    assert!(
        stack
            .tenancy()
            .get_account(&other_org.organization.org_id, &first.account_id)
            .await
            .unwrap()
            .is_none(),
        "not visible from another org"
    );
}

#[tokio::test]
async fn rotating_the_secret_of_an_unknown_account_fails_cleanly() {
    let stack = TestStack::new().await;
    let result = stack
        .account_secrets()
        .replace("org_none", "acc_none", &[("app_secret", Secret::new("x"))])
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}
