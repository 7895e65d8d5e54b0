//! A minimal Keystone v3 front under `/identity`: version documents, password,
//! application-credential and token authentication, `X-Subject-Token`, token validation and
//! revocation, and a catalog listing `identity`, `container-infra`, `image`, `compute`,
//! `network`, `volumev3` and `load-balancer` — enough for the SDK's
//! normal auth path and for real clients (keystoneauth1) to run unchanged.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A seeded Keystone user with one project.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimUser {
    /// User id.
    pub id: String,
    /// User name (domain `Default`).
    pub name: String,
    /// Password.
    pub password: String,
    /// Project id.
    pub project_id: String,
    /// Project name (domain `Default`).
    pub project_name: String,
    /// Role names in that project.
    pub roles: Vec<String>,
    /// Role names on the system (`scope: {"system": {"all": true}}`); none: no system scope.
    pub system_roles: Vec<String>,
}

impl SimUser {
    /// A user whose project shares its name; ids are derived from the names.
    pub fn new(name: &str, password: &str, project: &str, roles: &[&str]) -> Self {
        Self {
            id: format!("{name}-user-id"),
            name: name.to_owned(),
            password: password.to_owned(),
            project_id: format!("{project}-project-id"),
            project_name: project.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            system_roles: Vec::new(),
        }
    }

    /// Grants roles on the system, so the user may ask for a system-scoped token (as devstack
    /// grants `admin` the system admin role).
    #[must_use]
    pub fn system_roles(mut self, roles: &[&str]) -> Self {
        self.system_roles = roles.iter().map(|r| (*r).to_owned()).collect();
        self
    }
}

/// An application credential belonging to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimAppCredential {
    /// Credential id.
    pub id: String,
    /// Credential name.
    pub name: String,
    /// Secret.
    pub secret: String,
    /// Owner (a [`SimUser::name`]).
    pub user: String,
}

impl SimAppCredential {
    /// A credential for `user`.
    pub fn new(id: &str, name: &str, secret: &str, user: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            secret: secret.to_owned(),
            user: user.to_owned(),
        }
    }
}

/// Who a request is from (the context keystonemiddleware hands Magnum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthContext {
    /// User id.
    pub user_id: String,
    /// Project id.
    pub project_id: String,
    /// Role names.
    pub roles: Vec<String>,
    /// A system-scoped token (no project). Every Magnum policy is project-scoped
    /// (`scope_types=["project"]`), so with `enforce_scope` Magnum refuses it everywhere.
    pub system: bool,
}

impl AuthContext {
    /// Has the `admin` role.
    pub fn is_admin(&self) -> bool {
        self.has("admin")
    }

