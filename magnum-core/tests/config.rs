//! Cloud configuration: file search order, clouds/secure/clouds-public merging, `OS_*`
//! variables, precedence (explicit > env > file), every auth method and scope, clear errors
//! that list what was tried, and secrets that never show in Debug or error text.
//! Pure: runs without the `client` feature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::TestDir;
use magnum_core::config::{
    AppCredentialRef, AuthMethod, DomainRef, Interface, Overrides, ProjectRef, Scope, Sources,
    UserRef, load,
};
use secrecy::ExposeSecret;

const SECRET: &str = "pl4nted-s3cret-value";

/// A fresh directory under the system temp dir, removed when the test ends.
fn tempdir(tag: &str) -> TestDir {
    TestDir::new(&format!("config-{tag}"))
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const CLOUDS: &str = r#"
clouds:
  prod:
    profile: acme
    auth:
      username: alice
      project_name: k8s
      user_domain_name: Default
      project_domain_name: Default
    interface: internal
  other:
    auth:
      auth_url: https://other.example.com:5000
      application_credential_id: ac-123
      application_credential_secret: from-file
"#;

const SECURE: &str = r#"
clouds:
  prod:
    auth:
      password: pl4nted-s3cret-value
"#;

const PUBLIC: &str = r#"
public-clouds:
  acme:
    auth:
      auth_url: https://keystone.acme.example/v3
    regions:
      - name: RegionOne
"#;

#[test]
fn clouds_secure_and_public_profiles_merge() {
    let dir = tempdir("merge");
    write(&dir, "clouds.yaml", CLOUDS);
    write(&dir, "secure.yaml", SECURE);
    write(&dir, "clouds-public.yaml", PUBLIC);
    let sources = Sources::new(env(&[("OS_CLOUD", "prod")]), vec![dir.to_path_buf()]);
    let cloud = load(&sources, &Overrides::new()).unwrap();
    assert_eq!(cloud.name.as_deref(), Some("prod"));
    assert_eq!(cloud.auth_url.as_str(), "https://keystone.acme.example/v3");
    assert_eq!(
        cloud.region.as_deref(),
        Some("RegionOne"),
        "single region from the profile"
    );
    assert_eq!(cloud.interface, Interface::Internal);
    match &cloud.auth {
        AuthMethod::Password { user, password } => {
            assert_eq!(
                user,
                &UserRef::Name {
                    name: "alice".into(),
                    domain: DomainRef::Name("Default".into())
                }
            );
            assert_eq!(
                password.expose_secret(),
                SECRET,
                "password from secure.yaml"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        cloud.scope,
        Scope::Project(ProjectRef::Name {
            name: "k8s".into(),
            domain: DomainRef::Name("Default".into())
        })
    );
    assert!(cloud.sources.iter().any(|s| s.contains("secure file")));
    assert!(!format!("{cloud:?}").contains(SECRET), "Debug must redact");
}

#[test]
fn precedence_is_explicit_then_env_then_file() {
    let dir = tempdir("precedence");
    write(&dir, "clouds.yaml", CLOUDS);
    write(&dir, "secure.yaml", SECURE);
    write(&dir, "clouds-public.yaml", PUBLIC);
    let sources = Sources::new(
        env(&[
            ("OS_CLOUD", "prod"),
            ("OS_REGION_NAME", "RegionEnv"),
            ("OS_INTERFACE", "admin"),
        ]),
        vec![dir.to_path_buf()],
    );
    let from_env = load(&sources, &Overrides::new()).unwrap();
    assert_eq!(from_env.region.as_deref(), Some("RegionEnv"));
    assert_eq!(from_env.interface, Interface::Admin);
    let explicit = load(&sources, &Overrides::new().set("region_name", "RegionArg")).unwrap();
    assert_eq!(explicit.region.as_deref(), Some("RegionArg"));
    let other = load(&sources, &Overrides::new().cloud("other")).unwrap();
    assert_eq!(
        other.name.as_deref(),
        Some("other"),
        "explicit cloud beats OS_CLOUD"
    );
}

#[test]
fn search_order_is_config_file_then_cwd_then_user_then_system() {
    let (cwd, user, system) = (tempdir("cwd"), tempdir("user"), tempdir("sys"));
    let cloud =
        |url: &str| format!("clouds:\n  c:\n    auth:\n      auth_url: {url}\n      token: t\n");
    write(&user, "clouds.yaml", &cloud("https://user.example/v3"));
    write(&system, "clouds.yml", &cloud("https://system.example/v3"));
    let dirs = vec![cwd.to_path_buf(), user.to_path_buf(), system.to_path_buf()];
    let pick = |env_pairs: &[(&str, &str)]| {
        load(
            &Sources::new(env(env_pairs), dirs.clone()),
            &Overrides::new().cloud("c"),
        )
        .unwrap()
        .auth_url
        .host_str()
        .unwrap()
        .to_owned()
    };
    assert_eq!(pick(&[]), "user.example");
    write(
        &cwd,
        "clouds.json",
        r#"{"clouds": {"c": {"auth": {"auth_url": "https://cwd.example/v3", "token": "t"}}}}"#,
    );
    assert_eq!(
        pick(&[]),
        "cwd.example",
        "./clouds.json wins over the user dir"
    );
    let explicit = tempdir("explicit");
    write(
        &explicit,
        "mine.yaml",
        &cloud("https://explicit.example/v3"),
    );
    let file = explicit.join("mine.yaml");
    assert_eq!(
        pick(&[("OS_CLIENT_CONFIG_FILE", file.to_str().unwrap())]),
        "explicit.example"
    );
    let sources = Sources::standard(
        env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]),
        Some("/w".into()),
    );
    assert_eq!(
        sources.search_dirs,
        vec![
            PathBuf::from("/w"),
            PathBuf::from("/x/openstack"),
            PathBuf::from("/etc/openstack")
        ]
    );
    let home = Sources::standard(env(&[("HOME", "/h")]), None);
    assert_eq!(home.search_dirs[0], PathBuf::from("/h/.config/openstack"));
}

#[test]
fn plain_os_variables_form_a_cloud() {
    let sources = Sources::new(
        env(&[
            ("OS_AUTH_URL", "http://127.0.0.1:5000"),
            ("OS_USERNAME", "admin"),
            ("OS_PASSWORD", SECRET),
            ("OS_PROJECT_NAME", "admin"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_ENDPOINT_TYPE", "internalURL"),
            ("OS_CONTAINER_INFRA_API_VERSION", "1.10"),
        ]),
        vec![],
    );
    let cloud = load(&sources, &Overrides::new()).unwrap();
    assert_eq!(cloud.name, None);
    assert_eq!(
        cloud.auth_url.as_str(),
        "http://127.0.0.1:5000/v3",
        "/v3 appended"
    );
    assert_eq!(cloud.interface, Interface::Internal);
    assert_eq!(cloud.container_infra_api_version.as_deref(), Some("1.10"));
}

#[test]
fn every_auth_method_and_scope_resolves() {
    let base = [("OS_AUTH_URL", "https://ks.example/v3")];
    let resolve = |extra: &[(&str, &str)]| {
        let mut pairs = base.to_vec();
        pairs.extend_from_slice(extra);
        load(&Sources::new(env(&pairs), vec![]), &Overrides::new())
    };
    let token = resolve(&[("OS_TOKEN", SECRET), ("OS_PROJECT_ID", "p1")]).unwrap();
    assert!(matches!(token.auth, AuthMethod::Token { .. }));
    assert_eq!(token.scope, Scope::Project(ProjectRef::Id("p1".into())));
    let by_id = resolve(&[
        ("OS_APPLICATION_CREDENTIAL_ID", "ac"),
        ("OS_APPLICATION_CREDENTIAL_SECRET", SECRET),
        ("OS_PROJECT_NAME", "ignored"),
    ])
    .unwrap();
    match &by_id.auth {
        AuthMethod::ApplicationCredential { credential, .. } => {
            assert_eq!(credential, &AppCredentialRef::Id("ac".into()))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(by_id.scope, Scope::Unscoped);
    assert!(by_id.warnings[0].contains("ignored with an application credential"));
    let by_name = resolve(&[
        ("OS_APPLICATION_CREDENTIAL_NAME", "ci"),
        ("OS_APPLICATION_CREDENTIAL_SECRET", SECRET),
        ("OS_USER_ID", "u1"),
    ])
    .unwrap();
    match &by_name.auth {
        AuthMethod::ApplicationCredential { credential, .. } => assert_eq!(
            credential,
            &AppCredentialRef::Name {
                name: "ci".into(),
                user: UserRef::Id("u1".into())
            }
        ),
        other => panic!("{other:?}"),
    }
    let pw = [("OS_USER_ID", "u1"), ("OS_PASSWORD", SECRET)];
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = pw.to_vec();
        pairs.extend_from_slice(extra);
        resolve(&pairs).unwrap().scope
    };
    assert_eq!(with(&[("OS_TRUST_ID", "t1")]), Scope::Trust("t1".into()));
    assert_eq!(with(&[("OS_SYSTEM_SCOPE", "all")]), Scope::System);
    assert_eq!(
        with(&[("OS_DOMAIN_NAME", "magnum")]),
        Scope::Domain(DomainRef::Name("magnum".into()))
    );
    assert_eq!(with(&[]), Scope::Unscoped);
    assert_eq!(
        with(&[("OS_PROJECT_NAME", "p"), ("OS_DEFAULT_DOMAIN", "default")]),
        Scope::Project(ProjectRef::Name {
            name: "p".into(),
            domain: DomainRef::Id("default".into())
        })
    );
}

#[test]
fn missing_settings_name_the_key_and_the_variable() {
    let sources = Sources::new(
        env(&[
            ("OS_AUTH_URL", "https://ks/v3"),
            ("OS_USERNAME", "bob"),
            ("OS_USER_DOMAIN_NAME", "Default"),
        ]),
        vec![],
    );
    let err = load(&sources, &Overrides::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: password authentication needs `auth.password` in clouds.yaml (or OS_PASSWORD in the environment)"
    );
    let sources = Sources::new(
        env(&[
            ("OS_AUTH_URL", "https://ks/v3"),
            ("OS_USERNAME", "bob"),
            ("OS_PASSWORD", SECRET),
        ]),
        vec![],
    );
    let err = load(&sources, &Overrides::new()).unwrap_err();
    assert!(err.to_string().contains("OS_USER_DOMAIN_NAME"), "{err}");
    assert!(!err.to_string().contains(SECRET));
    let bad = Sources::new(
        env(&[
            ("OS_AUTH_URL", "https://ks/v3"),
            ("OS_TOKEN", "t"),
            ("OS_AUTH_TYPE", "v3oidcpassword"),
        ]),
        vec![],
    );
    assert!(
        load(&bad, &Overrides::new())
            .unwrap_err()
            .to_string()
            .contains("not supported")
    );
    let bad_if = Sources::new(
        env(&[
            ("OS_AUTH_URL", "https://ks/v3"),
            ("OS_TOKEN", "t"),
            ("OS_INTERFACE", "private"),
        ]),
        vec![],
    );
    assert!(
        load(&bad_if, &Overrides::new())
            .unwrap_err()
            .to_string()
            .contains("interface")
    );
}

#[test]
fn nothing_configured_lists_every_source_tried() {
    let dir = tempdir("empty");
    let err = load(
        &Sources::new(env(&[]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("OS_CLOUD (not set)") && text.contains("OS_AUTH_URL (not set)"),
        "{text}"
    );
    let err = load(
        &Sources::new(env(&[("OS_CLOUD", "prod")]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap_err();
    let text = err.to_string();
    for ext in ["yaml", "yml", "json"] {
        assert!(
            text.contains(&dir.join(format!("clouds.{ext}")).display().to_string()),
            "{text}"
        );
    }
    write(&dir, "clouds.yaml", CLOUDS);
    let err = load(
        &Sources::new(env(&[("OS_CLOUD", "staging")]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("defined: prod, other"), "{err}");
    let err = load(
        &Sources::new(env(&[("OS_CLOUD", "prod")]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("profile \"acme\""), "{err}");
    let missing_file = Sources::new(
        env(&[
            ("OS_CLOUD", "x"),
            ("OS_CLIENT_CONFIG_FILE", "/nonexistent/c.yaml"),
        ]),
        vec![],
    );
    assert!(
        load(&missing_file, &Overrides::new())
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/c.yaml")
    );
}

#[test]
fn broken_files_are_reported_without_their_content() {
    let dir = tempdir("broken");
    write(
        &dir,
        "clouds.yaml",
        &format!("clouds:\n  c:\n    auth: {{password: {SECRET}\n  : ["),
    );
    let err = load(
        &Sources::new(env(&[("OS_CLOUD", "c")]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("is not valid YAML/JSON"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn insecure_is_opt_in_and_warned() {
    let base = [("OS_AUTH_URL", "https://ks/v3"), ("OS_TOKEN", "t")];
    let mut pairs = base.to_vec();
    assert!(
        !load(&Sources::new(env(&pairs), vec![]), &Overrides::new())
            .unwrap()
            .insecure
    );
    pairs.push(("OS_INSECURE", "true"));
    let cloud = load(&Sources::new(env(&pairs), vec![]), &Overrides::new()).unwrap();
    assert!(cloud.insecure);
    assert!(
        cloud
            .warnings
            .iter()
            .any(|w| w.contains("verification is disabled"))
    );
    let verify_off = load(
        &Sources::new(env(&base), vec![]),
        &Overrides::new().set("verify", "false"),
    )
    .unwrap();
    assert!(verify_off.insecure);
}

/// Loads cloud `c` from a clouds.yaml with `text`; the error's text (`Display` and `Debug`).
fn load_error(text: &str) -> String {
    let dir = tempdir("typed");
    write(&dir, "clouds.yaml", text);
    let err = load(
        &Sources::new(env(&[("OS_CLOUD", "c")]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap_err();
    let shown = format!("{err} | {err:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    shown
}

#[test]
fn wrong_types_name_the_file_the_key_path_and_the_type_expected() {
    let head = "clouds:\n  c:\n";
    for (yaml, wants) in [
        (
            format!("{head}    auth: \"a string\"\n"),
            "clouds.c.auth must be a mapping of settings, found a string",
        ),
        (
            format!(
                "{head}    auth:\n      auth_url: https://ks/v3\n      username: u\n      password: [{SECRET}, b]\n"
            ),
            "clouds.c.auth.password must be a string, found a list",
        ),
        (
            "clouds:\n  - c\n".to_owned(),
            "`clouds` must be a mapping of cloud names to their settings, found a list",
        ),
        (
            format!(
                "{head}    verify: maybe\n    auth:\n      auth_url: https://ks/v3\n      token: t\n"
            ),
            "clouds.c.verify must be a boolean (true or false), found \"maybe\"",
        ),
        (
            format!(
                "{head}    region_name: [a, b]\n    auth:\n      auth_url: https://ks/v3\n      token: t\n"
            ),
            "clouds.c.region_name must be a string, found a list",
        ),
        (
            "clouds:\n  c: just-a-name\n".to_owned(),
            "clouds.c must be a mapping of settings, found a string",
        ),
    ] {
        let shown = load_error(&yaml);
        assert!(shown.contains(wants), "{yaml}\n=> {shown}");
        assert!(shown.contains("clouds.yaml"), "names the file: {shown}");
        assert!(!shown.contains("no cloud configured"), "{shown}");
    }
    // Settings of other tools may be lists or mappings: not ours to refuse.
    let dir = tempdir("others");
    write(
        &dir,
        "clouds.yaml",
        "clouds:\n  c:\n    networks: [{name: public, routes_externally: true}]\n    image_format: {a: b}\n    auth:\n      auth_url: https://ks/v3\n      token: t\n",
    );
    load(
        &Sources::new(env(&[("OS_CLOUD", "c")]), vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap();
    // A bad OS_INSECURE is refused too, not ignored.
    let err = load(
        &Sources::new(
            env(&[
                ("OS_AUTH_URL", "https://ks/v3"),
                ("OS_TOKEN", "t"),
                ("OS_INSECURE", "maybe"),
            ]),
            vec![],
        ),
        &Overrides::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("OS_INSECURE"), "{err}");
}

#[test]
fn credentials_in_an_auth_url_are_never_shown() {
    // Unparsable: echoed in the error, with the user-info hidden.
    for url in [
        format!("http://demo:{SECRET}@ho st/identity/v3"),
        format!("demo:{SECRET}@[::1/v3"),
    ] {
        let err = load(
            &Sources::new(env(&[("OS_AUTH_URL", &url), ("OS_TOKEN", "t")]), vec![]),
            &Overrides::new(),
        )
        .unwrap_err();
        let shown = format!("{err} | {err:?}");
        assert!(shown.contains("***@"), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
    // Parsable: removed from the URL the SDK uses and shows, with a warning saying so.
    let url = format!("http://demo:{SECRET}@keystone.example/identity/v3");
    let cloud = load(
        &Sources::new(env(&[("OS_AUTH_URL", &url), ("OS_TOKEN", "t")]), vec![]),
        &Overrides::new(),
    )
    .unwrap();
    assert_eq!(
        cloud.auth_url.as_str(),
        "http://keystone.example/identity/v3"
    );
    assert!(
        cloud.warnings.iter().any(|w| w.contains("user:password@")),
        "{:?}",
        cloud.warnings
    );
    let shown = format!("{cloud:?} {}", cloud.warnings.join(" "));
    assert!(!shown.contains(SECRET), "{shown}");
}

#[cfg(unix)]
#[test]
fn world_readable_credentials_are_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir("perms");
    write(
        &dir,
        "clouds.yaml",
        "clouds:\n  c:\n    auth:\n      auth_url: https://ks/v3\n      username: u\n      user_domain_name: Default\n",
    );
    write(
        &dir,
        "secure.yaml",
        &format!("clouds:\n  c:\n    auth:\n      password: {SECRET}\n"),
    );
    let load_c = || {
        load(
            &Sources::new(env(&[("OS_CLOUD", "c")]), vec![dir.to_path_buf()]),
            &Overrides::new(),
        )
        .unwrap()
    };
    for (name, mode) in [("clouds.yaml", 0o644), ("secure.yaml", 0o644)] {
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let cloud = load_c();
    let warned: Vec<_> = cloud
        .warnings
        .iter()
        .filter(|w| w.contains("can be read by others"))
        .collect();
    assert_eq!(
        warned.len(),
        1,
        "only the file holding the password: {warned:?}"
    );
    assert!(warned[0].contains("secure.yaml") && warned[0].contains("auth.password"));
    assert!(warned[0].contains("chmod 600"));
    assert!(!warned[0].contains(SECRET));
    std::fs::set_permissions(
        dir.join("secure.yaml"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    assert!(
        !load_c()
            .warnings
            .iter()
            .any(|w| w.contains("can be read by others")),
        "0600 is quiet"
    );
}

#[test]
fn unknown_explicit_settings_are_refused_with_the_valid_ones() {
    let base = [("OS_AUTH_URL", "https://ks/v3"), ("OS_TOKEN", "t")];
    let err = load(
        &Sources::new(env(&base), vec![]),
        &Overrides::new().set("passwrd", SECRET),
    )
    .unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("unknown setting(s) \"passwrd\""), "{shown}");
    assert!(
        shown.contains("auth.password"),
        "lists the valid keys: {shown}"
    );
    assert!(!shown.contains(SECRET), "{shown}");
    // Aliases and known keys pass.
    load(
        &Sources::new(env(&base), vec![]),
        &Overrides::new()
            .set("region-name", "R")
            .set("auth.tenant_name", "p")
            .set("auth.project-domain-name", "Default")
            .set("verify", "true"),
    )
    .unwrap();
}
