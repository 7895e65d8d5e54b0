//! A small Heat REST client for the Heat driver: create a stack, read it (status, reason,
//! outputs, parameters), update parameters in place (`PATCH`, the existing template kept — how
//! Magnum scales), delete, all with the caller's Keystone token and the catalog's
//! `orchestration` endpoint. Heat's wire habits handled here (`heat-real/FINDINGS.md`): always
//! address stacks by `name/id` (a bare name answers 302, and a `DELETE` on it deletes nothing);
//! `PATCH` answers 202 with an HTML body; errors carry `error.message` and `title`.

use magnum_core::keystone::KeystoneSession;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::outputs::StackOutput;

/// Why a Heat call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeatError {
    /// No token or no `orchestration` endpoint.
    #[error("Heat authentication: {0}")]
    Auth(#[source] magnum_core::Error),
    /// Heat answered with an error.
    #[error("Heat {status} ({}): {message}", .request_id.as_deref().unwrap_or("no request id"))]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// `x-openstack-request-id`.
        request_id: Option<String>,
        /// Heat's `error.message` (or `explanation`, or the body).
        message: String,
    },
    /// The request did not complete.
    #[error("Heat request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// Heat's answer was not what its API documents.
    #[error("unexpected Heat response: {0}")]
    Decode(String),
}

impl HeatError {
    /// Heat answered 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status, .. } if *status == StatusCode::NOT_FOUND)
    }
}

/// Where a stack lives: Heat's `name/id` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StackRef {
    /// Stack name.
    pub name: String,
    /// Stack id.
    pub id: String,
}

impl StackRef {
    /// A stack reference.
    pub fn new(name: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            id: id.into(),
        }
    }
}

/// A stack as `GET /stacks/{name}/{id}` shows it (the fields the driver uses).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Stack {
    /// Id.
    pub id: String,
    /// Name.
    pub stack_name: String,
    /// `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, … (same words as Magnum's statuses).
    pub stack_status: String,
    /// Why.
    #[serde(default)]
    pub stack_status_reason: Option<String>,
    /// When the last update started (`null` until the first update).
    #[serde(default)]
    pub updated_time: Option<String>,
    /// Outputs (resolved).
    #[serde(default)]
    pub outputs: Vec<StackOutput>,
    /// Parameters (Heat returns values as strings).
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// The create request (`POST /stacks`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StackCreate {
    /// Stack name.
    pub name: String,
    /// The HOT template (YAML or JSON text).
    pub template: String,
    /// Nested templates and environment-referenced files, by name.
    pub files: Map<String, Value>,
    /// Environment (YAML text), e.g. a `resource_registry`. Heat ignores it when
    /// `environment_files` are given: send it as the last file then.
    pub environment: Option<String>,
    /// Environment files (keys of `files`), merged by Heat in order over `environment`.
    pub environment_files: Vec<String>,
    /// Parameters.
    pub parameters: Map<String, Value>,
    /// `timeout_mins`.
    pub timeout_mins: u32,
}

impl StackCreate {
    /// A create request with no files, environment or parameters.
    pub fn new(name: impl Into<String>, template: impl Into<String>, timeout_mins: u32) -> Self {
        Self {
            name: name.into(),
            template: template.into(),
            files: Map::new(),
            environment: None,
            environment_files: Vec::new(),
            parameters: Map::new(),
            timeout_mins,
        }
    }

    /// The JSON body Heat expects.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "stack_name": self.name,
            "template": self.template,
            "files": self.files,
            "parameters": self.parameters,
            "timeout_mins": self.timeout_mins,
            "disable_rollback": true,
        });
        if let Some(environment) = &self.environment {
            body["environment"] = json!(environment);
        }
        if !self.environment_files.is_empty() {
            body["environment_files"] = json!(self.environment_files);
        }
        body
    }
}

/// Heat's error answer → [`HeatError::Api`] (`error.message`, else `explanation`, else the body).
async fn api_error(response: reqwest::Response) -> HeatError {
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-openstack-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = match response.text().await {
        Ok(text) => text,
        Err(e) => return HeatError::Transport(e),
    };
    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let message = parsed["error"]["message"]
        .as_str()
        .or_else(|| parsed["explanation"].as_str())
        .map_or_else(|| text.trim().to_owned(), str::to_owned);
    HeatError::Api {
        status,
        request_id,
        message,
    }
}

/// A Heat client acting with one Keystone session's token.
#[derive(Debug, Clone)]
pub struct HeatClient {
    session: KeystoneSession,
    http: reqwest::Client,
}

