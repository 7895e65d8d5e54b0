//! kubeconfig: byte-compatibility with python-magnumclient 5.0.0's own generator (run in the
//! same test), merging without clobbering, certificate expiry, and the whole client half
//! (`cluster_access`) against a mock Magnum that really signs the CSR with a test CA — checked
//! with `openssl verify`. Files are 0600 and never overwritten without `force`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

mod common;

use std::process::Command;
use std::sync::Arc;

use common::TestDir;
use magnum_core::access::{AccessOptions, Credentials, WriteOptions, cluster_access};
use magnum_core::ca::{
    CaOptions, CertifiedKey, SigningPolicy, generate_bundle, generate_ca, sign_csr,
};
use magnum_core::kubeconfig::{self, AccessMode, Naming};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, ResponseTemplate};

fn tempdir(tag: &str) -> TestDir {
    TestDir::new(&format!("kube-{tag}"))
}

fn certificate_mode(bundle: &magnum_core::ca::ClusterCaBundle) -> AccessMode {
    AccessMode::Certificate {
        ca_pem: bundle
            .cluster_ca
            .certificate
            .to_pem()
            .unwrap()
            .trim()
            .to_owned(),
        cert_pem: bundle.admin.certificate.to_pem().unwrap().trim().to_owned(),
        key_pem: bundle.admin.key.to_traditional_pem().unwrap(),
    }
}

