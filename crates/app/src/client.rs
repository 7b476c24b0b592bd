//! Talking to a hub: the command line's client mode (`carestaff --server URL --user NAME …`)
//! and the desktop's 上报. A blocking HTTP client (ureq, rustls for `https://`) that signs in
//! once and sends the session cookie and the hub's write header with every request.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{HubCode, HubError};
use crate::protocol as web;

/// The largest answer read from a hub (a province's values as JSON fit easily).
const MAX_ANSWER: u64 = 256 << 20;

/// A signed-in connection to a hub.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    cookie: String,
    me: serde_json::Value,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

fn unreachable(base: &str, e: &ureq::Error) -> HubError {
    HubError::new(
        HubCode::Unreachable,
        format!("cannot reach the hub at {base}: {e}"),
        format!("无法连接平台 {base}：请检查网址和网络（{e}）"),
    )
}

impl Client {
    /// Signs in to the hub at `base` (`http://host:port` or `https://…`).
    ///
    /// # Errors
    ///
    /// [`HubError`] `unauthenticated` for a wrong name or password, `rate_limited` after too
    /// many failures, `unreachable` when no hub answers.
    pub fn sign_in(base: &str, name: &str, password: &str) -> Result<Client, HubError> {
        let base = base.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(HubError::invalid(
                format!("`{base}` is not a hub address: write it like https://hub.example.gov.cn"),
                format!("“{base}”不是平台地址：请写成 https://hub.example.gov.cn 的样子"),
            ));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(900)))
            .build()
            .into();
        let mut client = Client { agent, base, cookie: String::new(), me: serde_json::Value::Null };
        let body = serde_json::json!({ "name": name, "password": password });
        let mut resp = client.send(
            "login",
            "application/json",
            &serde_json::to_vec(&body).unwrap_or_default(),
        )?;
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().filter(|kv| web::token_in(kv).is_some()))
            .map(str::to_string);
        client.me = Client::answer::<serde_json::Value>(&client.base, &mut resp)?;
        client.cookie = cookie.ok_or_else(|| {
            HubError::new(
                HubCode::Unreachable,
                "the hub did not start a session",
                "平台没有建立登录会话",
            )
        })?;
        Ok(client)
    }

    /// The hub's address, as signed in to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The signed-in account as the hub describes it: `account`, `role_zh`, `may_import`,
    /// `may_review`, `may_admin`.
    pub fn me(&self) -> &serde_json::Value {
        &self.me
    }

    fn send(
        &self,
        command: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<ureq::http::Response<ureq::Body>, HubError> {
        let url = format!("{}/api/{command}", self.base);
        let mut req = self
            .agent
            .post(&url)
            .header(web::WRITE_HEADER, "1")
            .header("content-type", content_type);
        if !self.cookie.is_empty() {
            req = req.header("cookie", &self.cookie);
        }
        req.send(body).map_err(|e| unreachable(&self.base, &e))
    }

    fn answer<T: DeserializeOwned>(
        base: &str,
        resp: &mut ureq::http::Response<ureq::Body>,
    ) -> Result<T, HubError> {
        let bytes = Client::answer_bytes(base, resp)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            HubError::new(
                HubCode::Unreachable,
                format!("{base} did not answer as a Carestaff hub: {e}"),
                format!("{base} 的回应不是 Carestaff 平台的回应"),
            )
        })
    }

    fn answer_bytes(
        base: &str,
        resp: &mut ureq::http::Response<ureq::Body>,
    ) -> Result<Vec<u8>, HubError> {
        let status = resp.status();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| unreachable(base, &e))?;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(serde_json::from_slice::<HubError>(&bytes).unwrap_or_else(|_| {
                HubError::new(
                    HubCode::Unreachable,
                    format!("{base} answered {status}"),
                    format!("平台回应了错误 {status}"),
                )
            }))
        }
    }

    /// Calls a command with JSON arguments.
    ///
    /// # Errors
    ///
    /// The hub's [`HubError`], or `unreachable`.
    pub fn call<T: DeserializeOwned>(
        &self,
        command: &str,
        args: &impl Serialize,
    ) -> Result<T, HubError> {
        let body =
            serde_json::to_vec(args).map_err(|e| HubError::invalid(e.to_string(), "参数有误"))?;
        let mut resp = self.send(command, "application/json", &body)?;
        Client::answer(&self.base, &mut resp)
    }

    /// Sends files and form fields (`multipart/form-data`) to an upload command.
    ///
    /// # Errors
    ///
    /// The hub's [`HubError`], or `unreachable`.
    pub fn upload<T: DeserializeOwned>(
        &self,
        command: &str,
        files: &[(String, Vec<u8>)],
        fields: &[(&str, String)],
    ) -> Result<T, HubError> {
        let (content_type, body) = multipart(files, fields);
        let mut resp = self.send(command, &content_type, &body)?;
        Client::answer(&self.base, &mut resp)
    }

    /// Sends returns to the hub's import (the desktop's 上报): the hub reads and checks them
    /// again with the same importer and the account's rights, and answers the import view (a
    /// preview with `dry_run`).
    ///
    /// # Errors
    ///
    /// `io` when a file cannot be read here, the hub's [`HubError`], or `unreachable`.
    pub fn import(
        &self,
        files: &[crate::importing::FileInput],
        dry_run: bool,
        choices: &crate::input::ImportChoices,
    ) -> Result<serde_json::Value, HubError> {
        let mut sent = Vec::with_capacity(files.len());
        for f in files {
            let bytes = f.read().map_err(|e| {
                let report = carestaff_ingest::FileReport::unreadable(&f.name, &e);
                let p = report.errors.first();
                HubError::new(
                    crate::ErrorCode::Io,
                    p.map(|p| p.message.clone()).unwrap_or_default(),
                    p.map(|p| p.message_zh.clone()).unwrap_or_default(),
                )
            })?;
            sent.push((f.name.clone(), bytes));
        }
        let fields = [
            ("dryRun", dry_run.to_string()),
            ("period", choices.period.clone().unwrap_or_default()),
            ("columns", json_text(&choices.columns)?),
            ("map", json_text(&choices.map)?),
            ("skip", json_text(&choices.skip)?),
            ("skip_unknown", choices.skip_unknown.to_string()),
            ("choices", json_text(&choices.choices)?),
        ];
        self.upload("import_files", &sent, &fields)
    }

    /// Sends files and fields to a command that answers a file (the marked-up workbook).
    ///
    /// # Errors
    ///
    /// The hub's [`HubError`], or `unreachable`.
    pub fn upload_bytes(
        &self,
        command: &str,
        files: &[(String, Vec<u8>)],
        fields: &[(&str, String)],
    ) -> Result<Vec<u8>, HubError> {
        let (content_type, body) = multipart(files, fields);
        let mut resp = self.send(command, &content_type, &body)?;
        Client::answer_bytes(&self.base, &mut resp)
    }

    /// Ends the session.
    pub fn sign_out(self) {
        let _ = self.send("logout", "application/json", b"{}");
    }
}

/// A `multipart/form-data` body: each file as a part named `file`, then the fields.
fn multipart(files: &[(String, Vec<u8>)], fields: &[(&str, String)]) -> (String, Vec<u8>) {
    let boundary = format!("carestaff-{:016x}{:016x}", rand_u64(), rand_u64());
    let mut body = Vec::new();
    let quote = |s: &str| s.replace(['"', '\r', '\n'], "_");
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                quote(name)
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{value}\r\n",
                quote(name)
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A form field's JSON text.
fn json_text(value: &impl Serialize) -> Result<String, HubError> {
    serde_json::to_string(value).map_err(|e| HubError::internal(e.to_string()))
}

/// A multipart boundary needs only to be unlikely in the body: std's randomly keyed hasher
/// gives a fresh 64-bit number per call without a random-number crate.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}
