//! Orphaned load balancers and floating IPs of a cluster (pain point 32 of `docs/doctor.md`;
//! Magnum's `common/octavia.py`): Kubernetes' cloud provider and Octavia ingress controller
//! create Octavia load balancers (`Kubernetes external service <hash> from cluster <uuid>`,
//! `Kubernetes Ingress <name> in namespace <ns> from cluster <uuid>, version: <n>`) and floating
//! IPs (`Floating IP for Kubernetes external service … from cluster <uuid>`) that Heat does not
//! know, so they block the stack's delete (the router interface is "in use by floating IPs").
//!
//! Pure: which descriptions belong to a cluster, and the [`OrphanPlan`] of what to delete in
//! dependency order. I/O ([`find_orphans`], [`delete_orphans`]): read Octavia and Neutron with
//! the user's token; delete floating IPs first (they hold the router), then the load balancers
//! with `cascade=true`, then wait until Octavia no longer lists them. Nothing is deleted unless
//! [`delete_orphans`] is called: finding is the dry run.

use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, Error, Result, WaitTimeout};
use crate::keystone::KeystoneSession;
use crate::types::ClusterStatus;

/// The part of a description Python's `.+` matches: at least one character, no newline.
fn dot_plus(text: &str) -> bool {
    !text.is_empty() && !text.contains('\n')
}

/// Magnum's test for a load balancer Kubernetes made for `cluster_uuid`:
/// `re.match("Kubernetes .+ from cluster <uuid>", description)` (anchored at the start only).
pub fn is_cluster_load_balancer(description: &str, cluster_uuid: &str) -> bool {
    let Some(rest) = description.strip_prefix("Kubernetes ") else {
        return false;
    };
    let marker = format!(" from cluster {cluster_uuid}");
    rest.match_indices(&marker)
        .any(|(at, _)| dot_plus(&rest[..at]))
}

/// Magnum's test for a floating IP of such a load balancer:
/// `Floating IP for Kubernetes .+ from cluster <uuid>$`.
pub fn is_cluster_floating_ip(description: &str, cluster_uuid: &str) -> bool {
    description
        .strip_prefix("Floating IP for Kubernetes ")
        .and_then(|rest| rest.strip_suffix(&format!(" from cluster {cluster_uuid}")))
        .is_some_and(dot_plus)
}

/// An Octavia load balancer (the fields the cleanup uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoadBalancer {
    /// Id.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Description (how Kubernetes marks its load balancers).
    #[serde(default)]
    pub description: String,
    /// `ACTIVE`, `ERROR`, `PENDING_DELETE`, `DELETED`…
    #[serde(default)]
    pub provisioning_status: String,
    /// The VIP's Neutron port.
    #[serde(default)]
    pub vip_port_id: Option<String>,
    /// The VIP address.
    #[serde(default)]
    pub vip_address: Option<String>,
}

impl LoadBalancer {
    /// Already going away (Magnum skips these).
    pub fn is_deleting(&self) -> bool {
        matches!(
            self.provisioning_status.as_str(),
            "PENDING_DELETE" | "DELETED"
        )
    }
}

/// A Neutron floating IP (the fields the cleanup uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FloatingIp {
    /// Id.
    pub id: String,
    /// The public address.
    #[serde(default)]
    pub floating_ip_address: String,
    /// The port it is bound to.
    #[serde(default)]
    pub port_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// What belongs to a cluster and would be deleted, in the order it would be deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrphanPlan {
    /// The cluster.
    pub cluster_uuid: String,
    /// Floating IPs on the load balancers' VIP ports (deleted first).
    pub floating_ips: Vec<FloatingIp>,
    /// Load balancers (deleted with `cascade=true`).
    pub load_balancers: Vec<LoadBalancer>,
}

