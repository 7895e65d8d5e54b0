//! The embedded simulator driven the way users drive Magnum: the SDK's own Keystone login
//! against the simulator's Keystone front, the whole cluster lifecycle, Magnum's validation
//! messages, its wire-level errors (401, 406 both shapes, 400, 403, 409, 413), failure
//! injection and a concurrent load test that checks no cluster is lost or duplicated.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use magnum_core::access::{AccessOptions, cluster_access};
use magnum_core::config::{Overrides, Sources, load};
use magnum_core::request::ListParams;
use magnum_core::types::{
    Cluster, ClusterCreate, ClusterStatus, ClusterTemplate, ClusterTemplateCreate, Coe, NodeGroup,
    NodeGroupCreate, ResizeRequest,
};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client, ErrorKind};
use magnum_drivers::simulator::{DEFAULT_PASSWORD, Simulator, SimulatorConfig};
use serde_json::{Value, json};

fn fast() -> SimulatorConfig {
    SimulatorConfig::new().durations(
        Duration::from_millis(150),
        Duration::from_millis(100),
        Duration::from_millis(100),
    )
}

/// A client that logs in through the simulator's Keystone, like `OS_*` from `env_exports`.
fn client_for(sim: &Simulator, user: &str) -> Client {
    let env: BTreeMap<String, String> = [
        ("OS_AUTH_URL", sim.auth_url()),
        ("OS_USERNAME", user.to_owned()),
        ("OS_PASSWORD", DEFAULT_PASSWORD.to_owned()),
        (
            "OS_PROJECT_NAME",
            if user == "admin" { "admin" } else { "demo" }.to_owned(),
        ),
        ("OS_USER_DOMAIN_NAME", "Default".to_owned()),
        ("OS_PROJECT_DOMAIN_NAME", "Default".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let cloud = load(&Sources::new(env, vec![]), &Overrides::new()).unwrap();
    Client::from_cloud(&cloud).unwrap()
}

fn waiting() -> WaitOptions {
    WaitOptions::new(Duration::from_secs(20)).interval(Duration::from_millis(50))
}

/// Raw HTTP with a token, for wire-level checks.
struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Raw {
    async fn login(sim: &Simulator, user: &str, project: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sim.base_url().to_owned(),
            token: common::sim_token(&sim.auth_url(), user, project).await,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        version: Option<&str>,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-auth-token", &self.token);
        if let Some(v) = version {
            request = request.header("openstack-api-version", v);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
}

fn detail(body: &Value) -> &str {
    body["errors"][0]["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_whole_lifecycle_through_the_sdk_and_the_keystone_front() {
    let sim = Simulator::start(fast()).await.unwrap();
    let client = client_for(&sim, "demo");
    assert_eq!(
        client.endpoint().await.unwrap().v1_url(&[], &[]).as_str(),
        sim.magnum_url().as_str(),
        "Magnum comes from the simulator's Keystone catalog"
    );
    let range = client.server_versions().await.unwrap().unwrap();
    assert_eq!(
        (range.min, range.max),
        (
            magnum_core::Microversion::V1_1,
            magnum_core::Microversion::V1_14
        )
    );

    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    let template = templates
        .create(
            &ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
                .name("k8s")
                .flavor_id("m1.small")
                .master_flavor_id("m1.medium")
                .external_network_id("public")
                .keypair_id("kp")
                .label("kube_tag", "v1.30.1"),
        )
        .await
        .unwrap();
    assert_eq!(
        template.cluster_distro.as_ref().map(|d| d.as_str()),
        Some("fedora-coreos"),
        "cluster_distro comes from the image's os_distro"
    );
    assert_eq!(template.driver.as_deref(), Some("k8s_sim_v1"));
    assert_eq!(templates.get("k8s").await.unwrap().uuid, template.uuid);

    let clusters: Api<Cluster> = Api::new(client.clone());
    let created = clusters
        .create(&ClusterCreate::new("k8s").name("demo").node_count(2u32))
        .await
        .unwrap();
    let listed = clusters.list(&ListParams::new()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(
        listed.items[0].status,
        Some(ClusterStatus::CreateInProgress)
    );
    let ready = wait::cluster_ready(&clusters, created.uuid.as_str(), &waiting())
        .await
        .unwrap();
    assert_eq!(ready.status, Some(ClusterStatus::CreateComplete));
    assert!(ready.api_address.is_some());
    assert_eq!(ready.node_addresses.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        ready.keypair.as_deref(),
        Some("kp"),
        "keypair defaults from the template"
    );

    let nodegroups = Api::<NodeGroup>::in_cluster(client.clone(), "demo");
    let groups = nodegroups.list_all().await.unwrap();
    let names: Vec<_> = groups.iter().filter_map(|g| g.name.clone()).collect();
    assert_eq!(names, ["default-master", "default-worker"]);

    clusters
        .resize("demo", &ResizeRequest::new(3).nodegroup("default-worker"))
        .await
        .unwrap();
    let resized = wait::cluster_ready(&clusters, "demo", &waiting())
        .await
        .unwrap();
    assert_eq!(resized.status, Some(ClusterStatus::UpdateComplete));
    assert_eq!(resized.node_count, Some(3));

    // A new nodegroup lives as the Heat driver shows it: CREATE_IN_PROGRESS → CREATE_COMPLETE,
    // and once deleted it stays listed as DELETE_IN_PROGRESS until its stack is gone.
    let gpu = nodegroups
        .create(&NodeGroupCreate::new("gpu").node_count(1u32))
        .await
        .unwrap();
    assert_eq!(gpu.status, Some(ClusterStatus::CreateInProgress));
    let gpu = wait::nodegroup_ready(&nodegroups, "gpu", &waiting())
        .await
        .unwrap();
    assert_eq!(gpu.status, Some(ClusterStatus::CreateComplete));
    assert!(gpu.stack_id.is_some(), "a nodegroup stack of its own");
    nodegroups.delete("gpu").await.unwrap();
    let deleting = nodegroups.get("gpu").await.unwrap();
    assert_eq!(deleting.status, Some(ClusterStatus::DeleteInProgress));
    wait::nodegroup_deleted(&nodegroups, "gpu", &waiting())
        .await
        .unwrap();
    assert!(nodegroups.get_opt("gpu").await.unwrap().is_none());
    let names: Vec<_> = nodegroups
        .list_all()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|g| g.name)
        .collect();
    assert_eq!(names, ["default-master", "default-worker"]);

    // A kubeconfig signed by the cluster's CA, the way `openstack coe cluster config` makes it.
    let access = cluster_access(&client, "demo", &AccessOptions::new())
        .await
        .unwrap();
    assert!(access.kubeconfig.is_some());
    assert!(
        access
            .cert_pem
            .as_deref()
            .is_some_and(|p| p.starts_with("-----BEGIN CERTIFICATE-----"))
    );
    assert_eq!(sim.stored_certificates(), 4, "the cluster's CA set");

    let stats = client.stats(None).await.unwrap();
    assert_eq!((stats.clusters, stats.nodes), (1, Some(4)));

    clusters.delete("demo").await.unwrap();
    wait::cluster_deleted(&clusters, created.uuid.as_str(), &waiting())
        .await
        .unwrap();
    assert_eq!(sim.cluster_count().await, 0);
    assert_eq!(
        sim.stored_certificates(),
        0,
        "DELETE_COMPLETE removes the CA set"
    );
    templates.delete("k8s").await.unwrap();
    assert!(templates.get_opt("k8s").await.unwrap().is_none());
    sim.stop().await;
}

#[tokio::test]
async fn magnums_validation_messages_come_out_of_the_seeded_cloud() {
    let sim = Simulator::start(fast()).await.unwrap();
    let raw = Raw::login(&sim, "demo", "demo").await;
    let post = |path: &'static str, body: Value| {
        let raw = &raw;
        async move {
            raw.call(
                reqwest::Method::POST,
                path,
                Some("container-infra latest"),
                Some(body),
            )
            .await
        }
    };
    let template = |image: &str| {
        json!({"coe": "kubernetes", "image_id": image,
        "external_network_id": "public", "flavor_id": "m1.small"})
    };
    let cases = [
        (
            template("no-os-distro"),
            400,
            "Image no-os-distro doesn't contain os_distro field.",
        ),
        (template("nope"), 400, "Image nope could not be found."),
        (
            template("dup-image"),
            409,
            "Multiple images exist with same name 'dup-image'. Please use the image ID instead.",
        ),
        (
            json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "flavor_id": "m1.zero-disk"}),
            400,
            "Flavor with zero root volume size is not supported when boot_volume_size is zero.",
        ),
        (
            json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "network_driver": "cilium"}),
            400,
            "Network driver type cilium is not allowed, expecting a flannel/calico/unspecified network driver. ",
        ),
        (
            json!({"coe": "swarm", "image_id": "fedora-coreos-40"}),
            400,
            "Invalid input for field/attribute coe. Value: 'swarm'. Value should be one of: kubernetes",
        ),
        (
            template("capi-ubuntu-2204"),
            400,
            "Cluster driver (k8s_capi_helm_v1) not supported.",
        ),
        (
            json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "public": true}),
            403,
            "Not authorized to set public or hidden flag for cluster template.",
        ),
    ];
    for (body, status, message) in cases {
        let (got, _, answer) = post("/v1/clustertemplates", body.clone()).await;
        assert_eq!((got, detail(&answer)), (status, message), "{body}");
    }
    // With a boot volume the zero-disk flavor is fine.
    let (status, _, _) = post(
        "/v1/clustertemplates",
        json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "flavor_id": "m1.zero-disk",
               "name": "bfv", "labels": {"boot_volume_size": 20}}),
    )
    .await;
    assert_eq!(status, 201);

    let (status, headers, created) = post(
        "/v1/clustertemplates",
        json!({"coe": "kubernetes", "image_id": "fedora-coreos-40",
            "name": "k8s", "keypair_id": "kp", "external_network_id": "public"}),
    )
    .await;
    assert_eq!(status, 201);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .ends_with(created["uuid"].as_str().unwrap())
    );
    // The bookmark link (no /v1) works: Magnum routes paths without /v1 to v1.
    let bookmark = created["links"][1]["href"].as_str().unwrap();
    assert_eq!(created["links"][1]["rel"], "bookmark");
    let path = bookmark.strip_prefix(&raw.base).unwrap().to_owned();
    let (status, _, fetched) = raw.call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!((status, &fetched["uuid"]), (200, &created["uuid"]));
    let (status, _, _) = post(
        "/v1/clustertemplates",
        json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "name": "late"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, _) = raw
        .call(
            reqwest::Method::DELETE,
            "/clustertemplates/late/",
            None,
            None,
        )
        .await;
    assert_eq!(status, 204, "trailing slash and no /v1");
    let (status, _, atomic) = post(
        "/v1/clustertemplates",
        json!({"coe": "kubernetes", "image_id": "fedora-atomic-29", "name": "old"}),
    )
    .await;
    assert_eq!(
        status, 201,
        "master resolves a default driver name at template create"
    );
    assert_eq!(atomic["cluster_distro"], "fedora-atomic");

    let cluster = |extra: Value| {
        let mut body = json!({"cluster_template_id": "k8s", "name": "c1"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            cluster(json!({"master_count": 2})),
            400,
            "master nodegroup size of 2 is invalid, size cannot be an even number.",
        ),
        (
            cluster(json!({"master_count": 3})),
            400,
            "master_count must be 1 when master_lb_enabled is False",
        ),
        (
            cluster(json!({"keypair": "nope"})),
            404,
            "Unable to find keypair nope.",
        ),
        (cluster(json!({"name": "1bad"})), 400, ""),
        (
            cluster(json!({"cluster_template_id": "missing"})),
            404,
            "ClusterTemplate missing could not be found.",
        ),
    ];
    for (body, status, message) in cases {
        let (got, _, answer) = post("/v1/clusters", body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        if !message.is_empty() {
            assert_eq!(detail(&answer), message);
        }
    }
    let (status, _, answer) = post(
        "/v1/clusters",
        json!({"cluster_template_id": "old", "name": "atomic"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        detail(&answer).starts_with("Cluster type (vm, fedora-atomic, kubernetes) not supported: the k8s_fedora_atomic_v1 driver"),
        "{answer}"
    );
    // Version-gated answers: an unknown template is 400 before 1.10, zero nodes need 1.10.
    let (status, _, _) = raw
        .call(
            reqwest::Method::POST,
            "/v1/clusters",
            None,
            Some(json!({"cluster_template_id": "missing"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, answer) = raw
        .call(
            reqwest::Method::POST,
            "/v1/clusters",
            Some("container-infra 1.9"),
            Some(cluster(json!({"node_count": 0}))),
        )
        .await;
    assert_eq!(
        (status, detail(&answer)),
        (
            400,
            "Resizing a nodegroup to zero is not supported in the provided microversion."
        )
    );

    // A referenced template: only a lone name/public/hidden/tags change goes through.
    let (status, _, _) = post("/v1/clusters", cluster(json!({}))).await;
    assert_eq!(status, 202);
    let patch = |ops: Value| {
        let raw = &raw;
        async move {
            raw.call(
                reqwest::Method::PATCH,
                "/v1/clustertemplates/k8s",
                None,
                Some(ops),
            )
            .await
        }
    };
    let (status, _, answer) =
        patch(json!([{"op": "replace", "path": "/network_driver", "value": "calico"}])).await;
    assert_eq!(status, 400);
    assert_eq!(
        detail(&answer),
        format!(
            "ClusterTemplate {} is referenced by one or multiple clusters.",
            created["uuid"].as_str().unwrap()
        )
    );
    let (status, _, renamed) =
        patch(json!([{"op": "replace", "path": "/tags", "value": "prod"}])).await;
    assert_eq!((status, renamed["tags"].as_str()), (200, Some("prod")));
    let (status, _, answer) = raw
        .call(
            reqwest::Method::DELETE,
            "/v1/clustertemplates/k8s",
            None,
            None,
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    sim.stop().await;
}

#[tokio::test]
async fn wire_errors_match_magnum_api() {
    let sim = Simulator::start(fast()).await.unwrap();
    let raw = Raw::login(&sim, "demo", "demo").await;
    let http = reqwest::Client::new();
    // No token: keystonemiddleware's 401.
    let response = http
        .get(format!("{}/v1/clusters", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("/identity/v3")
    );
    // The simulated cloud services want a token too.
    let response = http
        .get(format!("{}/image/v2/images", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // Versions: public, no token needed.
    let root: Value = http
        .get(sim.base_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(root["versions"][0]["max_version"], "1.14");

    let get = |path: &'static str, version: Option<&'static str>| {
        let raw = &raw;
        async move { raw.call(reqwest::Method::GET, path, version, None).await }
    };
    let (status, headers, body) = get("/v1/clusters", Some("container-infra 1.99")).await;
    assert_eq!(
        (status, body["errors"][0]["max_version"].as_str()),
        (406, Some("1.14"))
    );
    assert_eq!(
        headers["openstack-api-version"],
        "container-infrastructure-management 1.99"
    );
    let (status, headers, _) = get("/v1/clusters", Some("compute 1.2")).await;
    assert_eq!(status, 406);
    assert!(!headers.contains_key("openstack-api-version"));
    let (status, headers, _) = get("/v1/clusters", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["openstack-api-version"], "container-infrastructure-management 1.1",
        "no header means 1.1"
    );
    assert!(
        headers["x-openstack-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req-")
    );
    let (status, _, _) = get("/v1/clusters/x/nodegroups", Some("container-infra 1.8")).await;
    assert_eq!(status, 406);
    let (status, _, body) = get("/v1/clustertemplates?limit=0", None).await;
    assert_eq!((status, detail(&body)), (400, "Limit must be positive"));
    assert_eq!(body["errors"][0]["title"], "Limit must be positive");
    let (status, _, body) = get("/v1/stats?type=pods", Some("container-infra 1.4")).await;
    assert_eq!(
        (status, body["errors"][0]["title"].as_str()),
        (400, Some("Invalid stats type"))
    );
    let (status, _, body) = get("/v1/clustertemplates/nope", None).await;
    assert_eq!(
        (status, detail(&body)),
        (404, "ClusterTemplate nope could not be found.")
    );
    let (status, _, body) = get("/v1/mservices", None).await;
    assert_eq!(
        (status, detail(&body)),
        (
            403,
            "Policy doesn't allow magnum-service:get_all to be performed."
        )
    );

    // Bad bodies: malformed JSON, wrong types, unknown fields, too large — 400/413, no crash.
    let send = |body: String| {
        let http = &http;
        let raw = &raw;
        async move {
            let response = http
                .post(format!("{}/v1/clustertemplates", raw.base))
                .header("x-auth-token", &raw.token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = send("{not json".into()).await;
    assert_eq!(status, 400);
    assert!(detail(&body).contains("not valid JSON"), "{body}");
    let (status, body) = send(
        r#"{"coe":"kubernetes","image_id":"fedora-coreos-40","docker_volume_size":"notanint"}"#
            .into(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(detail(&body).contains("docker_volume_size"), "{body}");
    let (status, body) = send(r#"{"coe":"kubernetes","image_id":"x","bogus":1}"#.into()).await;
    assert_eq!(
        (status, detail(&body)),
        (
            400,
            "Unknown attribute for argument cluster_template: bogus"
        )
    );
    let (status, body) = send(format!(r#"{{"name":"{}"}}"#, "x".repeat(200_000))).await;
    assert_eq!((status, detail(&body)), (413, "Request is too large."));

    // A reader may read but not write.
    let viewer = Raw::login(&sim, "viewer", "demo").await;
    let (status, _, _) = viewer
        .call(reqwest::Method::GET, "/v1/clusters", None, None)
        .await;
    assert_eq!(status, 200);
    let (status, _, body) = viewer
        .call(
            reqwest::Method::POST,
            "/v1/clustertemplates",
            None,
            Some(json!({"coe": "kubernetes", "image_id": "fedora-coreos-40"})),
        )
        .await;
    assert_eq!(
        (status, detail(&body)),
        (
            403,
            "Policy doesn't allow clustertemplate:create to be performed."
        )
    );
    // Bad credentials: Keystone's 401.
    let response = http
        .post(format!("{}/auth/tokens", sim.auth_url()))
        .json(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "wrong"}}}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    sim.stop().await;
}

#[tokio::test]
async fn injected_failures_and_quotas_behave_like_magnum() {
    let sim = Simulator::start(fast()).await.unwrap();
    let client = client_for(&sim, "demo");
    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    templates
        .create(
            &ClusterTemplateCreate::new("ubuntu-22.04", Coe::Kubernetes)
                .name("k8s")
                .external_network_id("public"),
        )
        .await
        .unwrap();
    let clusters: Api<Cluster> = Api::new(client.clone());
    let reason = "Resource CREATE failed: WaitConditionTimeout";
    let created = clusters
        .create(
            &ClusterCreate::new("k8s")
                .name("doomed")
                .label("sim_fail_create", reason),
        )
        .await
        .unwrap();
    let err = wait::cluster_ready(&clusters, created.uuid.as_str(), &waiting())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceFailed);
    let failed = clusters.get("doomed").await.unwrap();
    assert_eq!(failed.status, Some(ClusterStatus::CreateFailed));
    assert_eq!(failed.status_reason.as_deref(), Some(reason));
    assert_eq!(
        failed
            .faults
            .as_ref()
            .and_then(|f| f.get("default-worker"))
            .map(String::as_str),
        Some(reason),
        "faults name the failed nodegroups"
    );
    let explained = magnum_core::doctor::explain_cluster(
        failed.status_reason.as_deref(),
        failed.faults.as_ref().unwrap(),
    );
    assert!(
        explained.iter().any(|e| e.code.contains("WAIT")),
        "the doctor recognises the injected Heat timeout: {explained:?}"
    );

    // An admin caps the demo project at 2 clusters: the third create is refused with 403.
    let admin = client_for(&sim, "admin");
    let raw_admin = Raw::login(&sim, "admin", "admin").await;
    let (status, _, _) = raw_admin
        .call(
            reqwest::Method::POST,
            "/v1/quotas",
            None,
            Some(json!({"project_id": "demo-project-id", "resource": "Cluster", "hard_limit": 2})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _, body) = raw_admin
        .call(
            reqwest::Method::POST,
            "/v1/quotas",
            None,
            Some(json!({"project_id": "nowhere", "resource": "Cluster", "hard_limit": 2})),
        )
        .await;
    assert_eq!(
        (status, detail(&body)),
        (404, "The project_id nowhere could not be found.")
    );
    clusters
        .create(&ClusterCreate::new("k8s").name("second"))
        .await
        .unwrap();
    let err = clusters
        .create(&ClusterCreate::new("k8s").name("third"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(
        err.to_string()
            .contains("You have reached the maximum clusters per project, 2."),
        "{err}"
    );
    assert!(admin.mservices().await.unwrap().len() == 1);
    sim.stop().await;
}

#[tokio::test]
async fn ten_thousand_concurrent_requests_lose_and_duplicate_nothing() {
    let sim = Simulator::start(fast().max_clusters_per_project(10_000))
        .await
        .unwrap();
    let raw = std::sync::Arc::new(Raw::login(&sim, "demo", "demo").await);
    let (status, _, _) = raw
        .call(
            reqwest::Method::POST,
            "/v1/clustertemplates",
            None,
            Some(json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "name": "k8s"})),
        )
        .await;
    assert_eq!(status, 201);
    let tasks: Vec<_> = (0..16)
        .map(|worker| {
            let raw = raw.clone();
            tokio::spawn(async move {
                let mut created = Vec::new();
                let mut statuses = Vec::new();
                for i in 0..625 {
                    let (status, _, body) = match i % 5 {
                        0 => {
                            raw.call(
                                reqwest::Method::POST,
                                "/v1/clusters",
                                None,
                                Some(json!({"cluster_template_id": "k8s",
                                            "name": format!("c-{worker}-{i}")})),
                            )
                            .await
                        }
                        1 => {
                            raw.call(reqwest::Method::GET, "/v1/clusters?limit=20", None, None)
                                .await
                        }
                        2 => {
                            raw.call(reqwest::Method::GET, "/v1/clustertemplates/k8s", None, None)
                                .await
                        }
                        3 => {
                            raw.call(reqwest::Method::GET, "/v1/clusters/nope", None, None)
                                .await
                        }
                        _ => {
                            raw.call(
                                reqwest::Method::POST,
                                "/v1/clusters",
                                None,
                                Some(json!({"cluster_template_id": "k8s", "master_count": 2})),
                            )
                            .await
                        }
                    };
                    if i % 5 == 0 {
                        created.push(body["uuid"].as_str().unwrap_or_default().to_owned());
                    }
                    statuses.push(status);
                }
                (created, statuses)
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for task in tasks {
        let (uuids, statuses) = task.await.unwrap();
        created.extend(uuids);
        for s in statuses {
            *counts.entry(s).or_default() += 1;
        }
    }
    assert_eq!(counts.values().sum::<usize>(), 10_000);
    assert_eq!(
        counts,
        [(200, 4000), (202, 2000), (400, 2000), (404, 2000)].into()
    );
    let unique: HashSet<_> = created.iter().collect();
    assert_eq!((created.len(), unique.len()), (2000, 2000));
    let (_, _, listed) = raw
        .call(reqwest::Method::GET, "/v1/clusters?limit=5000", None, None)
        .await;
    let listed: HashSet<String> = listed["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed.len(),
        1000,
        "a page holds at most [api] max_limit = 1000"
    );
    assert_eq!(sim.cluster_count().await, 2000);
    sim.stop().await;
}

#[tokio::test]
async fn a_restarted_simulator_keeps_its_clusters_from_the_state_file() {
    let guard = tempfile::tempdir().unwrap();
    let dir = guard.path();
    let path = dir.join("sim.db");
    let _ = std::fs::remove_file(&path);
    let config = || fast().state_file(&path);

    let sim = Simulator::start(config()).await.unwrap();
    let client = client_for(&sim, "demo");
    Api::<ClusterTemplate>::new(client.clone())
        .create(&ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes).name("k8s"))
        .await
        .unwrap();
    let clusters: Api<Cluster> = Api::new(client.clone());
    let ready = clusters
        .create(&ClusterCreate::new("k8s").name("kept"))
        .await
        .unwrap();
    wait::cluster_ready(&clusters, ready.uuid.as_str(), &waiting())
        .await
        .unwrap();
    let ca_before = clusters.ca_certificate("kept", None).await.unwrap().pem;
    // Stopped in the middle of a create: it resumes after the restart.
    let pending = clusters
        .create(&ClusterCreate::new("k8s").name("pending"))
        .await
        .unwrap();
    sim.stop().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds CA keys");
    }

    let sim = Simulator::start(config()).await.unwrap();
    let client = client_for(&sim, "demo");
    let clusters: Api<Cluster> = Api::new(client.clone());
    let kept = clusters.get("kept").await.unwrap();
    assert_eq!(kept.status, Some(ClusterStatus::CreateComplete));
    assert_eq!(
        clusters.ca_certificate("kept", None).await.unwrap().pem,
        ca_before,
        "the same CA after the restart"
    );
    let resumed = wait::cluster_ready(&clusters, pending.uuid.as_str(), &waiting())
        .await
        .unwrap();
    assert_eq!(resumed.status, Some(ClusterStatus::CreateComplete));
    // New objects never reuse ids or names of old ones.
    let third = clusters.create(&ClusterCreate::new("k8s")).await.unwrap();
    assert_ne!(third.uuid, ready.uuid);
    assert_eq!(clusters.list_all().await.unwrap().len(), 3);
    sim.stop().await;

    // A file that is not a simulator state is refused with its path in the message.
    std::fs::write(dir.join("bad.db"), b"not sqlite").unwrap();
    let err = Simulator::start(fast().state_file(dir.join("bad.db")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bad.db"), "{err}");
}

/// The child half of `client_from_env_logs_in_from_os_variables` (the README's one-call
/// login in a process whose environment is exactly `OS_*`): does nothing unless that test
/// started it (`MAGNUM_FROM_ENV_CHILD` set), as `--include-ignored` runs it on its own too.
#[tokio::test]
#[ignore = "a child process of client_from_env_logs_in_from_os_variables"]
async fn from_env_child() {
    if std::env::var_os("MAGNUM_FROM_ENV_CHILD").is_none() {
        return;
    }
    let client = Client::from_env().unwrap();
    let templates = Api::<ClusterTemplate>::new(client)
        .list(&ListParams::new())
        .await
        .unwrap();
    println!("from_env saw {} template(s)", templates.items.len());
}

/// Runs this test binary's `from_env_child` in a child process with exactly `env` (the
/// simulator keeps serving on the runtime meanwhile).
async fn from_env_in_child(env: Vec<(String, String)>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "from_env_child",
                "--include-ignored",
                "--nocapture",
            ])
            .env_clear()
            .env("MAGNUM_FROM_ENV_CHILD", "1")
            .envs(env)
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_from_env_logs_in_from_os_variables() {
    let sim = Simulator::start(fast()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let home_env = ("HOME".to_owned(), home.path().display().to_string());
    let mut env = sim.env();
    env.push(home_env.clone());
    let output = from_env_in_child(env).await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("from_env saw 0 template(s)"), "{text}");
    // Without any configuration the error lists what it tried.
    let output = from_env_in_child(vec![home_env]).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success());
    assert!(text.contains("no cloud configured"), "{text}");
    assert!(
        text.contains(".config/openstack/clouds.yaml"),
        "lists the files tried: {text}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_kubeconfig_needs_an_api_address_and_says_so() {
    let sim = Simulator::start(SimulatorConfig::new().durations(
        Duration::from_secs(30),
        Duration::from_secs(30),
        Duration::from_secs(30),
    ))
    .await
    .unwrap();
    let client = client_for(&sim, "demo");
    Api::<ClusterTemplate>::new(client.clone())
        .create(&ClusterTemplateCreate::new("fedora-coreos-40", "kubernetes").name("k8s"))
        .await
        .unwrap();
    Api::<Cluster>::new(client.clone())
        .create(&ClusterCreate::new("k8s").name("young"))
        .await
        .unwrap();
    let err = cluster_access(&client, "young", &AccessOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "invalid input: cluster young has no API address yet (status CREATE_IN_PROGRESS): a kubeconfig needs one; wait until it is CREATE_COMPLETE"
    );
    sim.stop().await;
}

/// An RSA public key made by `ssh-keygen` and the MD5 fingerprint `ssh-keygen -l -E md5`
/// prints for it.
fn ssh_keygen_rsa() -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_rsa");
    let made = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "rsa",
            "-b",
            "2048",
            "-N",
            "",
            "-C",
            "tester@example.com",
            "-f",
        ])
        .arg(&key)
        .status()
        .expect("ssh-keygen (Debian openssh-client)");
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let listed = std::process::Command::new("ssh-keygen")
        .args(["-l", "-E", "md5", "-f"])
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    let line = String::from_utf8(listed.stdout).unwrap();
    let fingerprint = line
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.strip_prefix("MD5:"))
        .unwrap()
        .to_owned();
    (public.trim().to_owned(), fingerprint)
}

/// A self-signed certificate made by `openssl` and its SHA-1 fingerprint as Nova prints it
/// (lower-case, colon-separated).
fn openssl_certificate() -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=tester", "-keyout"])
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let printed = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    let line = String::from_utf8(printed.stdout).unwrap();
    let sha1 = line.trim().rsplit('=').next().unwrap().to_lowercase();
    (std::fs::read_to_string(&cert).unwrap(), sha1)
}

#[tokio::test]
async fn nova_keypairs_are_per_user_writable_and_checked_by_magnum() {
    let sim = Simulator::start(fast()).await.unwrap();
    let demo = Raw::login(&sim, "demo", "demo").await;
    let admin = Raw::login(&sim, "admin", "admin").await;
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;
    let delete = reqwest::Method::DELETE;
    let keypairs = "/compute/v2.1/os-keypairs";

    // 2.1 (no header): a generated key, 200, its private half given once.
    let (status, headers, made) = demo
        .call(
            post.clone(),
            keypairs,
            None,
            Some(json!({"keypair": {"name": "tempest-kp"}})),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(headers["x-openstack-nova-api-version"], "2.1");
    let made = &made["keypair"];
    assert!(
        made["private_key"]
            .as_str()
            .unwrap()
            .contains("PRIVATE KEY")
    );
    assert!(
        made["public_key"]
            .as_str()
            .unwrap()
            .ends_with("Generated-by-Nova")
    );
    assert_eq!(made["fingerprint"].as_str().unwrap().len(), 47);
    assert!(made.get("type").is_none(), "type is 2.2+");
    let (status, _, shown) = demo
        .call(get.clone(), &format!("{keypairs}/tempest-kp"), None, None)
        .await;
    assert_eq!(status, 200);
    let shown = &shown["keypair"];
    assert_eq!(shown["deleted"], false);
    assert_eq!(shown["fingerprint"], made["fingerprint"]);
    assert!(
        shown["id"].is_u64() && shown["created_at"].is_string() && shown["updated_at"].is_null()
    );
    assert!(
        shown.get("private_key").is_none(),
        "the private key is never shown again"
    );
    let (status, _, dup) = demo
        .call(
            post.clone(),
            keypairs,
            None,
            Some(json!({"keypair": {"name": "tempest-kp"}})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        dup["conflictingRequest"]["message"],
        "Key pair 'tempest-kp' already exists."
    );

    // Another user sees none of it; Magnum checks the caller's own keypairs.
    let (_, _, listed) = admin.call(get.clone(), keypairs, None, None).await;
    let names: Vec<&str> = listed["keypairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["keypair"]["name"].as_str())
        .collect();
    assert_eq!(names, ["kp"], "the seeded keypair only");
    let (status, _, missing) = admin
        .call(get.clone(), &format!("{keypairs}/tempest-kp"), None, None)
        .await;
    assert_eq!(status, 404);
    assert!(
        missing["itemNotFound"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Keypair tempest-kp not found for user ")
    );
    let demo_id = shown["user_id"].as_str().unwrap().to_owned();
    let (status, _, _) = admin
        .call(
            get.clone(),
            &format!("{keypairs}/tempest-kp?user_id={demo_id}"),
            Some("compute 2.10"),
            None,
        )
        .await;
    assert_eq!(
        status, 200,
        "an admin reads another user's keypair from 2.10"
    );
    let (status, _, refused) = demo
        .call(
            get.clone(),
            &format!("{keypairs}?user_id=someone-else"),
            Some("compute 2.10"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert!(
        refused["forbidden"]["message"]
            .as_str()
            .unwrap()
            .contains("os-keypairs:index")
    );

    // An imported key: the fingerprint is ssh-keygen's; 2.2 answers 201 with the type.
    let (public, fingerprint) = ssh_keygen_rsa();
    let (status, headers, imported) = demo
        .call(
            post.clone(),
            keypairs,
            Some("compute 2.2"),
            Some(json!({"keypair": {"name": "imported", "public_key": public}})),
        )
        .await;
    assert_eq!(status, 201, "{imported}");
    assert_eq!(headers["openstack-api-version"], "compute 2.2");
    assert_eq!(imported["keypair"]["fingerprint"], fingerprint.as_str());
    assert_eq!(imported["keypair"]["type"], "ssh");
    assert!(imported["keypair"].get("private_key").is_none());
    let (status, _, bad) = demo
        .call(
            post.clone(),
            keypairs,
            None,
            Some(json!({"keypair": {"name": "bad", "public_key": "ssh-rsa not-base64 x"}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        bad["badRequest"]["message"],
        "Keypair data is invalid: failed to generate fingerprint"
    );
    // An x509 keypair (2.2+): the certificate's SHA-1 fingerprint, as openssl prints it.
    let (certificate, sha1) = openssl_certificate();
    let (status, _, x509) = demo
        .call(
            post.clone(),
            keypairs,
            Some("compute 2.2"),
            Some(json!({"keypair": {"name": "x509", "type": "x509", "public_key": certificate}})),
        )
        .await;
    assert_eq!(status, 201, "{x509}");
    assert_eq!(x509["keypair"]["type"], "x509");
    assert_eq!(x509["keypair"]["fingerprint"], sha1.as_str());
    let (status, _, bad) = demo
        .call(
            post.clone(),
            keypairs,
            Some("compute 2.2"),
            Some(json!({"keypair": {"name": "x509-bad", "type": "x509", "public_key": public}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        bad["badRequest"]["message"],
        "Keypair data is invalid: failed to generate X509 fingerprint"
    );
    let (status, _, _) = demo
        .call(
            delete.clone(),
            &format!("{keypairs}/x509"),
            Some("compute 2.2"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _, unsupported) = demo
        .call(get.clone(), keypairs, Some("compute 2.200"), None)
        .await;
    assert_eq!(status, 406);
    assert!(
        unsupported["computeFault"]["message"]
            .as_str()
            .unwrap()
            .contains("maximum is 2.96")
    );

    // Magnum: a cluster with the caller's keypair is accepted; after the keypair is deleted,
    // Magnum's own 404.
    let template = json!({"name": "kp-t", "image_id": "fedora-coreos-40", "coe": "kubernetes",
                          "external_network_id": "public", "flavor_id": "m1.small",
                          "master_flavor_id": "m1.medium", "keypair_id": "tempest-kp"});
    for user in [&demo, &admin] {
        let (status, _, made) = user
            .call(
                post.clone(),
                "/v1/clustertemplates",
                Some("container-infra latest"),
                Some(template.clone()),
            )
            .await;
        assert_eq!(status, 201, "{made}");
    }
    let cluster = json!({"name": "kp-c", "cluster_template_id": "kp-t", "node_count": 1});
    let (status, _, created) = admin
        .call(
            post.clone(),
            "/v1/clusters",
            Some("container-infra latest"),
            Some(cluster.clone()),
        )
        .await;
    assert_eq!(
        (status, detail(&created)),
        (404, "Unable to find keypair tempest-kp."),
        "admin holds no tempest-kp"
    );
    let (status, _, created) = demo
        .call(
            post.clone(),
            "/v1/clusters",
            Some("container-infra latest"),
            Some(cluster.clone()),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let (status, _, _) = demo
        .call(
            delete.clone(),
            &format!("{keypairs}/tempest-kp"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 202, "2.1 answers a delete 202");
    let (status, _, _) = demo
        .call(
            delete.clone(),
            &format!("{keypairs}/imported"),
            Some("compute 2.2"),
            None,
        )
        .await;
    assert_eq!(status, 204, "2.2+ answers 204");
    let mut again = cluster;
    again["name"] = json!("kp-c2");
    let (status, _, created) = demo
        .call(
            post.clone(),
            "/v1/clusters",
            Some("container-infra latest"),
            Some(again),
        )
        .await;
    assert_eq!(
        (status, detail(&created)),
        (404, "Unable to find keypair tempest-kp.")
    );

    // Paging (2.35) and the 100-keypair quota.
    for i in 0..99 {
        let (status, _, body) = demo
            .call(
                post.clone(),
                keypairs,
                Some("compute 2.92"),
                Some(json!({"keypair": {"name": format!("k{i:02}"), "public_key": public}})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _, over) = demo
        .call(
            post.clone(),
            keypairs,
            Some("compute 2.92"),
            Some(json!({"keypair": {"name": "one-too-many", "public_key": public}})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        over["forbidden"]["message"],
        "Quota exceeded, too many key pairs."
    );
    let (_, _, page) = demo
        .call(
            get.clone(),
            &format!("{keypairs}?limit=2&marker=k10"),
            Some("compute 2.35"),
            None,
        )
        .await;
    let names: Vec<&str> = page["keypairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["keypair"]["name"].as_str())
        .collect();
    assert_eq!(names, ["k11", "k12"]);
    assert!(
        page["keypairs_links"][0]["href"]
            .as_str()
            .unwrap()
            .ends_with("limit=2&marker=k12")
    );
    let (status, _, _) = demo
        .call(
            get,
            &format!("{keypairs}?marker=nope"),
            Some("compute 2.35"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    sim.stop().await;
}

/// Every IPv4 address written anywhere in `value` (inside URLs too), with where it was found.
fn ipv4_literals(value: &Value, at: &str, found: &mut Vec<(String, std::net::Ipv4Addr)>) {
    match value {
        Value::String(text) => {
            for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
                if let Ok(ip) = token.trim_matches('.').parse::<std::net::Ipv4Addr>() {
                    found.push((at.to_owned(), ip));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                ipv4_literals(item, &format!("{at}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                ipv4_literals(item, &format!("{at}.{key}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn nothing_the_simulator_hands_out_points_off_loopback() {
    let sim = Simulator::start(fast()).await.unwrap();
    let demo = Raw::login(&sim, "demo", "demo").await;
    let latest = Some("container-infra latest");
    let post = reqwest::Method::POST;
    let (status, _, _) = demo
        .call(
            post.clone(),
            "/v1/clustertemplates",
            latest,
            Some(
                json!({"name": "t", "image_id": "fedora-coreos-40", "coe": "kubernetes",
                        "external_network_id": "public", "flavor_id": "m1.small",
                        "master_flavor_id": "m1.medium", "master_lb_enabled": true}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _, created) = demo
        .call(
            post.clone(),
            "/v1/clusters",
            latest,
            Some(json!({"name": "c", "cluster_template_id": "t", "node_count": 300, "master_count": 3})),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let client = client_for(&sim, "demo");
    let clusters: Api<Cluster> = Api::new(client.clone());
    let ready = wait::cluster_ready(&clusters, "c", &waiting())
        .await
        .unwrap();
    let nodes = ready.node_addresses.clone().unwrap_or_default();
    assert_eq!(nodes.len(), 300);
    let unique: HashSet<&String> = nodes.iter().collect();
    assert_eq!(unique.len(), 300, "every node has an address of its own");

    let mut found = Vec::new();
    for path in [
        "/v1/clusters/detail",
        "/v1/clusters/c",
        "/v1/clusters/c/nodegroups/detail",
        "/v1/clustertemplates/detail",
        "/load-balancer/v2/lbaas/loadbalancers",
        "/network/v2.0/floatingips",
        "/network/v2.0/networks",
        "/network/v2.0/subnets",
        "/image/v2/images",
        "/compute/v2.1/flavors/detail",
        "/compute/v2.1/os-keypairs",
        "/image",
        "/compute",
        "/network",
        "/volume",
        "/load-balancer",
        "/identity",
        "/",
    ] {
        let (status, _, body) = demo.call(reqwest::Method::GET, path, latest, None).await;
        assert!(status < 400, "{path}: {status}");
        ipv4_literals(&body, path, &mut found);
    }
    let token = reqwest::Client::new()
        .post(sim.auth_url().to_string() + "/auth/tokens")
        .json(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"id": "default"}, "password": DEFAULT_PASSWORD}}},
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    ipv4_literals(&token, "token", &mut found);
    assert!(
        found.iter().any(|(at, _)| at.contains("node_addresses"))
            && found
                .iter()
                .any(|(at, _)| at.contains("floating_ip_address"))
            && found.iter().any(|(at, _)| at.contains("api_address")),
        "the scan sees the addresses it is meant to check: {found:?}"
    );
    let off: Vec<_> = found.iter().filter(|(_, ip)| !ip.is_loopback()).collect();
    assert!(off.is_empty(), "addresses off 127.0.0.0/8: {off:?}");
    sim.stop().await;
}

/// An HTTPS client for a simulated cluster's Kubernetes API: trusts the cluster CA and presents
/// `identity` (certificate PEM, key PEM) when given.
fn kube_client(ca_pem: &str, identity: Option<(&str, &str)>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10));
    if let Some((cert, key)) = identity {
        builder = builder
            .identity(reqwest::Identity::from_pem(format!("{cert}\n{key}").as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

/// What `openstack coe cluster config` hands a user of `cluster`: CA, certificate, key.
async fn kube_credentials(client: &Client, cluster: &str) -> (String, String, String) {
    use secrecy::ExposeSecret;
    let access = cluster_access(client, cluster, &AccessOptions::new())
        .await
        .unwrap();
    (
        access.ca_pem.unwrap(),
        access.cert_pem.unwrap(),
        access.key_pem.unwrap().expose_secret().to_owned(),
    )
}

async fn kube_get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn item_names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_kubernetes_cluster_serves_a_read_only_api_on_loopback() {
    let sim = Simulator::start(fast().max_kube_apis(2)).await.unwrap();
    let client = client_for(&sim, "demo");
    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    templates
        .create(
            &ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
                .name("kt")
                .flavor_id("m1.small")
                .master_flavor_id("m1.medium")
                .external_network_id("public"),
        )
        .await
        .unwrap();
    let clusters: Api<Cluster> = Api::new(client.clone());
    for (name, nodes) in [("kc", 2u32), ("other", 1)] {
        clusters
            .create(&ClusterCreate::new("kt").name(name).node_count(nodes))
            .await
            .unwrap();
    }
    let ready = wait::cluster_ready(&clusters, "kc", &waiting())
        .await
        .unwrap();
    wait::cluster_ready(&clusters, "other", &waiting())
        .await
        .unwrap();
    let url = ready.api_address.clone().unwrap();
    assert!(
        url.starts_with("https://127.0.0.1:") && url != "https://127.0.0.1:6443",
        "{url}"
    );
    assert_eq!(sim.kube_api_count(), 2);

    let (ca, cert, key) = kube_credentials(&client, "kc").await;
    let kube = kube_client(&ca, Some((&cert, &key)));
    let (status, version) = kube_get(&kube, &format!("{url}/version")).await;
    assert_eq!(status, 200);
    assert_eq!(version["gitVersion"].as_str(), ready.coe_version.as_deref());
    assert_eq!(
        kube.get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let (_, nodes) = kube_get(&kube, &format!("{url}/api/v1/nodes")).await;
    assert_eq!(nodes["kind"], "NodeList");
    let names = item_names(&nodes);
    assert_eq!(names.len(), 3, "1 master + 2 workers: {names:?}");
    assert!(
        names[0].starts_with("kc-") && names[0].ends_with("-master-0"),
        "{names:?}"
    );
    let master = &nodes["items"][0];
    assert!(
        master["metadata"]["labels"]
            .get("node-role.kubernetes.io/control-plane")
            .is_some()
    );
    assert_eq!(
        master["status"]["conditions"][0]["status"], "True",
        "Ready follows HEALTHY"
    );
    assert_eq!(
        master["status"]["nodeInfo"]["kubeletVersion"].as_str(),
        ready.coe_version.as_deref()
    );
    assert_eq!(
        master["status"]["addresses"][0]["address"]
            .as_str()
            .map(|a| a.starts_with("127.")),
        Some(true)
    );
    let table: Value = kube
        .get(format!("{url}/api/v1/nodes"))
        .header(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(table["kind"], "Table", "what kubectl get asks for");
    assert_eq!(table["columnDefinitions"][1]["name"], "Status");
    assert_eq!(table["rows"][0]["cells"][1], "Ready");
    assert_eq!(table["rows"][0]["cells"][2], "control-plane");
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let (_, pods) = kube_get(&kube, &format!("{url}/api/v1/pods")).await;
    assert!(item_names(&pods).iter().any(|n| n.starts_with("coredns-")));
    let (_, system) = kube_get(&kube, &format!("{url}/api/v1/namespaces/kube-system/pods")).await;
    assert_eq!(
        item_names(&system).len(),
        item_names(&pods).len() - 2,
        "two dashboard pods"
    );
    let (_, not_running) = kube_get(
        &kube,
        &format!("{url}/api/v1/pods?fieldSelector=status.phase!=Running"),
    )
    .await;
    assert_eq!(item_names(&not_running).len(), 0);
    let (status, bad) = kube_get(
        &kube,
        &format!("{url}/api/v1/pods?fieldSelector=spec.bogus=1"),
    )
    .await;
    assert_eq!((status, bad["reason"].as_str()), (400, Some("BadRequest")));
    let (status, missing) = kube_get(&kube, &format!("{url}/api/v1/nodes/nope")).await;
    assert_eq!((status, missing["kind"].as_str()), (404, Some("Status")));

    // Read-only, no watch; no certificate, or one of another cluster's CA: Kubernetes' 401.
    let response = kube
        .post(format!("{url}/api/v1/namespaces"))
        .json(&json!({"metadata": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let (status, _) = kube_get(&kube, &format!("{url}/api/v1/pods?watch=true")).await;
    assert_eq!(status, 405);
    let (status, unauthorized) =
        kube_get(&kube_client(&ca, None), &format!("{url}/api/v1/nodes")).await;
    assert_eq!(status, 401);
    assert_eq!(unauthorized["kind"], "Status");
    assert_eq!(unauthorized["code"], 401);
    let (_, other_cert, other_key) = kube_credentials(&client, "other").await;
    let stranger = kube_client(&ca, Some((&other_cert, &other_key)));
    let (status, _) = kube_get(&stranger, &format!("{url}/api/v1/nodes")).await;
    assert_eq!(status, 401, "a certificate of another cluster's CA");

    // A resize shows in the node list; a CA rotation retires the old certificates.
    clusters
        .resize("kc", &ResizeRequest::new(3).nodegroup("default-worker"))
        .await
        .unwrap();
    let resized = wait::cluster_ready(&clusters, "kc", &waiting())
        .await
        .unwrap();
    assert_eq!(
        resized.api_address.as_deref(),
        Some(url.as_str()),
        "the address stays"
    );
    let (_, nodes) = kube_get(&kube, &format!("{url}/api/v1/nodes")).await;
    assert_eq!(item_names(&nodes).len(), 4);
    clusters.rotate_ca("kc").await.unwrap();
    let stale = kube_client(&ca, Some((&cert, &key)))
        .get(format!("{url}/api/v1/nodes"))
        .send()
        .await;
    assert!(
        stale.is_err(),
        "the server now presents a certificate of the new CA"
    );
    let (new_ca, new_cert, new_key) = kube_credentials(&client, "kc").await;
    assert_ne!(new_ca, ca);
    let (status, _) = kube_get(
        &kube_client(&new_ca, Some((&cert, &key))),
        &format!("{url}/api/v1/nodes"),
    )
    .await;
    assert_eq!(status, 401, "a certificate of the retired CA");
    let renewed = kube_client(&new_ca, Some((&new_cert, &new_key)));
    let (status, _) = kube_get(&renewed, &format!("{url}/api/v1/nodes")).await;
    assert_eq!(status, 200);

    // The bound: a third cluster gets no API and says why.
    clusters
        .create(&ClusterCreate::new("kt").name("third").node_count(1u32))
        .await
        .unwrap();
    let third = wait::cluster_ready(&clusters, "third", &waiting())
        .await
        .unwrap();
    assert!(
        third
            .status_reason
            .as_deref()
            .unwrap_or_default()
            .contains("no Kubernetes API"),
        "{:?}",
        third.status_reason
    );
    assert_eq!(third.api_address.as_deref(), Some("https://127.0.0.1:6443"));

    // Deleting the cluster closes its listener.
    clusters.delete("kc").await.unwrap();
    wait::cluster_deleted(&clusters, "kc", &waiting())
        .await
        .unwrap();
    assert_eq!(sim.kube_api_count(), 1);
    let refused = renewed.get(format!("{url}/api/v1/nodes")).send().await;
    assert!(refused.is_err(), "the listener is closed");
    sim.stop().await;
}

#[tokio::test]
async fn a_clusters_kubernetes_api_shrugs_off_hostile_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = Simulator::start(fast()).await.unwrap();
    let client = client_for(&sim, "demo");
    Api::<ClusterTemplate>::new(client.clone())
        .create(
            &ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
                .name("kt")
                .external_network_id("public"),
        )
        .await
        .unwrap();
    let clusters: Api<Cluster> = Api::new(client.clone());
    clusters
        .create(&ClusterCreate::new("kt").name("kc").node_count(1u32))
        .await
        .unwrap();
    let ready = wait::cluster_ready(&clusters, "kc", &waiting())
        .await
        .unwrap();
    let url = ready.api_address.unwrap();
    let addr = url.trim_start_matches("https://").to_owned();

    // 100 connections that speak no TLS at all: each is closed at once.
    let mut garbage = Vec::new();
    for i in 0..100u32 {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        tcp.write_all(format!("GET /api/v1/nodes HTTP/1.1\r\nX: {i}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        garbage.push(tcp);
    }
    for mut tcp in garbage {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(_)) | Ok(Err(_))), "not left hanging");
    }

    // A real client still gets its answer; an absurd selector and a 1 MiB query are refused
    // with a status, not a crash.
    let (ca, cert, key) = kube_credentials(&client, "kc").await;
    let kube = kube_client(&ca, Some((&cert, &key)));
    let (status, _) = kube_get(&kube, &format!("{url}/api/v1/nodes")).await;
    assert_eq!(status, 200);
    let selector = "a=b,".repeat(5_000);
    let (status, _) = kube_get(
        &kube,
        &format!("{url}/api/v1/pods?labelSelector={selector}"),
    )
    .await;
    assert_eq!(status, 200, "an unmatched label selector is an empty list");
    let huge = "x".repeat(1 << 20);
    let response = kube
        .get(format!("{url}/api/v1/pods?fieldSelector={huge}"))
        .send()
        .await;
    assert!(
        response
            .map(|r| r.status().is_client_error())
            .unwrap_or(true),
        "refused or cut off, never served"
    );
    let (status, _) = kube_get(&kube, &format!("{url}/version")).await;
    assert_eq!(status, 200, "still serving");
    sim.stop().await;
}

#[tokio::test]
async fn a_system_scoped_token_is_refused_by_every_magnum_policy() {
    let sim = Simulator::start(fast()).await.unwrap();
    let http = reqwest::Client::new();
    let ask = |user: &str, scope: Value| {
        http.post(sim.auth_url().to_string() + "/auth/tokens")
            .json(
                &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"}, "password": DEFAULT_PASSWORD}}},
                "scope": scope}}),
            )
            .send()
    };
    let system = json!({"system": {"all": true}});
    let response = ask("admin", system.clone()).await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let token = response.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token"]["system"], json!({"all": true}));
    assert!(
        body["token"].get("project").is_none(),
        "no project in a system token"
    );
    let response = ask("demo", system).await.unwrap();
    assert_eq!(response.status().as_u16(), 401, "demo holds no system role");

    // Magnum's policies are all project-scoped (scope_types=["project"]): with enforce_scope a
    // system token is refused everywhere, admin-only rules included.
    for (path, rule) in [
        ("/v1/clusters", "cluster:get_all"),
        ("/v1/clustertemplates", "clustertemplate:get_all"),
        ("/v1/mservices", "magnum-service:get_all"),
        ("/v1/quotas", "quota:get_all"),
    ] {
        let response = http
            .get(format!("{}{path}", sim.base_url()))
            .header("x-auth-token", &token)
            .header("openstack-api-version", "container-infra latest")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            detail(&body),
            format!("Policy doesn't allow {rule} to be performed."),
            "{path}"
        );
    }
    sim.stop().await;
}
