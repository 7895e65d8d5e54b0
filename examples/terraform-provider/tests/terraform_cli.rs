//! The provider driven by the real `terraform` CLI (1.11, `dev_overrides`, no registry) against
//! the embedded simulator: apply template + cluster (timed) + nodegroup, a clean second plan,
//! resize and nodegroup bounds in place, upgrade by template change, drift after an
//! out-of-band resize and delete, import into an empty state, a plan refused at plan time for
//! an image without `os_distro`, local checks at `terraform validate`, a failed cluster
//! explained and kept tainted, a create timeout, destroy leaving nothing — and no password or
//! client key in `TF_LOG=TRACE` logs.
//!
//! Without a `terraform` binary (`$TERRAFORM`, `PATH`, `/usr/local/bin`) the scenario prints one
//! loud line and returns, unless `MAGNUM_REQUIRE_TERRAFORM=1` (set by `scripts/test.sh` when
//! the CLI is there), which makes a missing CLI a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use magnum_core::types::{Cluster, ClusterTemplate, NodeGroup, ResizeRequest};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client};
use magnum_drivers::simulator::{Simulator, SimulatorConfig};
use serde_json::Value as Json;

/// A password no other string in the logs can contain by accident.
const PASSWORD: &str = "tf-Secret-7f3a9c2e51";

const HEAT_TIMEOUT: &str = "Resource CREATE failed: WaitConditionFailure: resources.kube_masters.resources[0].resources.master_wait_condition: Timed out";

const NO_VALID_HOST: &str = "Resource UPDATE failed: ResourceInError: resources.kube_minions.resources[1].resources.kube-minion: Went to status ERROR due to Message: No valid host was found. There are not enough hosts available., Code: 500";

fn find_terraform() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TERRAFORM") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        let fixed = PathBuf::from("/usr/local/bin/terraform");
        fixed.is_file().then_some(fixed)
    })
}

/// Runs terraform commands in working directories with the simulator's credentials.
struct Terraform {
    bin: PathBuf,
    cli_config: PathBuf,
    os_env: Vec<(String, String)>,
}

/// One command's exit code and its stdout + stderr.
struct Ran {
    code: i32,
    output: String,
}

impl Terraform {
    /// Runs `terraform args…` in `dir` (blocking work off the runtime the simulator serves on).
    async fn run(&self, dir: &Path, args: &[&str], extra: &[(&str, String)]) -> Ran {
        let mut command = Command::new(&self.bin);
        command.current_dir(dir).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("OS_") || key.starts_with("TF_") {
                command.env_remove(key);
            }
        }
        command
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .envs(self.os_env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (key, value) in extra {
            command.env(key, value);
        }
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("terraform task")
            .expect("terraform runs");
        Ran {
            code: output.status.code().unwrap_or(-1),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    }

    /// Runs and insists on exit code `want`.
    async fn expect(&self, dir: &Path, args: &[&str], want: i32) -> String {
        let ran = self.run(dir, args, &[]).await;
        assert_eq!(
            ran.code,
            want,
            "terraform {} in {}:\n{}",
            args.join(" "),
            dir.display(),
            ran.output
        );
        ran.output
    }

    /// `terraform show -json`'s values of one resource.
    async fn values(&self, dir: &Path, address: &str) -> Json {
        let shown = self.expect(dir, &["show", "-json", "-no-color"], 0).await;
        let state: Json = serde_json::from_str(shown.trim()).expect("show -json");
        state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["address"] == address))
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} not in state: {shown}"))
    }
}

fn write(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("main.tf"), text).expect("write main.tf");
}

const HEADER: &str = r#"terraform {
  required_providers {
    magnum = { source = "magnum-rs/magnum" }
  }
}
"#;

/// The simulator's endpoints are loopback by design: only the resource checks at plan time.
const PROVIDER: &str = r#"provider "magnum" {
  preflight = "resources"
}
"#;

