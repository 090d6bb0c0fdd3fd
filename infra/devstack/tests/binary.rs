//! The `devstack` binary as `make dev` and `make test` run it. This test also makes `cargo test`
//! build the binary with the test build's features, so `make test` starts its stacks without a
//! second build of the workspace.

use std::process::Command;

#[test]
fn sign_prints_the_header_meta_would_send_with_the_demo_secret() {
    let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    let file = std::env::temp_dir().join(format!("devstack-sign-{}.json", std::process::id()));
    std::fs::write(&file, body).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_devstack"))
        .arg("sign")
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_file(&file).ok();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        printed.trim(),
        shared::access::webhook_auth::sign(devstack::demo::APP_SECRET.as_bytes(), body)
    );
    assert!(printed.starts_with("sha256=") && printed.trim().len() == "sha256=".len() + 64);
}
