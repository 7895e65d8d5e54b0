//! The client half: what `openstack coe cluster config` does, as a library call. Reads the
//! cluster and its template, fetches the CA, makes a key and a CSR, has Magnum sign it, and
//! writes `config` (and with `--output-certs` `ca.pem`, `cert.pem`, `key.pem`), all 0600.
//!
//! ```text
//! OS_CLOUD=mycloud cargo run -p magnum-examples --example kubeconfig -- CLUSTER [--dir DIR] [--keystone] [--output-certs] [--force] [--merge ~/.kube/config]
//! MAGNUM_ENDPOINT=http://127.0.0.1:9511/v1 cargo run -p magnum-examples --example kubeconfig -- CLUSTER
//! ```

use anyhow::Context;
use magnum_core::access::{AccessOptions, Credentials, WriteOptions, cluster_access};
use magnum_core::config::{Overrides, Sources, load};
use magnum_core::kubeconfig::{self, Naming};
use magnum_core::{Client, NoAuth, StaticToken};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cluster = args.first().filter(|a| !a.starts_with("--")).context(
        "usage: kubeconfig CLUSTER [--dir DIR] [--keystone] [--output-certs] [--force] [--merge FILE]",
    )?;
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let dir = std::path::PathBuf::from(value("--dir").map_or(".", String::as_str));
    let client = if std::env::var_os("OS_CLOUD").is_some()
        || std::env::var_os("MAGNUM_ENDPOINT").is_none()
    {
        Client::from_cloud(&load(&Sources::from_process(), &Overrides::new())?)?
    } else {
        let builder = Client::builder().endpoint(std::env::var("MAGNUM_ENDPOINT")?);
        match std::env::var("OS_AUTH_TOKEN") {
            Ok(token) => builder.auth(StaticToken::new(token)).build()?,
            Err(_) => builder
                .auth(NoAuth::new("u1", "p1", ["admin", "member", "reader"]))
                .build()?,
        }
    };
    let options = AccessOptions::new()
        .credentials(if flag("--keystone") {
            Credentials::Keystone
        } else {
            Credentials::Certificate
        })
        .naming(if value("--merge").is_some() {
            Naming::Terraform
        } else {
            Naming::OpenStackCli
        });
    let access = cluster_access(&client, cluster.as_str(), &options).await?;
    for warning in &access.warnings {
        eprintln!("WARNING: {warning}");
    }
    if let (Some(target), Some(config)) = (value("--merge"), &access.kubeconfig) {
        kubeconfig::merge_into_file(std::path::Path::new(target), config, true)?;
        println!("merged cluster {cluster} into {target} (context {cluster})");
        return Ok(());
    }
    std::fs::create_dir_all(&dir)?;
    let dir = dir.canonicalize()?;
    let csh = std::env::var("SHELL").is_ok_and(|s| s.contains("csh"));
    print!(
        "{}",
        access.write_files(
            &dir,
            WriteOptions::new()
                .force(flag("--force"))
                .output_certs(flag("--output-certs"))
                .csh(csh),
        )?
    );
    Ok(())
}