fn template(name: &str, kube_tag: &str) -> String {
    template_with(name, kube_tag, "")
}

fn template_with(name: &str, kube_tag: &str, extra: &str) -> String {
    format!(
        r#"resource "magnum_cluster_template" "{name}" {{{extra}
  name                = "tf-k8s-{name}"
  coe                 = "kubernetes"
  image               = "fedora-coreos-40"
  flavor              = "m1.small"
  master_flavor       = "m1.medium"
  external_network_id = "public"
  keypair_id          = "kp"
  network_driver      = "calico"
  labels              = {{ kube_tag = "{kube_tag}" }}
}}
"#
    )
}

/// The cluster's `timeouts` block (left out of the import configuration: import cannot know
/// it, so with it the first plan after an import is a no-op in-place update, as with SDKv2
/// providers).
const TIMEOUTS: &str = "  timeouts {\n    create = \"5m\"\n  }\n";

/// The main configuration at one stage of the scenario.
struct Stage {
    template: &'static str,
    /// v1's `dns_nameserver` (an in-place template patch).
    v1_dns: Option<&'static str>,
    /// v2's `network_driver` (refused while a cluster uses v2).
    v2_network_driver: &'static str,
    workers: u32,
    nodegroup: Option<(u32, u32, u32)>,
}

impl Stage {
    fn render(&self, provider: &str) -> String {
        let dns = self
            .v1_dns
            .map(|dns| format!("\n  dns_nameserver      = \"{dns}\""))
            .unwrap_or_default();
        let mut text = format!("{HEADER}{provider}{}", template_with("v1", "v1.30.1", &dns));
        if self.template == "v2" {
            text.push_str(&template("v2", "v1.31.0").replace("calico", self.v2_network_driver));
        }
        text.push_str(&format!(
            r#"resource "magnum_cluster" "c" {{
  name                = "tf-cluster"
  cluster_template_id = magnum_cluster_template.{}.id
  master_count        = 1
  node_count          = {}
{TIMEOUTS}}}
"#,
            self.template, self.workers
        ));
        if let Some((count, min, max)) = self.nodegroup {
            text.push_str(&format!(
                r#"resource "magnum_nodegroup" "extra" {{
  cluster_id     = magnum_cluster.c.id
  name           = "extra"
  node_count     = {count}
  min_node_count = {min}
  max_node_count = {max}
}}
data "magnum_cluster" "c" {{
  id = magnum_cluster.c.id
}}
output "data_node_count" {{
  value = data.magnum_cluster.c.node_count
}}
data "magnum_cluster_template" "v1" {{
  name = magnum_cluster_template.v1.name
}}
output "data_template_id" {{
  value = data.magnum_cluster_template.v1.id
}}
"#
            ));
        }
        text
    }
}

async fn only_cluster(client: &Client) -> Cluster {
    let clusters = Api::<Cluster>::new(client.clone())
        .list_all_with(&Default::default(), true)
        .await
        .expect("list clusters");
    assert_eq!(clusters.len(), 1, "{clusters:#?}");
    clusters.into_iter().next().expect("one cluster")
}

async fn nodegroup(client: &Client, cluster: &str, name: &str) -> NodeGroup {
    Api::<NodeGroup>::in_cluster(client.clone(), cluster)
        .get(name)
        .await
        .expect("nodegroup")
}