    /// Has the role.
    pub fn has(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Magnum's project reader (reads) — members and admins are readers too.
    pub fn can_read(&self) -> bool {
        self.has("reader") || self.has("member") || self.is_admin()
    }

    /// Magnum's project member (writes).
    pub fn can_write(&self) -> bool {
        self.has("member") || self.is_admin()
    }
}

#[derive(Debug, Clone)]
struct Token {
    /// Scoped to the system, not to the user's project.
    system: bool,
    user: SimUser,
    methods: Vec<&'static str>,
    expires: SystemTime,
    issued: SystemTime,
}

/// The identity service: users, credentials and issued tokens.
#[derive(Debug)]
pub struct Identity {
    users: Vec<SimUser>,
    app_credentials: Vec<SimAppCredential>,
    tokens: Mutex<HashMap<String, Token>>,
    token_lifetime: Duration,
}

/// Why an authentication request is refused.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    Unauthorized,
    BadRequest(&'static str),
}

impl Refusal {
    fn response(self) -> Response {
        match self {
            Self::Unauthorized => unauthorized(),
            Self::BadRequest(message) => bad_request(message),
        }
    }
}

fn unauthorized() -> Response {
    let body = json!({"error": {"code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}});
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn bad_request(message: &str) -> Response {
    let body = json!({"error": {"code": 400, "title": "Bad Request", "message": message}});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn iso(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000000Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl Identity {
    /// An identity service with these users and credentials; tokens live an hour.
    pub fn new(users: Vec<SimUser>, app_credentials: Vec<SimAppCredential>) -> Self {
        Self {
            users,
            app_credentials,
            tokens: Mutex::new(HashMap::new()),
            token_lifetime: Duration::from_secs(3600),
        }
    }

    /// The request's context from `X-Auth-Token`, if the token is valid.
    pub fn context(&self, headers: &HeaderMap) -> Option<AuthContext> {
        let token = headers.get("x-auth-token")?.to_str().ok()?;
        let token = self.valid(token)?;
        let user = token.user;
        Some(if token.system {
            AuthContext {
                user_id: user.id,
                project_id: String::new(),
                roles: user.system_roles,
                system: true,
            }
        } else {
            AuthContext {
                user_id: user.id,
                project_id: user.project_id,
                roles: user.roles,
                system: false,
            }
        })
    }

    fn valid(&self, token: &str) -> Option<Token> {
        let tokens = self.tokens.lock().ok()?;
        tokens
            .get(token)
            .filter(|t| t.expires > SystemTime::now())
            .cloned()
    }

    fn user_named(&self, name: Option<&str>, id: Option<&str>) -> Option<&SimUser> {
        self.users
            .iter()
            .find(|u| Some(u.name.as_str()) == name || Some(u.id.as_str()) == id)
    }

    fn authenticate(&self, auth: &Value) -> Result<(SimUser, &'static str), Refusal> {
        let identity = &auth["identity"];
        let methods: Vec<&str> = identity["methods"]
            .as_array()
            .map(|m| m.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let user = match methods.as_slice() {
            ["password"] => {
                let u = &identity["password"]["user"];
                let user = self
                    .user_named(u["name"].as_str(), u["id"].as_str())
                    .ok_or(Refusal::Unauthorized)?;
                if u["password"].as_str() != Some(user.password.as_str()) {
                    return Err(Refusal::Unauthorized);
                }
                (user.clone(), "password")
            }
            ["application_credential"] => {
                let c = &identity["application_credential"];
                let cred = self
                    .app_credentials
                    .iter()
                    .find(|a| {
                        Some(a.id.as_str()) == c["id"].as_str()
                            || Some(a.name.as_str()) == c["name"].as_str()
                    })
                    .filter(|a| c["secret"].as_str() == Some(a.secret.as_str()))
                    .ok_or(Refusal::Unauthorized)?;
                let user = self
                    .user_named(Some(&cred.user), None)
                    .ok_or(Refusal::Unauthorized)?;
                (user.clone(), "application_credential")
            }
            ["token"] => {
                let id = identity["token"]["id"]
                    .as_str()
                    .ok_or(Refusal::Unauthorized)?;
                (self.valid(id).ok_or(Refusal::Unauthorized)?.user, "token")
            }
            [] => return Err(Refusal::BadRequest("Expecting to find identity in auth.")),
            _ => return Err(Refusal::Unauthorized),
        };
        Ok(user)
    }

    /// The scope asked for: `Ok(true)` for the system (only users with system roles), `Ok(false)`
    /// for the user's project (or no scope).
    fn check_scope(user: &SimUser, scope: &Value) -> Result<bool, Refusal> {
        if !scope["system"].is_null() {
            return if scope["system"]["all"] == json!(true) && !user.system_roles.is_empty() {
                Ok(true)
            } else {
                Err(Refusal::Unauthorized)
            };
        }
        let project = &scope["project"];
        if project.is_null() {
            return Ok(false);
        }
        let matches = project["id"].as_str() == Some(user.project_id.as_str())
            || project["name"].as_str() == Some(user.project_name.as_str());
        if matches {
            Ok(false)
        } else {
            Err(Refusal::Unauthorized)
        }
    }

    fn token_body(&self, token: &Token, base: &str) -> Value {
        let user = &token.user;
        let endpoints = |url: String| {
            json!(["public", "internal", "admin"].map(|interface| json!({
                "id": format!("{interface}-{}", url.len()),
                "interface": interface,
                "region_id": "RegionOne",
                "region": "RegionOne",
                "url": url,
            })))
        };
        let roles: Vec<Value> = if token.system {
            &user.system_roles
        } else {
            &user.roles
        }
        .iter()
        .map(|r| json!({"id": format!("{r}-role-id"), "name": r}))
        .collect();
        let mut body = json!({"token": {
            "methods": token.methods,
            "user": {"domain": {"id": "default", "name": "Default"}, "id": user.id,
                     "name": user.name, "password_expires_at": null},
            "audit_ids": [uuid::Uuid::new_v4().simple().to_string()],
            "expires_at": iso(token.expires),
            "issued_at": iso(token.issued),
            "project": {"domain": {"id": "default", "name": "Default"}, "id": user.project_id,
                        "name": user.project_name},
            "is_domain": false,
            "roles": roles,
            "catalog": [
                {"endpoints": endpoints(format!("{base}/identity/v3")), "id": "identity-service",
                 "type": "identity", "name": "keystone"},
                {"endpoints": endpoints(format!("{base}/v1")), "id": "magnum-service",
                 "type": "container-infra", "name": "magnum"},
                {"endpoints": endpoints(format!("{base}/image")), "id": "glance-service",
                 "type": "image", "name": "glance"},
                {"endpoints": endpoints(format!("{base}/compute/v2.1")), "id": "nova-service",
                 "type": "compute", "name": "nova"},
                {"endpoints": endpoints(format!("{base}/network")), "id": "neutron-service",
                 "type": "network", "name": "neutron"},
                {"endpoints": endpoints(format!("{base}/volume/v3/{}", user.project_id)),
                 "id": "cinder-service", "type": "volumev3", "name": "cinderv3"},
                {"endpoints": endpoints(format!("{base}/load-balancer")),
                 "id": "octavia-service", "type": "load-balancer", "name": "octavia"},
            ],
        }});
        if token.system {
            // A system-scoped token names no project, and the catalog leaves out the endpoints
            // whose URL needs one (Cinder's).
            body["token"]["system"] = json!({"all": true});
            if let Some(token) = body["token"].as_object_mut() {
                token.remove("project");
            }
            if let Some(catalog) = body["token"]["catalog"].as_array_mut() {
                catalog.retain(|service| service["type"] != "volumev3");
            }
        }
        body
    }

    /// `POST /v3/auth/tokens`.
    pub fn issue(&self, body: &[u8], base: &str) -> Response {
        let Ok(request) = serde_json::from_slice::<Value>(body) else {
            return bad_request("The request body is not valid JSON.");
        };
        let auth = &request["auth"];
        if !auth.is_object() {
            return bad_request("'auth' is a required property");
        }
        let (user, method) = match self.authenticate(auth) {
            Ok(found) => found,
            Err(refusal) => return refusal.response(),
        };
        let system = match Self::check_scope(&user, &auth["scope"]) {
            Ok(system) => system,
            Err(refusal) => return refusal.response(),
        };
        let issued = SystemTime::now();
        let token = Token {
            system,
            user,
            methods: vec![method],
            expires: issued + self.token_lifetime,
            issued,
        };
        let id = format!("gAAAAAsim{}", uuid::Uuid::new_v4().simple());
        let body = self.token_body(&token, base);
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.retain(|_, t| t.expires > issued);
            tokens.insert(id.clone(), token);
        }
        let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-subject-token", value);
        }
        response
    }

    /// `GET /v3/auth/tokens` (validate `X-Subject-Token` with a valid `X-Auth-Token`).
    pub fn validate(&self, headers: &HeaderMap, base: &str) -> Response {
        if self.context(headers).is_none() {
            return unauthorized();
        }
        let subject = headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| self.valid(t).map(|token| (t.to_owned(), token)));
        match subject {
            Some((id, token)) => {
                let mut response = axum::Json(self.token_body(&token, base)).into_response();
                if let Ok(value) = HeaderValue::from_str(&id) {
                    response.headers_mut().insert("x-subject-token", value);
                }
                response
            }
            None => {
                let body = json!({"error": {"code": 404, "title": "Not Found",
                    "message": "Could not find token."}});
                (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
            }
        }
    }

    /// `DELETE /v3/auth/tokens` (revoke `X-Subject-Token`).
    pub fn revoke(&self, headers: &HeaderMap) -> Response {
        if self.context(headers).is_none() {
            return unauthorized();
        }
        let subject = headers.get("x-subject-token").and_then(|v| v.to_str().ok());
        let removed = match (subject, self.tokens.lock()) {
            (Some(id), Ok(mut tokens)) => tokens.remove(id).is_some(),
            _ => false,
        };
        if removed {
            StatusCode::NO_CONTENT.into_response()
        } else {
            let body = json!({"error": {"code": 404, "title": "Not Found",
                "message": "Could not find token."}});
            (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
        }
    }

    /// The v3 version document.
    pub fn version_document(base: &str) -> Value {
        json!({"version": {
            "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": format!("{base}/identity/v3/")}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}],
        }})
    }
}