impl OrphanPlan {
    /// The plan for `cluster_uuid` from Octavia's load balancers and, per VIP port, Neutron's
    /// floating IPs: Kubernetes' load balancers not already deleting, and their floating IPs
    /// whose description says Kubernetes made them for this cluster.
    pub fn from_listing(
        cluster_uuid: &str,
        load_balancers: &[LoadBalancer],
        floating_ips: &[FloatingIp],
    ) -> Self {
        let load_balancers: Vec<LoadBalancer> = load_balancers
            .iter()
            .filter(|lb| is_cluster_load_balancer(&lb.description, cluster_uuid))
            .filter(|lb| !lb.is_deleting())
            .cloned()
            .collect();
        let floating_ips = floating_ips
            .iter()
            .filter(|fip| is_cluster_floating_ip(&fip.description, cluster_uuid))
            .filter(|fip| {
                load_balancers
                    .iter()
                    .any(|lb| lb.vip_port_id.is_some() && lb.vip_port_id == fip.port_id)
            })
            .cloned()
            .collect();
        Self {
            cluster_uuid: cluster_uuid.to_owned(),
            floating_ips,
            load_balancers,
        }
    }

    /// Adds a load balancer the cluster's own stack made (the API or etcd LB, found through
    /// Heat): deleted like the others, its floating IP left to Heat.
    pub fn add_load_balancer(&mut self, load_balancer: LoadBalancer) {
        if !load_balancer.is_deleting()
            && !self
                .load_balancers
                .iter()
                .any(|lb| lb.id == load_balancer.id)
        {
            self.load_balancers.push(load_balancer);
        }
    }

    /// Nothing to delete.
    pub fn is_empty(&self) -> bool {
        self.floating_ips.is_empty() && self.load_balancers.is_empty()
    }
}

/// The endpoint of `service` with the API version path Magnum's clients use, unless the
/// catalog already names one.
async fn versioned(session: &KeystoneSession, service: &str, version: &str) -> Result<String> {
    let base = session.endpoint(service).await?;
    let base = base.as_str().trim_end_matches('/');
    Ok(if base.ends_with(version) {
        base.to_owned()
    } else {
        format!("{base}/{version}")
    })
}

async fn call(
    session: &KeystoneSession,
    service: &'static str,
    method: Method,
    url: &str,
) -> Result<Option<Value>> {
    let token = session.token().await?;
    let path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| url.to_owned());
    // The session's client (its CA bundle and `insecure`), with this module's 60 s per call.
    let response = session
        .http()
        .request(method.clone(), url)
        .timeout(Duration::from_secs(60))
        .header("x-auth-token", token.token().expose_secret())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| Error::Transport {
            method: method.to_string(),
            path: path.clone(),
            timed_out: e.is_timeout(),
            host: crate::client::host_of(&e),
            source: Box::new(e),
        })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND && method == Method::GET {
        return Ok(None);
    }
    let request_id = response
        .headers()
        .get("x-openstack-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.map_err(|e| Error::Transport {
        method: method.to_string(),
        path: path.clone(),
        timed_out: e.is_timeout(),
        host: crate::client::host_of(&e),
        source: Box::new(e),
    })?;
    if !status.is_success() {
        return Err(ApiError::from_response(
            status.as_u16(),
            method.as_str(),
            &path,
            request_id,
            None,
            None,
            &body,
        )
        .for_service(service)
        .into());
    }
    if body.is_empty() {
        return Ok(Some(Value::Null));
    }
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| Error::Config(format!("{service} answered {path} with invalid JSON: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(value: &Value, key: &str) -> Result<Vec<T>> {
    serde_json::from_value(value.get(key).cloned().unwrap_or(Value::Array(Vec::new())))
        .map_err(|e| Error::Config(format!("unexpected `{key}` listing: {e}")))
}

/// Reads Octavia's load balancers and the floating IPs on their VIP ports, and plans what
/// belongs to `cluster_uuid`. Deletes nothing (the dry run).
///
/// # Errors
/// [`Error::Api`] with Octavia's or Neutron's status, message and request id; a catalog
/// without `load-balancer` (or `network`) is an [`Error::Config`].
pub async fn find_orphans(session: &KeystoneSession, cluster_uuid: &str) -> Result<OrphanPlan> {
    let octavia = versioned(session, "load-balancer", "v2").await?;
    let listing = call(
        session,
        "octavia",
        Method::GET,
        &format!("{octavia}/lbaas/loadbalancers"),
    )
    .await?
    .unwrap_or(Value::Null);
    let load_balancers: Vec<LoadBalancer> = decode(&listing, "loadbalancers")?;
    let mut plan = OrphanPlan::from_listing(cluster_uuid, &load_balancers, &[]);
    if plan.load_balancers.is_empty() {
        return Ok(plan);
    }
    let neutron = versioned(session, "network", "v2.0").await?;
    let mut floating_ips = Vec::new();
    for port in plan
        .load_balancers
        .iter()
        .filter_map(|lb| lb.vip_port_id.as_deref())
    {
        let found = call(
            session,
            "neutron",
            Method::GET,
            &format!("{neutron}/floatingips?port_id={port}"),
        )
        .await?
        .unwrap_or(Value::Null);
        floating_ips.extend(decode::<FloatingIp>(&found, "floatingips")?);
    }
    plan = OrphanPlan::from_listing(cluster_uuid, &load_balancers, &floating_ips);
    Ok(plan)
}

/// One Octavia load balancer by id; `None` when Octavia does not know it.
///
/// # Errors
/// [`Error::Api`] with Octavia's answer; [`Error::Config`] without `load-balancer` in the
/// catalog.
pub async fn load_balancer(session: &KeystoneSession, id: &str) -> Result<Option<LoadBalancer>> {
    let octavia = versioned(session, "load-balancer", "v2").await?;
    let found = call(
        session,
        "octavia",
        Method::GET,
        &format!("{octavia}/lbaas/loadbalancers/{id}"),
    )
    .await?;
    found
        .map(|v| {
            serde_json::from_value(v["loadbalancer"].clone())
                .map_err(|e| Error::Config(format!("unexpected Octavia load balancer: {e}")))
        })
        .transpose()
}

/// What [`delete_orphans`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CleanupReport {
    /// Floating IPs deleted.
    pub floating_ips: Vec<String>,
    /// Load balancers Octavia no longer lists (or lists as `DELETED`).
    pub load_balancers: Vec<String>,
}