/// Renders the same inputs with python-magnumclient's `_config_cluster_kubernetes`.
fn osc_render(
    name: &str,
    api: &str,
    tls_disabled: bool,
    use_keystone: bool,
    certs: Option<(&str, &str, &str)>,
) -> String {
    let python = std::env::var("OSC_PYTHON").expect("OSC_PYTHON is not set: run scripts/test.sh");
    let script = r#"
import json, sys, types
from magnumclient.common import utils
a = json.loads(sys.argv[1])
cluster = types.SimpleNamespace(name=a["name"], api_address=a["api"])
template = types.SimpleNamespace(coe="kubernetes", tls_disabled=a["tls_disabled"])
certs = a["certs"]
sys.stdout.write(utils._config_cluster_kubernetes(cluster, template, "/unused", certs=certs,
    use_keystone=a["use_keystone"], direct_output=True))
"#;
    let certs = certs.map(|(ca, cert, key)| json!({"ca": ca, "cert": cert, "key": key}));
    let args = json!({"name": name, "api": api, "tls_disabled": tls_disabled, "use_keystone": use_keystone, "certs": certs});
    let out = Command::new(python)
        .args(["-c", script, &args.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs python-magnumclient 5.0.0: scripts/test.sh sets OSC_PYTHON"]
fn byte_compatible_with_openstack_coe_cluster_config() {
    let bundle = generate_bundle("k8s-prod", &CaOptions::new()).unwrap();
    let mode = certificate_mode(&bundle);
    let AccessMode::Certificate {
        ca_pem,
        cert_pem,
        key_pem,
    } = &mode
    else {
        unreachable!()
    };
    let api = "https://172.24.4.6:6443";
    let ours = kubeconfig::render("k8s-prod", api, &mode, Naming::OpenStackCli);
    let theirs = osc_render(
        "k8s-prod",
        api,
        false,
        false,
        Some((ca_pem, cert_pem, key_pem.expose_secret())),
    );
    assert_eq!(ours.expose_secret(), theirs, "certificate mode");
    assert!(
        key_pem
            .expose_secret()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "PKCS#1 like OSC"
    );

    let keystone = kubeconfig::render(
        "k8s-prod",
        api,
        &AccessMode::Keystone {
            ca_pem: ca_pem.clone(),
        },
        Naming::OpenStackCli,
    );
    assert_eq!(
        keystone.expose_secret(),
        osc_render("k8s-prod", api, false, true, Some((ca_pem, "", ""))),
        "keystone mode"
    );

    let plain = kubeconfig::render(
        "k8s-prod",
        api,
        &AccessMode::TlsDisabled,
        Naming::OpenStackCli,
    );
    assert_eq!(
        plain.expose_secret(),
        osc_render("k8s-prod", api, true, false, None),
        "tls disabled"
    );
}

#[test]
fn terraform_naming_merges_without_clobbering() {
    let a = generate_bundle("alpha", &CaOptions::new()).unwrap();
    let b = generate_bundle("beta", &CaOptions::new()).unwrap();
    let alpha = kubeconfig::render(
        "alpha",
        "https://a:6443",
        &certificate_mode(&a),
        Naming::Terraform,
    );
    let beta = kubeconfig::render(
        "beta",
        "https://b:6443",
        &certificate_mode(&b),
        Naming::Terraform,
    );
    let existing = "apiVersion: v1\nkind: Config\ncurrent-context: mine\npreferences: {colors: true}\nclusters:\n- name: mine\n  cluster: {server: 'https://mine:6443'}\ncontexts:\n- name: mine\n  context: {cluster: mine, user: me}\nusers:\n- name: me\n  user: {token: abc}\n";
    let merged = kubeconfig::merge(existing, alpha.expose_secret(), false).unwrap();
    let merged = kubeconfig::merge(merged.expose_secret(), beta.expose_secret(), true).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(merged.expose_secret()).unwrap();
    let names = |key: &str| -> Vec<String> {
        doc[key]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("clusters"), ["mine", "alpha", "beta"]);
    assert_eq!(names("users"), ["me", "alpha-admin", "beta-admin"]);
    assert_eq!(doc["current-context"], "beta");
    assert_eq!(doc["preferences"]["colors"], true, "other settings kept");
    // Re-merging alpha replaces its entries instead of duplicating them.
    let again = kubeconfig::merge(merged.expose_secret(), alpha.expose_secret(), false).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(again.expose_secret()).unwrap();
    assert_eq!(doc["clusters"].as_sequence().unwrap().len(), 3);
    assert_eq!(doc["current-context"], "beta", "not switched");
    assert!(kubeconfig::merge("- a\n- b\n", alpha.expose_secret(), false).is_err());
    let broken = format!("users: [{{name: x, user: {{client-key-data: {}", "S3CRET");
    let err = kubeconfig::merge(&broken, alpha.expose_secret(), false).unwrap_err();
    assert!(!err.to_string().contains("S3CRET"), "{err}");
}

#[test]
fn expiry_of_embedded_client_certificates_is_reported() {
    let bundle = generate_bundle("k8s", &CaOptions::new().validity_days(30)).unwrap();
    let config = kubeconfig::render(
        "k8s",
        "https://k:6443",
        &certificate_mode(&bundle),
        Naming::OpenStackCli,
    );
    let expiry = kubeconfig::certificate_expiry(config.expose_secret()).unwrap();
    assert_eq!(expiry.len(), 1);
    assert_eq!(expiry[0].user, "admin");
    assert!(
        expiry[0].subject.contains("CN=admin"),
        "{}",
        expiry[0].subject
    );
    let days = expiry[0]
        .not_after
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs()
        / 86_400;
    assert!((29..=30).contains(&days), "{days}");
    let keystone = kubeconfig::render(
        "k8s",
        "https://k:6443",
        &AccessMode::Keystone { ca_pem: "x".into() },
        Naming::OpenStackCli,
    );
    assert!(
        kubeconfig::certificate_expiry(keystone.expose_secret())
            .unwrap()
            .is_empty()
    );
}

/// A mock Magnum whose certificate endpoint signs CSRs with `ca`, like the conductor does.
async fn signing_magnum(
    ca: Arc<CertifiedKey>,
    tls_disabled: bool,
    coe: &str,
) -> wiremock::MockServer {
    let server = support::server().await;
    let mut cluster = support::body("clusters/get");
    cluster["name"] = json!("k8s-prod");
    let mut template = support::body("clustertemplates/get");
    template["tls_disabled"] = json!(tls_disabled);
    template["coe"] = json!(coe);
    let uuid = cluster["uuid"].as_str().unwrap().to_owned();
    Mock::given(method("GET"))
        .and(path("/v1/clusters/k8s-prod"))
        .respond_with(ResponseTemplate::new(200).set_body_json(cluster))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1/clustertemplates/{}",
            template["uuid"].as_str().unwrap()
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(template))
        .mount(&server)
        .await;
    let ca_pem = ca.certificate.to_pem().unwrap().trim().to_owned();
    Mock::given(method("GET"))
        .and(path(format!("/v1/certificates/{uuid}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"cluster_uuid": uuid, "pem": ca_pem, "links": []})),
        )
        .mount(&server)
        .await;
    let signer = ca.clone();
    Mock::given(method("POST"))
        .and(path("/v1/certificates"))
        .respond_with(move |req: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let signed = sign_csr(
                body["csr"].as_str().unwrap(),
                &signer,
                &SigningPolicy::new(),
            )
            .unwrap();
            ResponseTemplate::new(201).set_body_json(
                json!({"cluster_uuid": body["cluster_uuid"], "csr": body["csr"],
                "pem": signed.certificate.to_pem().unwrap().trim(), "links": []}),
            )
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn cluster_access_signs_writes_and_verifies() {
    let ca = Arc::new(generate_ca("k8s-prod", &CaOptions::new()).unwrap());
    let server = signing_magnum(ca.clone(), false, "kubernetes").await;
    let access = cluster_access(&support::client(&server), "k8s-prod", &AccessOptions::new())
        .await
        .unwrap();
    assert!(access.warnings.is_empty());
    let dir = tempdir("access");
    let line = access
        .write_files(&dir, WriteOptions::new().output_certs(true))
        .unwrap();
    assert_eq!(
        line,
        format!("export KUBECONFIG={}\n", dir.join("config").display())
    );
    for file in ["config", "ca.pem", "cert.pem", "key.pem"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    let verify = Command::new("openssl")
        .args(["verify", "-CAfile", "ca.pem", "cert.pem"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let subject = Command::new("openssl")
        .args(["x509", "-in", "cert.pem", "-noout", "-subject"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&subject.stdout).contains("CN = admin, O = system:masters"));
    let modulus = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(
        modulus(&["x509", "-in", "cert.pem", "-noout", "-modulus"]),
        modulus(&["rsa", "-in", "key.pem", "-noout", "-modulus"]),
        "key matches cert"
    );
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    assert!(
        config.contains("server: https://172.24.4.6:6443")
            && config.contains("current-context: default")
    );
    let err = access.write_files(&dir, WriteOptions::new()).unwrap_err();
    assert!(err.to_string().contains("exists, aborting"), "{err}");
    assert!(
        access
            .write_files(
                &dir,
                WriteOptions::new().force(true).output_certs(true).csh(true)
            )
            .unwrap()
            .starts_with("setenv KUBECONFIG")
    );
    assert!(!format!("{access:?}").contains("PRIVATE KEY"));
}

#[tokio::test]
async fn keystone_tls_disabled_and_swarm_variants() {
    let ca = Arc::new(generate_ca("k8s-prod", &CaOptions::new()).unwrap());
    let server = signing_magnum(ca.clone(), false, "kubernetes").await;
    let client = support::client(&server);
    let keystone = cluster_access(
        &client,
        "k8s-prod",
        &AccessOptions::new().credentials(Credentials::Keystone),
    )
    .await
    .unwrap();
    assert!(keystone.cert_pem.is_none() && keystone.key_pem.is_none() && keystone.ca_pem.is_some());
    assert!(
        keystone
            .kubeconfig
            .unwrap()
            .expose_secret()
            .contains("openstackuser@kubernetes")
    );
    let signs = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(signs, 0, "no CSR in keystone mode");

    let plain = signing_magnum(ca.clone(), true, "kubernetes").await;
    let access = cluster_access(&support::client(&plain), "k8s-prod", &AccessOptions::new())
        .await
        .unwrap();
    assert!(access.ca_pem.is_none());
    assert!(
        !access
            .kubeconfig
            .unwrap()
            .expose_secret()
            .contains("certificate-authority-data")
    );

    let swarm = signing_magnum(ca, false, "swarm-mode").await;
    let access = cluster_access(&support::client(&swarm), "k8s-prod", &AccessOptions::new())
        .await
        .unwrap();
    assert!(access.kubeconfig.is_none());
    let dir = tempdir("swarm");
    let env = access
        .write_files(&dir, WriteOptions::new().output_certs(true))
        .unwrap();
    assert_eq!(
        env,
        format!(
            "export DOCKER_HOST=https://172.24.4.6:6443\nexport DOCKER_CERT_PATH={}\nexport DOCKER_TLS_VERIFY=True\n",
            dir.display()
        )
    );
    assert!(dir.join("cert.pem").exists() && dir.join("key.pem").exists());
}

#[tokio::test]
async fn signing_refusals_surface_as_api_errors() {
    let server = support::server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/nope"))
        .respond_with(support::magnum_error(
            404,
            "Cluster nope could not be found.",
        ))
        .mount(&server)
        .await;
    let err = cluster_access(&support::client(&server), "nope", &AccessOptions::new())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[test]
fn merging_thousands_of_entries_keeps_each_once() {
    let config = |range: std::ops::Range<usize>, server: &str| {
        let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
        for i in range {
            text.push_str(&format!(
                "- name: c{i}\n  cluster:\n    server: https://{server}{i}:6443\n"
            ));
        }
        text
    };
    // 5,000 existing, 5,000 added of which 2,500 replace existing ones.
    let merged =
        kubeconfig::merge(&config(0..5000, "old"), &config(2500..7500, "new"), true).unwrap();
    let doc: serde_json::Value = serde_yaml_ng::from_str(merged.expose_secret()).unwrap();
    let clusters = doc["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 7500);
    let names: std::collections::HashSet<&str> = clusters
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 7500, "each name once");
    let server = |name: &str| {
        clusters.iter().find(|c| c["name"] == name).unwrap()["cluster"]["server"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(server("c10"), "https://old10:6443", "kept");
    assert_eq!(server("c3000"), "https://new3000:6443", "replaced");
    assert_eq!(server("c7000"), "https://new7000:6443", "added");
}
