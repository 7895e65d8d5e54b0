//! The simulator against hostile and careless callers: malformed, deep and huge JSON, wrong
//! types, numbers beyond Magnum's 32-bit columns, bad headers and tokens (raw control bytes
//! included, sent over a raw socket), NUL / unicode / traversal names, bad pagination, other
//! projects' clusters. Every answer must be a 4xx carrying Magnum's `errors[]` JSON (or
//! Keystone's `error` under `/identity`, or Magnum's own empty-detail 406), and the server must
//! still answer afterwards. Also the regressions of the hardening issue: a cluster larger than
//! the simulated cloud fails as Nova fails it (memory bounded), a state file is tightened to
//! 0600, a poisoned state file starts (bad rows failed or skipped, with warnings), paging by
//! name through 1,200 clusters returns each exactly once, and kill -9 of `magnum-sim` loses no
//! acknowledged create.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use magnum_drivers::simulator::{Simulator, SimulatorConfig};
use reqwest::Method;
use serde_json::{Value, json};

fn fast() -> SimulatorConfig {
    SimulatorConfig::new().durations(
        Duration::from_millis(150),
        Duration::from_millis(100),
        Duration::from_millis(100),
    )
}

/// A caller with a token (or the raw token text to send).
struct Caller {
    http: reqwest::Client,
    base: String,
    token: String,
}

async fn login(sim: &Simulator, user: &str, project: &str) -> Caller {
    Caller {
        http: reqwest::Client::new(),
        base: sim.base_url().to_owned(),
        token: common::sim_token(&sim.auth_url(), user, project).await,
    }
}

/// One hostile request: what to send.
#[derive(Clone)]
struct Hostile {
    what: String,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    with_token: bool,
}

fn req(what: impl Into<String>, method: Method, path: impl Into<String>) -> Hostile {
    Hostile {
        what: what.into(),
        method,
        path: path.into(),
        headers: vec![(
            "openstack-api-version".into(),
            "container-infra latest".into(),
        )],
        body: None,
        with_token: true,
    }
}

impl Hostile {
    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn json(self, value: &Value) -> Self {
        self.body(serde_json::to_vec(value).unwrap())
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name.into(), value.into()));
        self
    }

    fn no_token(mut self) -> Self {
        self.with_token = false;
        self
    }
}