/// Deletes a plan in dependency order — floating IPs, then load balancers with
/// `cascade=true` — and waits (polling every `poll`) until Octavia no longer lists them, at most
/// `timeout` (Magnum's `pre_delete_lb_timeout` is 60 s). Something already gone (404) counts as
/// deleted.
///
/// # Errors
/// [`Error::Api`] for a refused delete; [`Error::WaitTimeout`] naming the load balancers still
/// there at the deadline and their status.
pub async fn delete_orphans(
    session: &KeystoneSession,
    plan: &OrphanPlan,
    timeout: Duration,
    poll: Duration,
) -> Result<CleanupReport> {
    let mut report = CleanupReport::default();
    if plan.is_empty() {
        return Ok(report);
    }
    if !plan.floating_ips.is_empty() {
        let neutron = versioned(session, "network", "v2.0").await?;
        for fip in &plan.floating_ips {
            let url = format!("{neutron}/floatingips/{}", fip.id);
            match call(session, "neutron", Method::DELETE, &url).await {
                Ok(_) => {}
                Err(e) if e.api().is_some_and(|a| a.status == 404) => {}
                Err(e) => return Err(e),
            }
            report.floating_ips.push(fip.id.clone());
        }
    }
    let octavia = versioned(session, "load-balancer", "v2").await?;
    for lb in &plan.load_balancers {
        let url = format!("{octavia}/lbaas/loadbalancers/{}?cascade=true", lb.id);
        match call(session, "octavia", Method::DELETE, &url).await {
            Ok(_) => {}
            Err(e) if e.api().is_some_and(|a| a.status == 404) => {}
            Err(e) => return Err(e),
        }
    }
    let started = Instant::now();
    loop {
        let mut remaining = Vec::new();
        for lb in &plan.load_balancers {
            let url = format!("{octavia}/lbaas/loadbalancers/{}", lb.id);
            let found = call(session, "octavia", Method::GET, &url).await?;
            let status = found
                .as_ref()
                .and_then(|v| v["loadbalancer"]["provisioning_status"].as_str())
                .unwrap_or("DELETED")
                .to_owned();
            if status == "DELETED" {
                if !report.load_balancers.contains(&lb.id) {
                    report.load_balancers.push(lb.id.clone());
                }
            } else {
                remaining.push((lb.id.clone(), status));
            }
        }
        let Some((_, status)) = remaining.first() else {
            return Ok(report);
        };
        if started.elapsed() >= timeout {
            let ids: Vec<&str> = remaining.iter().map(|(id, _)| id.as_str()).collect();
            return Err(Error::WaitTimeout(Box::new(WaitTimeout {
                resource: "load balancer",
                id: ids.join(", "),
                target: "deleted".into(),
                waited: started.elapsed(),
                last_status: Some(ClusterStatus::parse(status)),
            })));
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "7d1e5f7a-2f0c-4a7b-9e0b-2c3d4e5f6a7b";

    fn lb(id: &str, description: &str, status: &str, port: &str) -> LoadBalancer {
        LoadBalancer {
            id: id.into(),
            name: String::new(),
            description: description.into(),
            provisioning_status: status.into(),
            vip_port_id: Some(port.into()),
            vip_address: None,
        }
    }

    #[test]
    fn magnums_description_patterns() {
        // §8.10 vector 1: both kinds of Kubernetes load balancers.
        assert!(is_cluster_load_balancer(
            &format!(
                "Kubernetes external service ad3080723f1c211e88adbfa163ee1203 from cluster {UUID}"
            ),
            UUID
        ));
        assert!(is_cluster_load_balancer(
            &format!(
                "Kubernetes Ingress test-octavia-ingress in namespace default from cluster {UUID}, version: 32207"
            ),
            UUID
        ));
        assert!(
            !is_cluster_load_balancer(
                &format!("Kubernetes  from cluster {UUID}").replacen("  ", " ", 1),
                UUID
            ),
            "`.+` needs a character"
        );
        assert!(!is_cluster_load_balancer(
            &format!("kubernetes x from cluster {UUID}"),
            UUID
        ));
        assert!(!is_cluster_load_balancer(
            "Kubernetes x from cluster other",
            UUID
        ));
        assert!(
            !is_cluster_load_balancer(&format!("My Kubernetes x from cluster {UUID}"), UUID),
            "anchored at the start"
        );
        assert!(is_cluster_floating_ip(
            &format!("Floating IP for Kubernetes external service abc from cluster {UUID}"),
            UUID
        ));
        assert!(
            !is_cluster_floating_ip(
                &format!(
                    "Floating IP for Kubernetes external service abc from cluster {UUID}, kept"
                ),
                UUID
            ),
            "anchored at the end"
        );
        assert!(!is_cluster_floating_ip("a user's floating IP", UUID));
    }

    #[test]
    fn plan_keeps_the_clusters_own_in_order() {
        let lbs = [
            lb(
                "fake_id_1",
                &format!("Kubernetes external service a from cluster {UUID}"),
                "ACTIVE",
                "p1",
            ),
            lb(
                "fake_id_2",
                &format!(
                    "Kubernetes Ingress i in namespace default from cluster {UUID}, version: 1"
                ),
                "ERROR",
                "p2",
            ),
            lb(
                "gone",
                &format!("Kubernetes external service b from cluster {UUID}"),
                "PENDING_DELETE",
                "p3",
            ),
            lb(
                "other",
                "Kubernetes external service c from cluster another",
                "ACTIVE",
                "p4",
            ),
        ];
        let fip = |id: &str, port: &str, description: &str| FloatingIp {
            id: id.into(),
            floating_ip_address: "203.0.113.9".into(),
            port_id: Some(port.into()),
            description: description.into(),
        };
        let fips = [
            fip(
                "f1",
                "p1",
                &format!("Floating IP for Kubernetes external service a from cluster {UUID}"),
            ),
            fip("f2", "p1", "the user's own"),
            fip(
                "f4",
                "p4",
                &format!("Floating IP for Kubernetes external service c from cluster {UUID}"),
            ),
        ];
        let mut plan = OrphanPlan::from_listing(UUID, &lbs, &fips);
        let ids: Vec<_> = plan.load_balancers.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            ["fake_id_1", "fake_id_2"],
            "ERROR ones too; deleting ones skipped"
        );
        let fips: Vec<_> = plan.floating_ips.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            fips,
            ["f1"],
            "only Kubernetes' FIPs on this cluster's LB ports"
        );
        plan.add_load_balancer(lb("heat_lb_id", "", "ACTIVE", "p9"));
        plan.add_load_balancer(lb("heat_lb_id", "", "ACTIVE", "p9"));
        assert_eq!(plan.load_balancers.len(), 3, "the stack's LB once");
        assert!(
            OrphanPlan::from_listing(UUID, &lbs[3..], &[]).is_empty(),
            "vector 2: nothing to delete"
        );
    }
}