impl HeatClient {
    /// A client for `session` (its catalog must list `orchestration`).
    ///
    /// # Errors
    /// [`HeatError::Transport`] when the HTTP client cannot be built.
    pub fn new(session: KeystoneSession) -> Result<Self, HeatError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(HeatError::Transport)?;
        Ok(Self { session, http })
    }

    /// Sends `method path` to the catalog's `orchestration` endpoint with the session's token.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, HeatError> {
        let base: Url = self
            .session
            .endpoint("orchestration")
            .await
            .map_err(HeatError::Auth)?;
        let url = format!("{}/{}", base.as_str().trim_end_matches('/'), path);
        let token = self.session.token().await.map_err(HeatError::Auth)?;
        let mut request = self
            .http
            .request(method, url)
            .header("x-auth-token", token.token().expose_secret())
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.map_err(HeatError::Transport)
    }

    /// [`Self::send`], with Heat's error answers as [`HeatError::Api`] and the body as text.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, String), HeatError> {
        let response = self.send(method, path, body).await?;
        let status = response.status();
        if status.is_client_error() || status.is_server_error() {
            return Err(api_error(response).await);
        }
        let text = response.text().await.map_err(HeatError::Transport)?;
        Ok((status, text))
    }

    /// `POST /stacks`.
    ///
    /// # Errors
    /// [`HeatError`] with Heat's message (bad template, missing parameter, policy…).
    pub async fn create_stack(&self, create: &StackCreate) -> Result<StackRef, HeatError> {
        let (_, text) = self
            .call(Method::POST, "stacks", Some(&create.body()))
            .await?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| HeatError::Decode(e.to_string()))?;
        let id = value["stack"]["id"]
            .as_str()
            .ok_or_else(|| HeatError::Decode(format!("no stack id in {text}")))?;
        Ok(StackRef::new(create.name.clone(), id))
    }

    /// Finds a stack by id alone (`GET /stacks/{id}` answers 302 to `/stacks/{name}/{id}`): what
    /// a record that keeps only Magnum's `stack_id` needs before the other calls.
    ///
    /// # Errors
    /// [`HeatError`]; an unknown id is `is_not_found()`.
    pub async fn locate(&self, stack_id: &str) -> Result<StackRef, HeatError> {
        let response = self
            .send(Method::GET, &format!("stacks/{stack_id}"), None)
            .await?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let mut parts = location.trim_end_matches('/').rsplit('/');
            return match (parts.next(), parts.next()) {
                (Some(id), Some(name)) if id == stack_id => Ok(StackRef::new(name, id)),
                _ => Err(HeatError::Decode(format!(
                    "Heat redirected stack {stack_id} to {location:?}"
                ))),
            };
        }
        Err(api_error(response).await)
    }

    /// `GET /stacks/{name}/{id}`.
    ///
    /// # Errors
    /// [`HeatError`]; a vanished stack is `is_not_found()`.
    pub async fn get_stack(&self, stack: &StackRef) -> Result<Stack, HeatError> {
        self.read_stack(stack, true).await
    }

    /// `GET /stacks/{name}/{id}?resolve_outputs=False`: status and parameters without
    /// evaluating outputs — what a poller asks while a stack is still being built (resolving
    /// outputs mid-create makes Heat read half-built nested stacks; Magnum's poller does the
    /// same).
    ///
    /// # Errors
    /// [`HeatError`]; a vanished stack is `is_not_found()`.
    pub async fn get_stack_status(&self, stack: &StackRef) -> Result<Stack, HeatError> {
        self.read_stack(stack, false).await
    }

    async fn read_stack(&self, stack: &StackRef, outputs: bool) -> Result<Stack, HeatError> {
        let query = if outputs {
            ""
        } else {
            "?resolve_outputs=False"
        };
        let (_, text) = self
            .call(
                Method::GET,
                &format!("stacks/{}/{}{query}", stack.name, stack.id),
                None,
            )
            .await?;
        #[derive(Deserialize)]
        struct Envelope {
            stack: Stack,
        }
        serde_json::from_str::<Envelope>(&text)
            .map(|e| e.stack)
            .map_err(|e| HeatError::Decode(e.to_string()))
    }

    /// `PATCH /stacks/{name}/{id}` with new parameter values, keeping the template (scaling).
    /// With `disable_rollback` false, Heat rolls a failed update back.
    ///
    /// # Errors
    /// [`HeatError`].
    pub async fn update_parameters(
        &self,
        stack: &StackRef,
        parameters: &Map<String, Value>,
        timeout_mins: u32,
        disable_rollback: bool,
    ) -> Result<(), HeatError> {
        let body = json!({"parameters": parameters, "timeout_mins": timeout_mins, "disable_rollback": disable_rollback});
        self.call(
            Method::PATCH,
            &format!("stacks/{}/{}", stack.name, stack.id),
            Some(&body),
        )
        .await?;
        Ok(())
    }

    /// `GET /stacks/{name}/{id}/resources?nested_depth=<depth>&type=<type>`: the stack's
    /// resources of one type, nested stacks included, as `(resource_name, physical_resource_id)`
    /// (the id is empty until the resource exists).
    ///
    /// # Errors
    /// [`HeatError`]; a vanished stack is `is_not_found()`.
    pub async fn resources_of_type(
        &self,
        stack: &StackRef,
        resource_type: &str,
        nested_depth: u32,
    ) -> Result<Vec<(String, String)>, HeatError> {
        let (_, text) = self
            .call(
                Method::GET,
                &format!(
                    "stacks/{}/{}/resources?nested_depth={nested_depth}&type={resource_type}",
                    stack.name, stack.id
                ),
                None,
            )
            .await?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| HeatError::Decode(e.to_string()))?;
        let resources = value["resources"]
            .as_array()
            .ok_or_else(|| HeatError::Decode(format!("no resources in {text}")))?;
        Ok(resources
            .iter()
            .map(|r| {
                let field = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                (field("resource_name"), field("physical_resource_id"))
            })
            .collect())
    }

    /// `DELETE /stacks/{name}/{id}`.
    ///
    /// # Errors
    /// [`HeatError`].
    pub async fn delete_stack(&self, stack: &StackRef) -> Result<(), HeatError> {
        self.call(
            Method::DELETE,
            &format!("stacks/{}/{}", stack.name, stack.id),
            None,
        )
        .await?;
        Ok(())
    }
}
