//! The two commands that take files, `import_files` and `save_feedback`: `multipart/form-data`
//! with the files as parts named `file` and the options as fields. The account's right to
//! submit is checked before the body is read; the body holds the upload budget for the bytes
//! that have arrived; then a place in the import queue.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::commands::cli_output;
use super::limits::{self, MAX_UPLOAD};
use super::routes::{json, nul_refused, parse_args, Reply};
use super::{internal, now_stamp, with_db, Hub};
use crate::accounts::Account;
use crate::HubError;
use carestaff_app::access::Held;
use carestaff_app::hub_requests;
use carestaff_app::importing::{self, FileInput};
use carestaff_app::input::ImportChoices;
use carestaff_app::protocol::CliOutput;
use carestaff_app::rights::Right;
use carestaff_app::split::SplitInput;
use carestaff_app::{self as app, text, ExportKind};
use carestaff_domain::{Catalog, Lang};
use carestaff_ingest::{FileReport, ImportContext, Outcome};
use carestaff_store::PgStore;

/// Receives an upload for `account` and runs `command` on it.
pub(super) async fn receive(
    hub: &Arc<Hub>,
    account: Account,
    command: &str,
    parts: axum::http::request::Parts,
    body: Body,
) -> Result<Response, HubError> {
    if command == "import_files" {
        // Refused before a byte of the body is read: the account submits nothing.
        let registry = with_db(hub, |pg| Ok(app::load_registry(&*pg)?)).await?;
        account.check(&registry, Right::Submit(account.region))?;
    }
    let received = limits::read_body(&parts.headers, body, MAX_UPLOAD, Some(&hub.uploads)).await?;
    let upload = read_upload(parts, received.bytes.clone()).await?;
    let _queued =
        hub.importing.acquire().await.map_err(|_| internal("the import queue closed".into()))?;
    let command = command.to_string();
    let reply = with_db(hub, move |pg| match command.as_str() {
        "import_files" => import_files(pg, &account, upload),
        "save_feedback" => save_feedback(pg, &account, upload),
        _ => split_read(pg, upload),
    })
    .await?;
    // The budget is held until the answer is made (`received` lives to here).
    drop(received);
    Ok(reply.into_response())
}

/// An upload: the files and the form's fields.
struct Upload {
    files: Vec<FileInput>,
    fields: HashMap<String, String>,
}

async fn read_upload(parts: axum::http::request::Parts, bytes: Bytes) -> Result<Upload, HubError> {
    let malformed = |e: String| {
        HubError::invalid(format!("the upload is malformed: {e}"), "上传的内容不完整，请重试")
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut multipart =
        Multipart::from_request(request, &()).await.map_err(|e| malformed(e.body_text()))?;
    let mut upload = Upload { files: Vec::new(), fields: HashMap::new() };
    while let Some(field) = multipart.next_field().await.map_err(|e| malformed(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) if name == "file" => {
                let bytes = field.bytes().await.map_err(|e| malformed(e.body_text()))?;
                upload.files.push(FileInput::from_bytes(file_name, bytes.to_vec()));
            }
            _ => {
                let value = field.text().await.map_err(|e| malformed(e.body_text()))?;
                upload.fields.insert(name, value);
            }
        }
    }
    let texts = upload.files.iter().map(|f| &f.name).chain(upload.fields.values());
    if texts.chain(upload.fields.keys()).any(|t| t.contains('\0')) {
        return Err(nul_refused());
    }
    Ok(upload)
}

impl Upload {
    fn flag(&self, name: &str) -> bool {
        self.fields.get(name).is_some_and(|v| matches!(v.trim(), "1" | "true"))
    }

    /// The form's choices: `period`, and as JSON `columns` (the Import page's), `map` and
    /// `skip` (the command line's), `choices` (corrections), and the flag `skip_unknown`.
    fn choices(&self) -> Result<ImportChoices, HubError> {
        let list = |key: &str| -> Result<Vec<String>, HubError> {
            self.fields
                .get(key)
                .filter(|v| !v.trim().is_empty())
                .map_or(Ok(Vec::new()), |v| parse_args(v.as_bytes()))
        };
        let columns = match self.fields.get("columns").filter(|c| !c.trim().is_empty()) {
            Some(c) => parse_args(c.as_bytes())?,
            None => Vec::new(),
        };
        Ok(ImportChoices {
            period: self.fields.get("period").cloned(),
            columns,
            map: list("map")?,
            skip: list("skip")?,
            skip_unknown: self.flag("skip_unknown"),
            choices: match self.fields.get("choices").filter(|c| !c.trim().is_empty()) {
                Some(c) => parse_args(c.as_bytes())?,
                None => Vec::new(),
            },
        })
    }

    fn context(&self, account: &Account, dry_run: bool) -> ImportContext {
        ImportContext { now: now_stamp(), user: account.name.clone(), dry_run }
    }
}

/// `import_files`: the files imported (or previewed) as the account's submission; for the
/// command line's `import` (field `cli`), the text or JSON it prints locally.
fn import_files(pg: &mut PgStore, account: &Account, upload: Upload) -> Result<Reply, HubError> {
    let options = upload.choices()?.options()?;
    let dry_run = upload.flag("dryRun") || upload.flag("dry_run");
    let ctx = upload.context(account, dry_run);
    let reports = hub_requests::import_as(&Held::new(pg), account, &upload.files, &options, &ctx)?;
    let registry = app::load_registry(&*pg)?;
    let view = || app::import::import_view(Catalog::builtin(), &registry, &reports, dry_run);
    if !upload.flag("cli") {
        return json(&view());
    }
    let rejected = reports.iter().any(|r| r.outcome == Outcome::Rejected);
    let lang: Lang = upload.fields.get("lang").and_then(|l| l.parse().ok()).unwrap_or_default();
    let output = if upload.flag("json") {
        #[derive(Serialize)]
        struct ImportJson<'a> {
            files: &'a [FileReport],
        }
        cli_output(true, &ImportJson { files: &reports }, |_, _| Ok(()))?
    } else {
        cli_output(false, &view(), |out, view| text::print_import(out, view, lang))?
    };
    json(&CliOutput { output, rejected })
}

/// `save_feedback`: the marked-up copy of the first file.
fn save_feedback(pg: &mut PgStore, account: &Account, upload: Upload) -> Result<Reply, HubError> {
    let options = upload.choices()?.options()?;
    let ctx = upload.context(account, true);
    let file = upload
        .files
        .first()
        .ok_or_else(|| HubError::invalid("no file was sent", "没有收到文件"))?;
    let bytes = hub_requests::marked_up_return_as(&Held::new(pg), account, file, &options, &ctx)?;
    Ok(Reply::File {
        name: importing::marked_up_name(&file.name),
        mime: ExportKind::Report.mime(),
        bytes,
    })
}

/// `split_read`: a split sheet filled in by hand, from the Target page, read (every problem at
/// its cell) and previewed; proposing it is a second request with the rows the preview shows.
fn split_read(pg: &mut PgStore, upload: Upload) -> Result<Reply, HubError> {
    let file = upload
        .files
        .first()
        .ok_or_else(|| HubError::invalid("no file was sent", "没有收到文件"))?;
    let field = |k: &str| upload.fields.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let input = SplitInput {
        id: field("id").unwrap_or_default().to_string(),
        region: field("region").map(str::to_string),
        as_of: field("asOf").unwrap_or_default().to_string(),
        basis: None,
        rows: None,
    };
    json(&app::split::read_request(&Held::new(pg), &input, file)?)
}