/// Checks an error answer's shape; returns the message it carries.
fn error_shape(what: &str, path: &str, status: u16, body: &[u8]) -> Result<String, String> {
    if !(400..500).contains(&status) {
        return Err(format!("{what}: answered {status}, not a 4xx"));
    }
    let parsed: Value = serde_json::from_slice(body).map_err(|_| {
        format!(
            "{what}: {status} body is not JSON: {:?}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )
    })?;
    // keystonemiddleware's 401 (in front of Magnum too) and Keystone itself use `error`.
    if path.starts_with("/identity") || status == 401 {
        let message = parsed["error"]["message"].as_str().unwrap_or_default();
        if parsed["error"]["code"] != status || message.is_empty() {
            return Err(format!("{what}: not Keystone's error shape: {parsed}"));
        }
        return Ok(message.to_owned());
    }
    let error = &parsed["errors"][0];
    if status == 406 && error["detail"] == "" && error["status"] == 406 {
        return Ok(String::new()); // Magnum's own empty-detail 406 (malformed version header).
    }
    if status == 406 && error["code"] == "magnum.microversion-unsupported" {
        // Magnum's 406 for a version out of range: the range instead of a detail.
        return Ok(format!(
            "{} to {}",
            error["min_version"], error["max_version"]
        ));
    }
    let detail = error["detail"].as_str().unwrap_or_default();
    if error["status"] != status || detail.is_empty() || error["title"].as_str().is_none() {
        return Err(format!("{what}: not Magnum's errors[] shape: {parsed}"));
    }
    Ok(detail.to_owned())
}

async fn send(caller: &Caller, h: &Hostile) -> (u16, Vec<u8>) {
    let mut request = caller
        .http
        .request(h.method.clone(), format!("{}{}", caller.base, h.path));
    if h.with_token {
        request = request.header("x-auth-token", &caller.token);
    }
    for (name, value) in &h.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &h.body {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", h.what));
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// Sends raw bytes (what no HTTP client library lets through) and reads the whole answer.
fn send_raw(base: &str, request: &[u8]) -> (u16, Vec<u8>) {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = match answer.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => answer[at + 4..].to_vec(),
        None => Vec::new(),
    };
    (status, body)
}

/// Bodies that are not a JSON object Magnum can take.
fn malformed_bodies() -> Vec<(String, Vec<u8>)> {
    let mut bodies: Vec<(String, Vec<u8>)> = [
        ("empty", ""),
        ("open brace", "{"),
        ("open bracket", "["),
        ("null", "null"),
        ("number", "1"),
        ("string", "\"x\""),
        ("list", "[]"),
        ("list of objects", "[{}]"),
        ("truncated", "{\"name\":"),
        ("two objects", "{}{}"),
        ("NaN literal", "{\"node_count\": NaN}"),
        ("Infinity literal", "{\"node_count\": Infinity}"),
        ("single quotes", "{'name': 'x'}"),
        ("trailing comma", "{\"name\": \"x\",}"),
        ("comment", "{/* c */}"),
        ("raw NUL in string", "{\"name\": \"a\u{0}b\"}"),
        ("BOM", "\u{feff}{}"),
    ]
    .into_iter()
    .map(|(what, body)| (what.to_owned(), body.as_bytes().to_vec()))
    .collect();
    bodies.push(("invalid UTF-8".into(), b"{\"name\": \"\xff\xfe\"}".to_vec()));
    // Under the 112 KiB body limit, so the nesting itself is what is refused.
    bodies.push((
        "50,000-deep nesting".into(),
        format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
    ));
    // Bodies over the 112 KiB limit are sent raw (below): a server refusing one closes the
    // connection before reading it, which an HTTP client library reports as a send error.
    bodies
}

/// Values of the wrong type or out of range for an integer field.
fn bad_integers() -> Vec<Value> {
    vec![
        json!("abc"),
        json!([]),
        json!({}),
        json!(true),
        json!(1.5),
        json!(-1),
        json!(2_147_483_648u64),
        json!(4_294_967_295u64),
        json!(4_294_967_296u64),
        json!(u64::MAX),
        json!(-9_223_372_036_854_775_808i64),
        json!(1e300),
        json!("1e3"),
        json!("0x10"),
    ]
}

async fn seed(sim: &Simulator, demo: &Caller) -> String {
    let (status, body) = send(
        demo,
        &req("template", Method::POST, "/v1/clustertemplates").json(&json!({
            "name": "k8s", "image_id": "fedora-coreos-40", "coe": "kubernetes",
            "external_network_id": "public", "flavor_id": "m1.small"})),
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let (status, body) = send(
        demo,
        &req("cluster", Method::POST, "/v1/clusters")
            .json(&json!({"cluster_template_id": "k8s", "name": "mine", "node_count": 1})),
    )
    .await;
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
    let uuid = serde_json::from_slice::<Value>(&body).unwrap()["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_status(demo, &format!("/v1/clusters/{uuid}"), "CREATE_COMPLETE").await;
    let _ = sim;
    uuid
}

async fn wait_status(caller: &Caller, path: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = send(caller, &req("poll", Method::GET, path)).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        let value: Value = serde_json::from_slice(&body).unwrap();
        if value["status"] == want {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never reached {want}: {value}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_magnums_errors_and_the_server_keeps_answering() {
    let sim = Simulator::start(fast()).await.unwrap();
    let demo = login(&sim, "demo", "demo").await;
    let admin = login(&sim, "admin", "admin").await;
    let viewer = login(&sim, "viewer", "demo").await;
    let uuid = seed(&sim, &demo).await;
    let mut cases: Vec<Hostile> = Vec::new();

    // 1. Malformed bodies on every endpoint that takes one.
    let writes = [
        (Method::POST, "/v1/clustertemplates".to_owned()),
        (Method::POST, "/v1/clusters".to_owned()),
        (Method::PATCH, format!("/v1/clusters/{uuid}")),
        (Method::PATCH, "/v1/clustertemplates/k8s".to_owned()),
        (Method::POST, format!("/v1/clusters/{uuid}/actions/resize")),
        (Method::POST, format!("/v1/clusters/{uuid}/nodegroups")),
        (Method::POST, "/v1/certificates".to_owned()),
        (Method::POST, "/identity/v3/auth/tokens".to_owned()),
    ];
    for (method, path) in &writes {
        for (what, body) in malformed_bodies() {
            if *method == Method::PATCH && what == "list" {
                continue; // an empty JSON patch is valid: it changes nothing
            }
            let mut case = req(format!("{method} {path}: {what}"), method.clone(), path).body(body);
            if path.starts_with("/identity") {
                case = case.no_token();
            }
            cases.push(case);
        }
    }
    // 2. Wrong types and out-of-range numbers, field by field.
    for field in [
        "node_count",
        "master_count",
        "create_timeout",
        "docker_volume_size",
    ] {
        for value in bad_integers() {
            let body = json!({"cluster_template_id": "k8s", "name": "bad", field: value});
            cases.push(
                req(
                    format!("create {field}={value}"),
                    Method::POST,
                    "/v1/clusters",
                )
                .json(&body),
            );
        }
    }
    for value in bad_integers() {
        cases.push(
            req(
                format!("resize node_count={value}"),
                Method::POST,
                format!("/v1/clusters/{uuid}/actions/resize"),
            )
            .json(&json!({"node_count": value})),
        );
        cases.push(
            req(
                format!("PATCH node_count={value}"),
                Method::PATCH,
                format!("/v1/clusters/{uuid}"),
            )
            .json(&json!([{"op": "replace", "path": "/node_count", "value": value}])),
        );
        cases.push(
            req(
                format!("nodegroup max_node_count={value}"),
                Method::POST,
                format!("/v1/clusters/{uuid}/nodegroups"),
            )
            .json(&json!({"name": "ng", "node_count": 1, "max_node_count": value})),
        );
    }
    for (what, name) in [
        ("number", json!(123)),
        ("empty", json!("")),
        ("leading digit", json!("1abc")),
        ("243 characters", json!("a".repeat(243))),
        ("NUL", json!("a\u{0}b")),
        ("traversal", json!("../../etc/passwd")),
        ("unicode", json!("ñame-😀")),
        ("list", json!(["a"])),
    ] {
        cases.push(
            req(format!("cluster name {what}"), Method::POST, "/v1/clusters")
                .json(&json!({"cluster_template_id": "k8s", "name": name})),
        );
    }
    for (what, labels) in [
        ("string", json!("a=b")),
        ("list", json!(["a"])),
        ("nested object", json!({"k": {"x": 1}})),
        ("nested list", json!({"k": [1]})),
    ] {
        cases.push(
            req(format!("labels {what}"), Method::POST, "/v1/clusters")
                .json(&json!({"cluster_template_id": "k8s", "name": "x", "labels": labels})),
        );
    }
    for (what, body) in [
        (
            "unknown attribute",
            json!({"cluster_template_id": "k8s", "colour": "red"}),
        ),
        (
            "read-only uuid",
            json!({"cluster_template_id": "k8s", "uuid": "not-a-uuid"}),
        ),
        (
            "read-only project_id",
            json!({"cluster_template_id": "k8s", "project_id": "other"}),
        ),
        ("no template", json!({"name": "x"})),
        (
            "template is a list",
            json!({"cluster_template_id": ["k8s"]}),
        ),
        (
            "unknown template",
            json!({"cluster_template_id": "no-such-template"}),
        ),
    ] {
        cases.push(req(format!("create: {what}"), Method::POST, "/v1/clusters").json(&body));
    }
    for (what, patch) in [
        ("not a list", json!({"op": "replace"})),
        (
            "unknown op",
            json!([{"op": "frobnicate", "path": "/node_count", "value": 1}]),
        ),
        ("no path", json!([{"op": "replace", "value": 1}])),
        (
            "internal attribute",
            json!([{"op": "replace", "path": "/status", "value": "x"}]),
        ),
        (
            "uuid",
            json!([{"op": "replace", "path": "/uuid", "value": "x"}]),
        ),
        (
            "path traversal",
            json!([{"op": "replace", "path": "/../node_count", "value": 1}]),
        ),
        ("remove name", json!([{"op": "remove", "path": "/name"}])),
    ] {
        cases.push(
            req(
                format!("PATCH cluster: {what}"),
                Method::PATCH,
                format!("/v1/clusters/{uuid}"),
            )
            .json(&patch),
        );
    }
    // 3. Headers and tokens.
    for version in [
        "",
        "container-infra",
        "container-infra 1",
        "container-infra 1.99",
        "container-infra 0.9",
        "container-infra x.y",
        "compute 1.1",
        "container-infra 1.1.1",
        "container-infra -1.1",
        "container-infra 1.4294967297",
    ] {
        cases.push(
            req(format!("version {version:?}"), Method::GET, "/v1/clusters")
                .header("openstack-api-version", version),
        );
    }
    cases.push(
        req("8 KB version header", Method::GET, "/v1/clusters")
            .header("openstack-api-version", "x".repeat(8 * 1024)),
    );
    for (what, token) in [
        ("garbage token", "garbage".to_owned()),
        ("empty token", String::new()),
        ("4 KB token", "t".repeat(4096)),
        ("another user's token, mangled", format!("{}x", demo.token)),
    ] {
        cases.push(
            req(what, Method::GET, "/v1/clusters")
                .no_token()
                .header("x-auth-token", token),
        );
    }
    cases.push(req("no token", Method::GET, "/v1/clusters").no_token());
    cases.push(
        req(
            "no token on Nova",
            Method::GET,
            "/compute/v2.1/flavors/detail",
        )
        .no_token(),
    );
    // 4. Names in paths.
    for ident in [
        "%ff",
        "%00",
        "a%00b",
        "..%2F..%2Fetc%2Fpasswd",
        "%2E%2E%2F",
        "%E2%80%AE",
        "%F0%9F%98%80",
        "nope",
    ] {
        cases.push(req(
            format!("cluster {ident}"),
            Method::GET,
            format!("/v1/clusters/{ident}"),
        ));
        cases.push(req(
            format!("template {ident}"),
            Method::GET,
            format!("/v1/clustertemplates/{ident}"),
        ));
        cases.push(req(
            format!("delete cluster {ident}"),
            Method::DELETE,
            format!("/v1/clusters/{ident}"),
        ));
    }
    cases.push(req(
        "10,000-character ident",
        Method::GET,
        format!("/v1/clusters/{}", "a".repeat(10_000)),
    ));
    cases.push(req("unknown collection", Method::GET, "/v1/nonsense"));
    cases.push(req("PUT on a collection", Method::PUT, "/v1/clusters"));
    cases.push(req(
        "DELETE on a collection",
        Method::DELETE,
        "/v1/clustertemplates",
    ));
    // 5. Pagination.
    for query in [
        "limit=-1",
        "limit=0",
        "limit=abc",
        "limit=1e10",
        "limit=%ff",
        "sort_dir=sideways",
        "sort_key=no_such_field",
        "marker=no-such-marker",
        "marker=%ff",
        "limit=1&limit=2",
    ] {
        cases.push(req(
            format!("clusters?{query}"),
            Method::GET,
            format!("/v1/clusters?{query}"),
        ));
        cases.push(req(
            format!("clustertemplates?{query}"),
            Method::GET,
            format!("/v1/clustertemplates?{query}"),
        ));
    }

    let mut failures = Vec::new();
    let mut count = 0;
    for case in &cases {
        let (status, body) = send(&demo, case).await;
        count += 1;
        if let Err(e) = error_shape(&case.what, &case.path, status, &body) {
            failures.push(e);
        }
    }
    // 6. Another project's and a reader's reach.
    let others: Vec<(&Caller, Hostile, u16)> = vec![
        (
            &admin,
            req(
                "admin project: get",
                Method::GET,
                format!("/v1/clusters/{uuid}"),
            ),
            404,
        ),
        (
            &admin,
            req(
                "admin project: delete",
                Method::DELETE,
                format!("/v1/clusters/{uuid}"),
            ),
            404,
        ),
        (
            &admin,
            req(
                "admin project: resize",
                Method::POST,
                format!("/v1/clusters/{uuid}/actions/resize"),
            )
            .json(&json!({"node_count": 2})),
            404,
        ),
        (
            &admin,
            req(
                "admin project: template",
                Method::GET,
                "/v1/clustertemplates/k8s",
            ),
            404,
        ),
        (
            &admin,
            req(
                "admin project: CA",
                Method::GET,
                format!("/v1/certificates/{uuid}"),
            ),
            404,
        ),
        (
            &viewer,
            req("reader: create", Method::POST, "/v1/clusters")
                .json(&json!({"cluster_template_id": "k8s", "name": "r"})),
            403,
        ),
        (
            &viewer,
            req(
                "reader: delete",
                Method::DELETE,
                format!("/v1/clusters/{uuid}"),
            ),
            403,
        ),
        (&demo, req("member: quotas", Method::GET, "/v1/quotas"), 403),
    ];
    for (caller, case, want) in &others {
        let (status, body) = send(caller, case).await;
        count += 1;
        match error_shape(&case.what, &case.path, status, &body) {
            Ok(_) if status == *want => {}
            Ok(detail) => failures.push(format!("{}: {status} (want {want}): {detail}", case.what)),
            Err(e) => failures.push(e),
        }
    }
    // 7. Raw bytes no client library sends: control characters in headers, broken framing.
    let token = &demo.token;
    let raw: Vec<(&str, Vec<u8>)> = vec![
        (
            "\\x01 in OpenStack-API-Version",
            format!("GET /v1/clusters HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\nOpenStack-API-Version: container-infra \x01 1.2\r\nConnection: close\r\n\r\n").into_bytes(),
        ),
        (
            "DEL in OpenStack-API-Version",
            format!("GET /v1/clusters HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\nOpenStack-API-Version: container-infra 1.2\x7f\r\nConnection: close\r\n\r\n").into_bytes(),
        ),
        (
            "NUL in the token",
            format!("GET /v1/clusters HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\x00\r\nConnection: close\r\n\r\n").into_bytes(),
        ),
        (
            "obs-text in OpenStack-API-Version",
            [format!("GET /v1/clusters HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\nOpenStack-API-Version: container-infra ").into_bytes(), b"\xff1.2\r\nConnection: close\r\n\r\n".to_vec()].concat(),
        ),
        (
            "a 10 MB body",
            format!("POST /v1/clusters HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\nConnection: close\r\n\r\n{{\"name\": \"aaaa").into_bytes(),
        ),
        (
            "control bytes in a JSON body",
            format!("POST /v1/clusters HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: 6\r\nConnection: close\r\n\r\n{{\x00\x01}}\x02 ").into_bytes(),
        ),
    ];
    for (what, bytes) in &raw {
        let (status, body) = send_raw(&demo.base, bytes);
        count += 1;
        if let Err(e) = error_shape(what, "/v1/clusters", status, &body) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} hostile requests were not answered with Magnum's errors:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count >= 150, "only {count} hostile requests");
    // Still serving, and nothing the hostile requests sent changed the seeded cluster.
    let after = wait_status(&demo, &format!("/v1/clusters/{uuid}"), "CREATE_COMPLETE").await;
    assert_eq!(after["node_count"], 1);
    assert_eq!(
        sim.cluster_count().await,
        1,
        "no hostile create got through"
    );
    println!("hostile requests: {count}, all answered with Magnum's errors");
    sim.stop().await;
}

#[tokio::test]
async fn numbers_beyond_magnums_columns_are_refused_and_clusters_beyond_the_cloud_fail_like_nova() {
    let sim = Simulator::start(fast().max_nodes(50)).await.unwrap();
    let demo = login(&sim, "demo", "demo").await;
    let uuid = seed(&sim, &demo).await;
    // 2^31 and 2^32 - 1 (once clamped to u32 and accepted) are a 400 with Magnum's wording.
    for n in [2_147_483_648u64, 4_294_967_295] {
        let (status, body) = send(
            &demo,
            &req("create", Method::POST, "/v1/clusters")
                .json(&json!({"cluster_template_id": "k8s", "node_count": n})),
        )
        .await;
        let detail = error_shape("create", "/v1/clusters", status, &body).unwrap();
        assert_eq!(status, 400);
        assert_eq!(
            detail,
            format!(
                "Invalid input for field/attribute node_count. Value: '{n}'. Value should be lower or equal to 2147483647"
            )
        );
        let (status, _) = send(
            &demo,
            &req(
                "resize",
                Method::POST,
                format!("/v1/clusters/{uuid}/actions/resize"),
            )
            .json(&json!({"node_count": n})),
        )
        .await;
        assert_eq!(status, 400);
    }
    // 20,000,000 nodes fit Magnum's columns but not the simulated cloud: CREATE_FAILED with
    // Nova's message, no addresses handed out, and a GET stays cheap.
    let (status, body) = send(
        &demo,
        &req("huge", Method::POST, "/v1/clusters")
            .json(&json!({"cluster_template_id": "k8s", "name": "huge", "node_count": 20_000_000})),
    )
    .await;
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
    let failed = wait_status(&demo, "/v1/clusters/huge", "CREATE_FAILED").await;
    let reason = failed["status_reason"].as_str().unwrap();
    assert!(reason.contains("No valid host was found"), "{reason}");
    assert!(reason.contains("holds 50 servers"), "{reason}");
    assert_eq!(failed["node_addresses"], json!([]));
    let started = Instant::now();
    let (status, body) = send(&demo, &req("get", Method::GET, "/v1/clusters/huge")).await;
    assert_eq!(status, 200);
    assert!(
        body.len() < 16 * 1024,
        "a failed cluster's JSON stays small"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A resize past what is left fails as an update, and the nodes the cluster had stay.
    let (status, _) = send(
        &demo,
        &req(
            "resize",
            Method::POST,
            format!("/v1/clusters/{uuid}/actions/resize"),
        )
        .json(&json!({"node_count": 60})),
    )
    .await;
    assert_eq!(status, 202);
    let after = wait_status(&demo, &format!("/v1/clusters/{uuid}"), "UPDATE_FAILED").await;
    assert!(
        after["status_reason"]
            .as_str()
            .unwrap()
            .contains("No valid host was found")
    );
    assert_eq!(after["node_addresses"].as_array().unwrap().len(), 1);
    // Within capacity a resize still works.
    let (status, _) = send(
        &demo,
        &req(
            "resize",
            Method::POST,
            format!("/v1/clusters/{uuid}/actions/resize"),
        )
        .json(&json!({"node_count": 3})),
    )
    .await;
    assert_eq!(status, 202);
    let after = wait_status(&demo, &format!("/v1/clusters/{uuid}"), "UPDATE_COMPLETE").await;
    assert_eq!(after["node_addresses"].as_array().unwrap().len(), 3);
    assert!(
        after["updated_at"]
            .as_str()
            .is_some_and(|t| t > after["created_at"].as_str().unwrap()),
        "a resize moves updated_at: {after}"
    );
    sim.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_world_readable_state_file_is_tightened_to_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.db");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let sim = Simulator::start(fast().state_file(&path)).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "it holds CA keys and their passphrases");
    sim.stop().await;
}

/// Edits the stored JSON of every cluster row of a state file.
fn edit_clusters(path: &std::path::Path, edit: impl Fn(&mut Value)) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT id, body FROM clusters")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, body) in rows {
        let mut value: Value = serde_json::from_str(&body).unwrap();
        edit(&mut value);
        conn.execute(
            "UPDATE clusters SET body = ?1 WHERE id = ?2",
            rusqlite::params![value.to_string(), id],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn a_poisoned_state_file_never_crash_loops_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.db");
    let sim = Simulator::start(fast().state_file(&path)).await.unwrap();
    let demo = login(&sim, "demo", "demo").await;
    let good = seed(&sim, &demo).await;
    let (status, _) = send(
        &demo,
        &req("second", Method::POST, "/v1/clusters")
            .json(&json!({"cluster_template_id": "k8s", "name": "poisoned"})),
    )
    .await;
    assert_eq!(status, 202);
    wait_status(&demo, "/v1/clusters/poisoned", "CREATE_COMPLETE").await;
    sim.stop().await;

    // What the old clamping let in: 2^32 - 1 nodes, in progress, so a restart resumes it.
    edit_clusters(&path, |cluster| {
        if cluster["record"]["name"] == "poisoned" {
            cluster["record"]["status"] = json!("CREATE_IN_PROGRESS");
            for ng in cluster["record"]["nodegroups"].as_array_mut().unwrap() {
                ng["node_count"] = json!(4_294_967_295u64);
            }
        }
    });
    // And a row that does not decode at all.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO clusters (id, uuid, body) VALUES (999999, 'garbage', '{not json')",
        [],
    )
    .unwrap();
    drop(conn);

    for restart in 0..2 {
        let sim = Simulator::start(fast().state_file(&path)).await.unwrap();
        let demo = login(&sim, "demo", "demo").await;
        let kept = wait_status(&demo, &format!("/v1/clusters/{good}"), "CREATE_COMPLETE").await;
        assert_eq!(kept["name"], "mine", "restart {restart}");
        let poisoned = wait_status(&demo, "/v1/clusters/poisoned", "CREATE_FAILED").await;
        assert!(
            poisoned["status_reason"]
                .as_str()
                .unwrap()
                .contains("32-bit"),
            "{poisoned}"
        );
        assert_eq!(poisoned["node_addresses"], json!([]));
        assert_eq!(
            sim.cluster_count().await,
            2,
            "the undecodable row is skipped"
        );
        sim.stop().await;
    }
    // The undecodable row is left in the file, untouched (nothing is lost).
    let conn = rusqlite::Connection::open(&path).unwrap();
    let garbage: String = conn
        .query_row("SELECT body FROM clusters WHERE id = 999999", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(garbage, "{not json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_by_name_through_1200_clusters_returns_each_once_in_order() {
    let sim = Simulator::start(fast().max_clusters_per_project(5_000))
        .await
        .unwrap();
    let demo = login(&sim, "demo", "demo").await;
    seed(&sim, &demo).await;
    let mut names = HashSet::new();
    for i in 0..1_200 {
        // Names whose order differs from creation order.
        let name = format!("c{:04}", (i * 7919) % 1_200);
        let (status, _) = send(
            &demo,
            &req("create", Method::POST, "/v1/clusters")
                .json(&json!({"cluster_template_id": "k8s", "name": name})),
        )
        .await;
        assert_eq!(status, 202);
        names.insert(name);
    }
    names.insert("mine".into());
    for dir in ["asc", "desc"] {
        let mut seen = Vec::new();
        let mut path = format!("/v1/clusters?sort_key=name&sort_dir={dir}&limit=10");
        loop {
            let (status, body) = send(&demo, &req("page", Method::GET, &path)).await;
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
            let page: Value = serde_json::from_slice(&body).unwrap();
            for c in page["clusters"].as_array().unwrap() {
                seen.push(c["name"].as_str().unwrap().to_owned());
            }
            match page["next"].as_str() {
                Some(next) => path = next.trim_start_matches(&demo.base).to_owned(),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        if dir == "desc" {
            sorted.reverse();
        }
        assert_eq!(seen, sorted, "{dir}: in order");
        assert_eq!(seen.len(), names.len(), "{dir}: each exactly once");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), names.len());
    }
    sim.stop().await;
}

/// Reads `export NAME=value` lines until the last one the simulator prints.
fn read_exports(child: &mut std::process::Child) -> Vec<(String, String)> {
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let mut exports = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some((name, value)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            exports.push((name.to_owned(), value.trim_matches('\'').to_owned()));
            if name == "OS_PROJECT_DOMAIN_NAME" {
                break;
            }
        }
    }
    exports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.db");
    let start = || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_magnum-sim"))
            .args(["--state", path.to_str().unwrap(), "--max-clusters", "10000"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let exports = read_exports(&mut child);
        let auth = exports
            .iter()
            .find(|(n, _)| n == "OS_AUTH_URL")
            .unwrap()
            .1
            .clone();
        (child, auth)
    };
    let (mut child, auth) = start();
    let base = auth.trim_end_matches("/identity/v3").to_owned();
    let token_for = |auth: String| async move { common::sim_token(&auth, "demo", "demo").await };
    let demo = Caller {
        http: reqwest::Client::new(),
        base: base.clone(),
        token: token_for(auth.clone()).await,
    };
    let (status, _) = send(
        &demo,
        &req("template", Method::POST, "/v1/clustertemplates").json(&json!({
            "name": "k8s", "image_id": "fedora-coreos-40", "coe": "kubernetes",
            "external_network_id": "public"})),
    )
    .await;
    assert_eq!(status, 201);
    // Creates from 4 concurrent callers; kill -9 lands while they are still coming.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let demo = Caller {
            http: reqwest::Client::new(),
            base: base.clone(),
            token: demo.token.clone(),
        };
        let acknowledged = acknowledged.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let name = format!("k{worker}-{i}");
                let h = req("create", Method::POST, "/v1/clusters")
                    .json(&json!({"cluster_template_id": "k8s", "name": name}));
                let mut request = demo
                    .http
                    .request(h.method.clone(), format!("{}{}", demo.base, h.path))
                    .header("x-auth-token", &demo.token)
                    .header("content-type", "application/json")
                    .body(h.body.clone().unwrap());
                for (n, v) in &h.headers {
                    request = request.header(n.as_str(), v.as_str());
                }
                match request.send().await {
                    Ok(r) if r.status() == 202 => acknowledged.lock().unwrap().push(name),
                    Ok(r) => panic!("create answered {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 150 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // SIGKILL: the process gets no chance to flush anything.
    let killed = std::process::Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 150, "{}", acknowledged.len());

    let (mut child, auth) = start();
    let demo = Caller {
        http: reqwest::Client::new(),
        base: auth.trim_end_matches("/identity/v3").to_owned(),
        token: token_for(auth).await,
    };
    let mut listed = HashSet::new();
    let mut path = "/v1/clusters?limit=1000".to_owned();
    loop {
        let (status, body) = send(&demo, &req("list", Method::GET, &path)).await;
        assert_eq!(status, 200);
        let page: Value = serde_json::from_slice(&body).unwrap();
        for c in page["clusters"].as_array().unwrap() {
            listed.insert(c["name"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => path = next.trim_start_matches(&demo.base).to_owned(),
            None => break,
        }
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|n| !listed.contains(*n))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged creates lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Magnum's WSME signature checks a PATCH body before the controller looks the resource up:
/// an invalid patch on an unknown id is a 400 naming the patch, not a 404 (issue 15).
#[tokio::test]
async fn an_invalid_patch_is_refused_before_the_id_is_looked_up() {
    let sim = Simulator::start(SimulatorConfig::new()).await.unwrap();
    let demo = login(&sim, "demo", "demo").await;
    let unknown = "00000000-0000-4000-8000-000000000000";
    let bad_bodies: [(&str, Value, &str); 4] = [
        (
            "not a list",
            json!({"op": "replace"}),
            "Invalid input for field/attribute patch",
        ),
        (
            "unknown op",
            json!([{"op": "move", "path": "/name", "value": "x"}]),
            "Value should be one of: add, replace, remove",
        ),
        (
            "bad path",
            json!([{"op": "replace", "path": "name", "value": "x"}]),
            "Invalid patch path",
        ),
        (
            "internal attribute",
            json!([{"op": "replace", "path": "/uuid", "value": "x"}]),
            "is an internal attribute",
        ),
    ];
    for collection in [
        format!("/v1/clustertemplates/{unknown}"),
        format!("/v1/clusters/{unknown}"),
        format!("/v1/clusters/{unknown}/nodegroups/{unknown}"),
    ] {
        for (what, body, message) in &bad_bodies {
            let h = req(
                format!("{what} on {collection}"),
                Method::PATCH,
                collection.clone(),
            )
            .json(body);
            let (status, answer) = send(&demo, &h).await;
            assert_eq!(
                status,
                400,
                "{}: {}",
                h.what,
                String::from_utf8_lossy(&answer)
            );
            let detail = error_shape(&h.what, &collection, status, &answer).unwrap();
            assert!(detail.contains(message), "{}: {detail}", h.what);
        }
        // A valid patch on the unknown id is still Magnum's 404.
        let valid = req("valid patch", Method::PATCH, collection.clone())
            .json(&json!([{"op": "replace", "path": "/node_count", "value": 2}]));
        assert_eq!(send(&demo, &valid).await.0, 404, "{collection}");
    }
    // Removing a mandatory attribute is refused before the lookup too.
    let h = req(
        "remove image",
        Method::PATCH,
        format!("/v1/clustertemplates/{unknown}"),
    )
    .json(&json!([{"op": "remove", "path": "/image_id"}]));
    let (status, answer) = send(&demo, &h).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&answer).contains("mandatory attribute"));
    sim.stop().await;
}
