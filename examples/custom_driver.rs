//! Hosting a conductor with your own driver: a third-party `Driver` (here a toy "bare-metal
//! pool" that hands out pre-built machines) registered next to the simulated driver, a
//! cluster created, polled to `CREATE_COMPLETE`, resized and deleted through Magnum's flow,
//! and the registry's answers for an image without `os_distro` and a retired triple.
//!
//! Run: `cargo run -p magnum-examples --example custom_driver`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use magnum_core::ca::MemoryCertStore;
use magnum_core::types::{ClusterStatus, ClusterTemplate, Coe, OsDistro, ServerType};
use magnum_drivers::{
    ClusterRecord, Conductor, Driver, DriverError, DriverKey, DriverRegistry, RegistryConfig,
    SimOptions, SimulatedDriver,
};

/// A pool of pre-provisioned bare-metal hosts: create takes hosts from the pool, delete
/// returns them. Completes immediately (no orchestration to wait for).
#[derive(Debug)]
struct MachinePool {
    free: Mutex<Vec<String>>,
}

impl MachinePool {
    fn take(&self, count: u32) -> Result<Vec<String>, DriverError> {
        let mut free = self
            .free
            .lock()
            .map_err(|_| DriverError::Infrastructure("pool state poisoned".into()))?;
        let count = count as usize;
        if free.len() < count {
            return Err(DriverError::Infrastructure(format!(
                "machine pool exhausted: {count} hosts wanted, {} free",
                free.len()
            )));
        }
        let at = free.len() - count;
        Ok(free.split_off(at))
    }

    fn give_back(&self, hosts: &mut Vec<String>) {
        if let Ok(mut free) = self.free.lock() {
            free.append(hosts);
        }
    }
}

#[async_trait]
impl Driver for MachinePool {
    fn provides(&self) -> Vec<DriverKey> {
        vec![DriverKey::new(
            ServerType::Bm,
            Some(OsDistro::Flatcar),
            Coe::Kubernetes,
        )]
    }

    /// The hosts need no OpenStack credentials, so no Keystone trust is made.
    fn needs_trust(&self) -> bool {
        false
    }

    async fn create_cluster(
        &self,
        cluster: &mut ClusterRecord,
        _timeout: Duration,
    ) -> Result<(), DriverError> {
        for ng in &mut cluster.nodegroups {
            ng.node_addresses = self.take(ng.node_count)?;
            ng.status = ClusterStatus::CreateComplete;
        }
        cluster.api_address = cluster
            .nodegroups
            .iter()
            .find(|n| n.is_master())
            .and_then(|n| n.node_addresses.first())
            .map(|host| format!("https://{host}:6443"));
        cluster.status = ClusterStatus::CreateComplete;
        Ok(())
    }

    async fn update_cluster(
        &self,
        _cluster: &mut ClusterRecord,
        _rollback: bool,
    ) -> Result<(), DriverError> {
        Ok(())
    }

    async fn resize_cluster(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
        node_count: u32,
        _nodes_to_remove: &[String],
    ) -> Result<(), DriverError> {
        let ng = cluster.nodegroup_mut(nodegroup).ok_or_else(|| {
            DriverError::InvalidParameter(format!("Nodegroup {nodegroup} could not be found."))
        })?;
        let have = ng.node_addresses.len() as u32;
        if node_count > have {
            let mut more = self.take(node_count - have)?;
            ng.node_addresses.append(&mut more);
        } else {
            let mut released = ng.node_addresses.split_off(node_count as usize);
            self.give_back(&mut released);
        }
        ng.node_count = node_count;
        cluster.status = ClusterStatus::UpdateComplete;
        Ok(())
    }

    async fn delete_cluster(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        for ng in &mut cluster.nodegroups {
            self.give_back(&mut ng.node_addresses);
        }
        cluster.status = ClusterStatus::DeleteComplete;
        Ok(())
    }

    async fn update_cluster_status(&self, _cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        Ok(())
    }

    async fn create_nodegroup(&self, _c: &mut ClusterRecord, _ng: &str) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "MachinePool has only the default nodegroups.".into(),
        ))
    }

    async fn update_nodegroup(&self, _c: &mut ClusterRecord, _ng: &str) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "MachinePool has only the default nodegroups.".into(),
        ))
    }

    async fn delete_nodegroup(&self, _c: &mut ClusterRecord, _ng: &str) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "MachinePool has only the default nodegroups.".into(),
        ))
    }
}