fn assert_no_secret(log: &Path, secrets: &[&str]) {
    let text = std::fs::read_to_string(log).expect("trace log");
    assert!(
        text.len() > 10_000,
        "{} is too short for a TRACE log",
        log.display()
    );
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{} leaks a secret ({} chars)",
            log.display(),
            secret.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_drives_the_provider_against_the_simulator() {
    let Some(bin) = find_terraform() else {
        let required = std::env::var("MAGNUM_REQUIRE_TERRAFORM").is_ok_and(|v| v == "1");
        assert!(!required, "MAGNUM_REQUIRE_TERRAFORM=1 but no terraform CLI");
        eprintln!(
            "!!!!! terraform CLI not found ($TERRAFORM, PATH, /usr/local/bin): the Terraform provider scenario did NOT run !!!!!"
        );
        return;
    };
    let sim = Simulator::start(
        SimulatorConfig::new()
            .durations(
                Duration::from_secs(2),
                Duration::from_secs(1),
                Duration::from_secs(1),
            )
            .password(PASSWORD),
    )
    .await
    .expect("simulator");
    let client = Client::from_cloud(&sim.cloud_config().expect("cloud")).expect("client");
    let work = tempfile::tempdir().expect("tempdir");
    let provider_dir = Path::new(env!("CARGO_BIN_EXE_terraform-provider-magnum"))
        .parent()
        .expect("target dir")
        .to_owned();
    let cli_config = work.path().join("terraform.rc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"magnum-rs/magnum\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir.display()
        ),
    )
    .expect("cli config");
    let tf = Terraform {
        bin,
        cli_config,
        os_env: sim.env(),
    };
    let main = work.path().join("main");

    // 1. Template + 1 master / 2 workers, timed, with TRACE logging for the secrets check.
    let stage_a = Stage {
        template: "v1",
        v1_dns: None,
        v2_network_driver: "calico",
        workers: 2,
        nodegroup: None,
    };
    write(&main, &stage_a.render(PROVIDER));
    let trace_create = work.path().join("trace-create.log");
    let started = Instant::now();
    let ran = tf
        .run(
            &main,
            &["apply", "-auto-approve", "-no-color"],
            &[
                ("TF_LOG", "TRACE".to_owned()),
                ("TF_LOG_PATH", trace_create.display().to_string()),
            ],
        )
        .await;
    let apply_time = started.elapsed();
    assert_eq!(ran.code, 0, "first apply:\n{}", ran.output);
    eprintln!(
        "terraform apply of template + cluster (1 master, 2 workers) on the simulator: {:.2} s",
        apply_time.as_secs_f64()
    );
    let cluster = only_cluster(&client).await;
    assert_eq!(cluster.name.as_deref(), Some("tf-cluster"));
    assert_eq!(
        (cluster.master_count, cluster.node_count),
        (Some(1), Some(2))
    );
    let values = tf.values(&main, "magnum_cluster.c").await;
    assert_eq!(values["id"], cluster.uuid.as_str());
    assert_eq!(values["status"], "CREATE_COMPLETE");
    let kubeconfig = &values["kubeconfig"];
    assert_eq!(kubeconfig["host"], values["api_address"]);
    let raw = kubeconfig["raw_config"].as_str().expect("raw_config");
    let users = magnum_core::kubeconfig::certificate_expiry(raw).expect("a kubeconfig");
    assert_eq!(users.len(), 1, "{raw}");
    let key = kubeconfig["client_key"].as_str().expect("client_key");
    assert!(key.starts_with("-----BEGIN"), "client_key is a PEM key");
    assert!(
        kubeconfig["cluster_ca_certificate"]
            .as_str()
            .is_some_and(|ca| ca.contains("BEGIN CERTIFICATE"))
    );
    // The key's base64 body lines: none may appear in Terraform's TRACE log.
    let key_lines: Vec<&str> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 40)
        .collect();
    assert!(!key_lines.is_empty());
    let mut secrets = vec![PASSWORD];
    secrets.extend(key_lines.iter().copied());
    assert_no_secret(&trace_create, &secrets);

    // 2. A nodegroup and the cluster data source; then a second plan is clean.
    let stage_b = Stage {
        nodegroup: Some((1, 1, 3)),
        ..stage_a
    };
    write(&main, &stage_b.render(PROVIDER));
    tf.expect(&main, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    let extra = nodegroup(&client, cluster.uuid.as_str(), "extra").await;
    assert_eq!(
        (extra.node_count, extra.min_node_count, extra.max_node_count),
        (Some(1), Some(1), Some(3))
    );
    let outputs = tf.expect(&main, &["output", "-json", "-no-color"], 0).await;
    let outputs: Json = serde_json::from_str(&outputs).expect("outputs");
    assert_eq!(outputs["data_node_count"]["value"], 2);
    let v1 = tf.values(&main, "magnum_cluster_template.v1").await;
    assert_eq!(outputs["data_template_id"]["value"], v1["id"]);
    tf.expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 0)
        .await;

    // 3. Resize the cluster and the nodegroup, and move its bounds: all in place.
    let stage_c = Stage {
        workers: 3,
        nodegroup: Some((2, 2, 4)),
        ..stage_b
    };
    write(&main, &stage_c.render(PROVIDER));
    let plan = tf
        .expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 2)
        .await;
    assert!(
        plan.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{plan}"
    );
    tf.expect(&main, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    let resized = only_cluster(&client).await;
    assert_eq!(resized.uuid, cluster.uuid, "resized in place");
    // Magnum's cluster node_count sums the worker nodegroups; the argument is the default one's.
    let default_worker = nodegroup(&client, cluster.uuid.as_str(), "default-worker").await;
    assert_eq!(default_worker.node_count, Some(3));
    assert_eq!(resized.node_count, Some(3 + 2));
    let extra = nodegroup(&client, cluster.uuid.as_str(), "extra").await;
    assert_eq!(
        (extra.node_count, extra.min_node_count, extra.max_node_count),
        (Some(2), Some(2), Some(4))
    );

    // 4. Upgrade: a new template, the cluster pointed at it, in place.
    let stage_d = Stage {
        template: "v2",
        ..stage_c
    };
    write(&main, &stage_d.render(PROVIDER));
    let plan = tf
        .expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 2)
        .await;
    assert!(
        plan.contains("Plan: 1 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    tf.expect(&main, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    let upgraded = only_cluster(&client).await;
    let v2 = tf.values(&main, "magnum_cluster_template.v2").await;
    assert_eq!(upgraded.uuid, cluster.uuid, "upgraded in place");
    assert_eq!(
        upgraded.cluster_template_id.as_ref().map(|t| t.as_str()),
        v2["id"].as_str()
    );
    tf.expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 0)
        .await;

    // 4b. Templates: a change Magnum refuses on a template in use is refused at plan; an
    // unused one is patched in place.
    let in_use = Stage {
        v2_network_driver: "flannel",
        ..stage_d
    };
    write(&main, &in_use.render(PROVIDER));
    let refused = tf.expect(&main, &["plan", "-no-color"], 1).await;
    assert!(
        refused.contains("is referenced by one or multiple clusters."),
        "{refused}"
    );
    assert!(
        refused.contains("tf-cluster"),
        "names the cluster: {refused}"
    );
    let stage_e = Stage {
        v1_dns: Some("1.1.1.1"),
        ..stage_d
    };
    write(&main, &stage_e.render(PROVIDER));
    let plan = tf
        .expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 2)
        .await;
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    tf.expect(&main, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    let patched = Api::<ClusterTemplate>::new(client.clone())
        .get(v1["id"].as_str().expect("v1 id"))
        .await
        .expect("v1");
    assert_eq!(patched.dns_nameserver.as_deref(), Some("1.1.1.1"));
    tf.expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 0)
        .await;

    // 5. Drift: resized outside Terraform, then deleted outside Terraform.
    let clusters: Api<Cluster> = Api::new(client.clone());
    let waiting = WaitOptions::new(Duration::from_secs(60)).interval(Duration::from_millis(200));
    clusters
        .resize(cluster.uuid.as_str(), &ResizeRequest::new(5))
        .await
        .expect("out-of-band resize");
    wait::cluster_ready(&clusters, cluster.uuid.as_str(), &waiting)
        .await
        .expect("resized");
    let plan = tf
        .expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 2)
        .await;
    assert!(plan.contains("~ node_count"), "{plan}");
    assert!(plan.contains("5 -> 3"), "{plan}");
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    clusters
        .delete(cluster.uuid.as_str())
        .await
        .expect("out-of-band delete");
    wait::cluster_deleted(&clusters, cluster.uuid.as_str(), &waiting)
        .await
        .expect("deleted");
    let plan = tf
        .expect(&main, &["plan", "-detailed-exitcode", "-no-color"], 2)
        .await;
    assert!(plan.contains("magnum_cluster.c will be created"), "{plan}");
    assert!(
        plan.contains("magnum_nodegroup.extra will be created"),
        "{plan}"
    );
    tf.expect(&main, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    let recreated = only_cluster(&client).await;
    assert_ne!(recreated.uuid, cluster.uuid);
    let default_worker = nodegroup(&client, recreated.uuid.as_str(), "default-worker").await;
    assert_eq!(default_worker.node_count, Some(3));

    // 6. Import into an empty state (provider arguments instead of OS_*), then a clean plan.
    let imported = work.path().join("import");
    let explicit = format!(
        r#"provider "magnum" {{
  auth_url            = "{}"
  region              = "RegionOne"
  user_name           = "demo"
  password            = "{PASSWORD}"
  tenant_name         = "demo"
  user_domain_name    = "Default"
  project_domain_name = "Default"
  preflight           = "resources"
}}
"#,
        sim.auth_url()
    );
    write(&imported, &stage_e.render(&explicit).replace(TIMEOUTS, ""));
    let no_os_env = Terraform {
        bin: tf.bin.clone(),
        cli_config: tf.cli_config.clone(),
        os_env: Vec::new(),
    };
    let trace_import = work.path().join("trace-import.log");
    let trace = [
        ("TF_LOG", "TRACE".to_owned()),
        ("TF_LOG_PATH", trace_import.display().to_string()),
    ];
    for (address, id) in [
        ("magnum_cluster_template.v1", "tf-k8s-v1"),
        ("magnum_cluster_template.v2", "tf-k8s-v2"),
        ("magnum_cluster.c", "tf-cluster"),
        ("magnum_nodegroup.extra", "tf-cluster/extra"),
    ] {
        let ran = no_os_env
            .run(&imported, &["import", "-no-color", address, id], &trace)
            .await;
        assert_eq!(ran.code, 0, "import {address} {id}:\n{}", ran.output);
    }
    let ran = no_os_env
        .run(
            &imported,
            &["plan", "-detailed-exitcode", "-no-color"],
            &trace,
        )
        .await;
    assert_eq!(ran.code, 0, "plan after import:\n{}", ran.output);
    assert_no_secret(&trace_import, &[PASSWORD]);

    // 7. Refused before anything is sent: at validate (local checks), at plan (the cloud).
    let checks = work.path().join("checks");
    write(
        &checks,
        &format!(
            r#"{HEADER}{PROVIDER}resource "magnum_cluster_template" "dns" {{
  coe            = "kubernetes"
  image          = "fedora-coreos-40"
  dns_nameserver = "not-an-ip"
}}
resource "magnum_cluster" "huge" {{
  cluster_template_id = "whatever"
  node_count          = 4294967296
  master_count        = 2.5
  timeouts {{
    create = "soon"
  }}
}}
"#
        ),
    );
    let validate = tf.expect(&checks, &["validate", "-no-color"], 1).await;
    assert!(validate.contains("MAGNUM-PREFLIGHT-DNS"), "{validate}");
    assert!(
        validate.contains(r#"dns_nameserver = "not-an-ip""#),
        "points at the attribute: {validate}"
    );
    assert!(
        validate.contains("node_count = 4294967296 is out of range"),
        "{validate}"
    );
    assert!(
        validate.contains(r#""soon" is not a duration"#),
        "{validate}"
    );
    assert!(
        validate.contains("master_count = 2.5 is not a whole number"),
        "{validate}"
    );
    write(
        &checks,
        &format!(
            r#"{HEADER}{PROVIDER}resource "magnum_cluster_template" "bad" {{
  name  = "no-distro"
  coe   = "kubernetes"
  image = "no-os-distro"
}}
"#
        ),
    );
    let started = Instant::now();
    let refused = tf.expect(&checks, &["plan", "-no-color"], 1).await;
    let refused_in = started.elapsed();
    assert!(
        refused.contains("MAGNUM-CLOUD-IMAGE-OS-DISTRO"),
        "{refused}"
    );
    assert!(
        refused.contains("Error: image: Image no-os-distro doesn't contain os_distro field."),
        "{refused}"
    );
    assert!(
        refused.contains(r#"image = "no-os-distro""#),
        "points at the attribute: {refused}"
    );
    eprintln!(
        "plan refused for an image without os_distro in {:.2} s",
        refused_in.as_secs_f64()
    );
    let templates = Api::<ClusterTemplate>::new(client.clone())
        .list_all()
        .await
        .expect("templates");
    assert!(
        templates
            .iter()
            .all(|t| t.name.as_deref() != Some("no-distro")),
        "nothing was created"
    );

    // The cluster's plan-time checks run against its template (an existing one, by name).
    write(
        &checks,
        &format!(
            r#"{HEADER}{PROVIDER}resource "magnum_cluster" "nokey" {{
  cluster_template_id = "tf-k8s-v1"
  keypair             = "nope"
}}
resource "magnum_cluster" "huge" {{
  cluster_template_id = "tf-k8s-v1"
  node_count          = 1000
}}
resource "magnum_nodegroup" "odd" {{
  cluster_id = "tf-cluster"
  name       = "odd"
  flavor_id  = "no-such-flavor"
}}
"#
        ),
    );
    let refused = tf.expect(&checks, &["plan", "-no-color"], 1).await;
    assert!(refused.contains("MAGNUM-CLOUD-KEYPAIR"), "{refused}");
    assert!(
        refused.contains("Nova quota: the cluster needs 1001 instances"),
        "{refused}"
    );
    assert!(
        refused.contains("node_count          = 1000"),
        "quota findings point at node_count: {refused}"
    );
    assert!(refused.contains("MAGNUM-CLOUD-FLAVOR"), "{refused}");
    assert!(
        refused.contains(r#"flavor_id  = "no-such-flavor""#),
        "a nodegroup's own flavor is checked at plan: {refused}"
    );
    assert!(
        refused.contains(r#"keypair             = "nope""#),
        "points at the attribute: {refused}"
    );

    // A template made in the same apply is unknown at plan: the cluster's checks run at apply,
    // before the create is sent.
    let late = work.path().join("late");
    write(
        &late,
        &format!(
            r#"{HEADER}{PROVIDER}{}resource "magnum_cluster" "late" {{
  name                = "tf-late"
  cluster_template_id = magnum_cluster_template.l.id
  keypair             = "nope"
}}
"#,
            template("l", "v1.30.1")
        ),
    );
    let caught = tf
        .expect(&late, &["apply", "-auto-approve", "-no-color"], 1)
        .await;
    assert!(caught.contains("MAGNUM-CLOUD-KEYPAIR"), "{caught}");
    let clusters_now = Api::<Cluster>::new(client.clone())
        .list_all()
        .await
        .expect("clusters");
    assert!(
        clusters_now
            .iter()
            .all(|c| c.name.as_deref() != Some("tf-late")),
        "nothing was sent"
    );
    // The refused cluster now fails every plan, destroy's refresh plan included: the README's
    // way out.
    tf.expect(
        &late,
        &["destroy", "-auto-approve", "-no-color", "-refresh=false"],
        0,
    )
    .await;

    // Data sources: an unknown name, and neither id nor name.
    write(
        &checks,
        &format!(
            r#"{HEADER}{PROVIDER}data "magnum_cluster" "missing" {{
  name = "no-such-cluster"
}}
data "magnum_cluster_template" "unnamed" {{
}}
"#
        ),
    );
    let missing = tf.expect(&checks, &["plan", "-no-color"], 1).await;
    assert!(
        missing.contains(r#"no cluster "no-such-cluster""#),
        "{missing}"
    );
    assert!(missing.contains("give id or name"), "{missing}");

    // Error paths: a wrong password, a bad provider argument, Magnum refusing a create.
    let errors = work.path().join("errors");
    write(
        &errors,
        &format!(
            r#"{HEADER}provider "magnum" {{
  password = "not-the-password-91b2"
}}
resource "magnum_cluster_template" "t" {{
  coe   = "kubernetes"
  image = "fedora-coreos-40"
}}
"#
        ),
    );
    let denied = tf.expect(&errors, &["plan", "-no-color"], 1).await;
    assert!(denied.contains("cannot connect to Magnum"), "{denied}");
    assert!(denied.contains("401"), "{denied}");
    assert!(!denied.contains("not-the-password-91b2"), "{denied}");
    write(
        &errors,
        &format!(
            r#"{HEADER}provider "magnum" {{
  preflight = "sometimes"
}}
resource "magnum_cluster_template" "t" {{
  coe   = "kubernetes"
  image = "fedora-coreos-40"
}}
"#
        ),
    );
    let bad_argument = tf.expect(&errors, &["plan", "-no-color"], 1).await;
    assert!(
        bad_argument.contains(r#"preflight = "sometimes" is not full, resources or off"#),
        "{bad_argument}"
    );
    write(
        &errors,
        &format!(
            r#"{HEADER}provider "magnum" {{
  preflight = "off"
}}
resource "magnum_cluster_template" "t" {{
  coe    = "kubernetes"
  image  = "fedora-coreos-40"
  flavor = "no-such-flavor"
}}
"#
        ),
    );
    let rejected = tf
        .expect(&errors, &["apply", "-auto-approve", "-no-color"], 1)
        .await;
    assert!(
        rejected.contains("creating the cluster template"),
        "{rejected}"
    );
    assert!(
        rejected.contains("no-such-flavor"),
        "Magnum's message: {rejected}"
    );
    assert!(rejected.contains("[request req-"), "request id: {rejected}");

    // Absurd but valid: 1,000 labels and non-ASCII text survive a round trip, plan clean; label
    // values known only later do not break validate or plan.
    let big = work.path().join("big");
    let labels: String = (0..1000)
        .map(|i| format!("    label_{i:04} = \"välue-{i} ✓\"\n"))
        .collect();
    write(
        &big,
        &format!(
            r#"{HEADER}{PROVIDER}resource "magnum_cluster_template" "big" {{
  name  = "größe-テンプレート"
  coe   = "kubernetes"
  image = "fedora-coreos-40"
  labels = {{
{labels}  }}
}}
resource "magnum_cluster_template" "counted" {{
  count  = 3
  name   = "counted-${{count.index}}"
  coe    = "kubernetes"
  image  = "fedora-coreos-40"
  labels = {{ idx = "${{count.index}}", from = magnum_cluster_template.big.id }}
}}
"#
        ),
    );
    tf.expect(&big, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    let stored = tf.values(&big, "magnum_cluster_template.big").await;
    assert_eq!(stored["labels"].as_object().map(|l| l.len()), Some(1000));
    assert_eq!(stored["labels"]["label_0999"], "välue-999 ✓");
    // Label values unknown at validate (count.index) and at plan (another resource's id).
    let counted = tf.values(&big, "magnum_cluster_template.counted[2]").await;
    assert_eq!(counted["labels"]["idx"], "2");
    assert_eq!(counted["labels"]["from"], stored["id"]);
    tf.expect(&big, &["plan", "-detailed-exitcode", "-no-color"], 0)
        .await;
    tf.expect(&big, &["destroy", "-auto-approve", "-no-color"], 0)
        .await;

    // 8. A failed create explained and kept as tainted; a create timeout likewise.
    let failing = work.path().join("failing");
    write(
        &failing,
        &format!(
            r#"{HEADER}{PROVIDER}{}resource "magnum_cluster" "doomed" {{
  name                = "tf-doomed"
  cluster_template_id = magnum_cluster_template.f.id
  labels              = {{ sim_fail_create = "{HEAT_TIMEOUT}" }}
}}
resource "magnum_cluster" "slow" {{
  name                = "tf-slow"
  cluster_template_id = magnum_cluster_template.f.id
  timeouts {{
    create = "1s"
  }}
}}
"#,
            template("f", "v1.30.1")
        ),
    );
    let failed = tf
        .expect(&failing, &["apply", "-auto-approve", "-no-color"], 1)
        .await;
    assert!(failed.contains("create failed: CREATE_FAILED"), "{failed}");
    assert!(failed.contains(HEAT_TIMEOUT), "{failed}");
    assert!(
        failed.contains("Why (MAGNUM-EXPLAIN-WAIT-CONDITION"),
        "{failed}"
    );
    assert!(failed.contains("Who must act:"), "{failed}");
    assert!(failed.contains("WaitTimeout"), "{failed}");
    let state: Json = serde_json::from_str(
        &std::fs::read_to_string(failing.join("terraform.tfstate")).expect("state"),
    )
    .expect("state json");
    let tainted: Vec<&str> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["instances"][0]["status"] == "tainted")
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(tainted.len(), 2, "both clusters tainted: {state}");
    assert!(tainted.contains(&"doomed") && tainted.contains(&"slow"));
    tf.expect(&failing, &["destroy", "-auto-approve", "-no-color"], 0)
        .await;

    // A resize that fails: explained, and the cluster keeps its state (not tainted).
    let fragile = work.path().join("fragile");
    let fragile_tf = |workers: u32| {
        format!(
            r#"{HEADER}{PROVIDER}{}resource "magnum_cluster" "fragile" {{
  name                = "tf-fragile"
  cluster_template_id = magnum_cluster_template.g.id
  node_count          = {workers}
  labels              = {{ sim_fail_update = "{NO_VALID_HOST}" }}
}}
"#,
            template("g", "v1.30.1")
        )
    };
    write(&fragile, &fragile_tf(1));
    tf.expect(&fragile, &["apply", "-auto-approve", "-no-color"], 0)
        .await;
    write(&fragile, &fragile_tf(2));
    let failed = tf
        .expect(&fragile, &["apply", "-auto-approve", "-no-color"], 1)
        .await;
    assert!(failed.contains("resize failed: UPDATE_FAILED"), "{failed}");
    assert!(
        failed.contains("Why (MAGNUM-EXPLAIN-NO-VALID-HOST"),
        "{failed}"
    );
    let values = tf.values(&fragile, "magnum_cluster.fragile").await;
    assert_eq!(values["status"], "UPDATE_FAILED");
    assert!(
        values["kubeconfig"]["raw_config"].is_string(),
        "a failed resize keeps the kubeconfig: {values}"
    );
    tf.expect(&fragile, &["destroy", "-auto-approve", "-no-color"], 0)
        .await;

    // 9. Destroy leaves nothing in the simulator.
    tf.expect(&main, &["destroy", "-auto-approve", "-no-color"], 0)
        .await;
    assert_eq!(sim.cluster_count().await, 0);
    let templates = Api::<ClusterTemplate>::new(client.clone())
        .list_all()
        .await
        .expect("templates");
    assert!(templates.is_empty(), "{templates:#?}");
    sim.stop().await;
}
