//! Loads the cloud configuration the OpenStack way (clouds.yaml / secure.yaml /
//! clouds-public.yaml, `OS_CLOUD`, `OS_*`), authenticates with Keystone, and prints the
//! catalog's container-infra endpoint and the Magnum microversions it negotiates. Prints no
//! secret.
//!
//! ```text
//! OS_CLOUD=mycloud cargo run -p magnum-examples --example cloud_login
//! source openrc.sh && cargo run -p magnum-examples --example cloud_login
//! ```

use magnum_core::config::{Overrides, Sources, load};
use magnum_core::keystone::KeystoneSession;
use magnum_core::request::{self, ListParams};
use magnum_core::types::{Cluster, NodeGroup};
use magnum_core::{Client, NameOrId};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cloud = load(&Sources::from_process(), &Overrides::new())?;
    println!(
        "cloud      {}",
        cloud.name.as_deref().unwrap_or("(from OS_* variables)")
    );
    println!("read       {}", cloud.sources.join("; "));
    println!("keystone   {}", cloud.auth_url);
    println!("method     {}", cloud.auth.name());
    println!("scope      {:?}", cloud.scope);
    println!("region     {}", cloud.region.as_deref().unwrap_or("(any)"));
    println!("interface  {}", cloud.interface.as_str());
    for warning in &cloud.warnings {
        println!("warning    {warning}");
    }

    let session = KeystoneSession::from_cloud(&cloud)?;
    let issued = session.token().await?;
    let info = issued.info();
    println!(
        "token      user {} project {} roles [{}] expires {}",
        info.user.name.as_deref().unwrap_or(&info.user.id),
        info.project.as_ref().map_or("-", |p| p.id.as_str()),
        info.role_names().join(", "),
        info.expires_at
    );

    let client = Client::from_cloud(&cloud)?;
    let endpoint = client.endpoint().await?;
    println!("magnum     {}", endpoint.v1_url(&[], &[]));
    match client.server_versions().await? {
        Some(range) => println!("versions   {range}"),
        None => println!("versions   (not advertised)"),
    }
    let list = request::list::<Cluster>(&[], &ListParams::new(), false)?;
    let nodegroup = request::create::<NodeGroup>(
        &request::nodegroup_scope(&NameOrId::from("any")),
        &magnum_core::types::NodeGroupCreate::new("gpu").node_label("workload", "gpu"),
    )?;
    for (what, req) in [
        ("list clusters", &list),
        ("nodegroup with labels", &nodegroup),
    ] {
        match client.version_for(req).await {
            Ok(version) => println!("sends      {version} for {what}"),
            Err(err) => println!("refuses    {what}: {err}"),
        }
    }
    Ok(())
}
