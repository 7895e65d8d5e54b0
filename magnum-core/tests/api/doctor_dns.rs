//! The doctor's DNS check of the catalog (`doctor::cloud::check_cloud_config`): a public
//! endpoint the VMs call whose name does not resolve is reported (`.invalid` never resolves,
//! RFC 2606); IP endpoints and names already judged unreachable are not looked up. Keystone is
//! wiremock, answering with that catalog.

use magnum_core::config::{Overrides, Sources};
use magnum_core::doctor::cloud::check_cloud_config;
use serde_json::json;

use crate::support::{PASSWORD, keystone_with, public_endpoint};

#[tokio::test]
async fn endpoint_names_that_do_not_resolve_are_reported() {
    let endpoint = public_endpoint;
    let catalog = json!([
        endpoint(
            "identity",
            "https://keystone.does-not-exist.invalid:5000/v3"
        ),
        endpoint("orchestration", "https://203.0.113.10:8004/v1/p1"),
        endpoint("load-balancer", "https://localhost:9876"),
    ]);
    let keystone = keystone_with(catalog).await;
    let env = [
        ("OS_AUTH_URL", format!("{}/v3", keystone.uri())),
        ("OS_USERNAME", "alice".to_owned()),
        ("OS_PASSWORD", PASSWORD.to_owned()),
        ("OS_USER_DOMAIN_NAME", "Default".to_owned()),
        ("OS_PROJECT_ID", "p1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let cloud = magnum_core::config::load(&Sources::new(env, vec![]), &Overrides::new()).unwrap();
    let found = check_cloud_config(&cloud, None, None).await.unwrap();
    let dns: Vec<_> = found
        .iter()
        .filter(|f| f.code == "MAGNUM-CLOUD-ENDPOINT-DNS")
        .collect();
    assert_eq!(dns.len(), 1, "{found:?}");
    assert_eq!(dns[0].field, "catalog.identity");
    assert!(
        dns[0]
            .message
            .contains("keystone.does-not-exist.invalid does not resolve"),
        "{}",
        dns[0].message
    );
    assert!(
        found
            .iter()
            .any(|f| f.code == "MAGNUM-CLOUD-ENDPOINT-UNREACHABLE"
                && f.message.contains("localhost")),
        "localhost is judged without a lookup: {found:?}"
    );
}