fn template(
    uuid: &str,
    server_type: &str,
    distro: Option<&str>,
) -> anyhow::Result<ClusterTemplate> {
    Ok(serde_json::from_value(serde_json::json!({
        "uuid": uuid, "coe": "kubernetes", "server_type": server_type,
        "cluster_distro": distro, "image_id": "img", "flavor_id": "baremetal",
    }))?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let pool = Arc::new(MachinePool {
        free: Mutex::new((1..=6).map(|i| format!("192.0.2.{i}")).collect()),
    });
    let fast = SimOptions::new().durations(
        Duration::from_millis(200),
        Duration::from_millis(100),
        Duration::from_millis(100),
    );
    let mut registry = DriverRegistry::new(RegistryConfig::default());
    registry.register("sim", Arc::new(SimulatedDriver::new(fast)));
    registry.register("machine_pool", pool.clone());
    println!("loaded drivers:");
    for (name, key) in registry.list() {
        println!("  {key} by {name}");
    }
    let store = Arc::new(MemoryCertStore::new());
    let conductor = Conductor::new(Arc::new(registry), store.clone());

    // A bare-metal cluster on the third-party driver.
    let bm = template("tpl-bm", "bm", Some("flatcar"))?;
    let mut metal = ClusterRecord::new("c0ffee00-0000-4000-8000-000000000001", "metal", "demo", bm);
    let resources = conductor.cluster_create(&mut metal, 1, 2, None).await?;
    println!(
        "metal: {} api={} workers={:?} ({} certificates stored)",
        metal.status,
        metal.api_address.as_deref().unwrap_or("-"),
        metal.nodegroups[1].node_addresses,
        store.len()
    );
    conductor.cluster_resize(&mut metal, None, 4, &[]).await?;
    println!("metal resized: {} workers", metal.node_count());
    match conductor.cluster_resize(&mut metal, None, 9, &[]).await {
        Err(e) => println!("resize to 9 refused: {e} (cluster {})", metal.status),
        Ok(()) => anyhow::bail!("the pool has only 6 hosts"),
    }
    // Magnum's rule: a refused resize leaves UPDATE_FAILED and the previous count.
    anyhow::ensure!(
        metal.node_count() == 4,
        "worker count not restored after the failed resize"
    );

    // A VM cluster on the simulator, polled like Magnum's periodic task.
    let vm = template("tpl-vm", "vm", Some("fedora-coreos"))?;
    let mut sim = ClusterRecord::new("c0ffee00-0000-4000-8000-000000000002", "sim", "demo", vm);
    let sim_resources = conductor.cluster_create(&mut sim, 1, 1, None).await?;
    while sim.status.is_in_progress() {
        tokio::time::sleep(Duration::from_millis(50)).await;
        conductor
            .sync_status(&mut sim, &sim_resources, None)
            .await?;
    }
    println!(
        "sim: {} ({})",
        sim.status,
        sim.status_reason.as_deref().unwrap_or("")
    );

    // What users hit most: an image without os_distro, and a retired driver's triple.
    let no_distro = template("tpl-x", "vm", None)?;
    let mut broken = ClusterRecord::new(
        "c0ffee00-0000-4000-8000-000000000003",
        "x",
        "demo",
        no_distro,
    );
    if let Err(e) = conductor.cluster_create(&mut broken, 1, 1, None).await {
        println!("image without os_distro: {e}");
    }
    let atomic = template("tpl-a", "vm", Some("fedora-atomic"))?;
    let mut old = ClusterRecord::new(
        "c0ffee00-0000-4000-8000-000000000004",
        "old",
        "demo",
        atomic,
    );
    if let Err(e) = conductor.cluster_create(&mut old, 1, 1, None).await {
        println!("fedora-atomic: {e}");
    }

    // Delete both; certificates go with them.
    for (cluster, res) in [(&mut metal, &resources), (&mut sim, &sim_resources)] {
        conductor.cluster_delete(cluster).await?;
        while !conductor.sync_status(cluster, res, None).await? {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    println!(
        "deleted: {} certificates left, {} pool hosts free",
        store.len(),
        pool.free.lock().map(|f| f.len()).unwrap_or(0)
    );
    anyhow::ensure!(store.is_empty(), "certificates left behind");
    Ok(())
}
