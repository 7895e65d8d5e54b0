//! `terraform-provider-magnum`: a Terraform provider for OpenStack Magnum built on
//! `magnum-core`, served over Terraform's plugin protocol 6 by the `tf-provider` crate.
//!
//! Resources `magnum_cluster_template`, `magnum_cluster`, `magnum_nodegroup` and data sources
//! `magnum_cluster_template`, `magnum_cluster`, with terraform-provider-openstack 3.x's argument
//! names (`openstack_containerinfra_*_v1`), plus what that provider cannot do: the doctor's
//! pre-flight at `terraform plan`, failed applies explained, and kubeconfigs from the cluster's
//! CA. See `README.md` beside this file.

mod cluster;
mod convert;
mod diag;
mod nodegroup;
mod provider;
mod schema;
mod template;
mod timeouts;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Both ring (tonic) and aws-lc-rs (reqwest) are linked: rustls needs the process told
    // which one serves, before Terraform's TLS handshake and the first Keystone call.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tf_provider::serve("magnum", provider::MagnumProvider::default()).await
}
