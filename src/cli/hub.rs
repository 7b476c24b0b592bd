//! The command line's hub commands: `user`, `serve` (against `--db postgres://…`), and the
//! client mode `--server URL --user NAME` in front of `import`, `status`, `values`,
//! `completeness`, `approve` and `reopen`, printing what the local commands print.

use std::io::{IsTerminal, Read, Write};

use anyhow::Result;
use carestaff_app::client::Client;
use carestaff_domain::Lang;
use carestaff_hub::server::{CliOutput, ServeOptions};
use carestaff_hub::{accounts, HubError};
use carestaff_store::{Location, PgPool, PgStore};

use crate::{usage, Command, Env, Rejected, ServeArgs, UserArgs, UserCommand};

/// A hub's refusal, printed in the chosen language: exit 1.
fn refused(e: &HubError, lang: Lang) -> anyhow::Error {
    let text = if lang == Lang::Zh { &e.message_zh } else { &e.message };
    eprintln!("error: {text}");
    Rejected.into()
}

fn postgres_url<'e>(env: &'e Env, what: &str) -> Result<&'e str> {
    match &env.db {
        Location::Server(url) => Ok(url),
        Location::File(_) => Err(usage(format!(
            "`{what}` works on a hub's PostgreSQL database: add --db postgres://USER@HOST/DB"
        ))),
    }
}

/// The password for `user add` and `user password`: stdin, up to its first line end.
fn password_from_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().take(4096).read_to_string(&mut s)?;
    let line = s.lines().next().unwrap_or_default().to_string();
    Ok(line)
}

pub fn user(env: &Env, a: UserArgs, out: &mut impl Write) -> Result<()> {
    let url = postgres_url(env, "user")?;
    let pg = PgStore::connect(url)?;
    let now = env.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let zh = env.lang == Lang::Zh;
    match a.command {
        UserCommand::Add { name, region, role } => {
            let role: accounts::Role = role.parse().map_err(|e: HubError| usage(e.message))?;
            let password = password_from_stdin()?;
            let account = accounts::add(&pg, &name, region, role, &password, &now)
                .map_err(|e| refused(&e, env.lang))?;
            if zh {
                writeln!(
                    out,
                    "已添加账号 {}（{}，{}）",
                    account.name,
                    account.region_name,
                    role.label_zh()
                )?;
            } else {
                writeln!(out, "added {} ({}, {})", account.name, account.region_name, role)?;
            }
        }
        UserCommand::Password { name } => {
            let password = password_from_stdin()?;
            if !accounts::set_password(&pg, &name, &password).map_err(|e| refused(&e, env.lang))? {
                return Err(usage(format!("no account is named `{name}`")));
            }
            writeln!(
                out,
                "{}",
                if zh {
                    "密码已更改，原有登录已失效"
                } else {
                    "password changed; its sessions ended"
                }
            )?;
        }
        UserCommand::Disable { name } => {
            if !accounts::disable(&pg, &name).map_err(|e| refused(&e, env.lang))? {
                return Err(usage(format!("no account is named `{name}`")));
            }
            writeln!(
                out,
                "{}",
                if zh {
                    format!("已停用账号 {name}")
                } else {
                    format!("{name} is switched off")
                }
            )?;
        }
        UserCommand::List { json } => {
            let list = accounts::list(&pg).map_err(|e| refused(&e, env.lang))?;
            crate::emit(out, json, &list, |out, list| {
                for a in list {
                    let role = if zh { a.role.label_zh().to_string() } else { a.role.to_string() };
                    let off = match (a.disabled, zh) {
                        (false, _) => "",
                        (true, true) => "（已停用）",
                        (true, false) => " (switched off)",
                    };
                    writeln!(out, "{}\t{}\t{} {}{off}", a.name, role, a.region, a.region_name)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

pub fn serve(env: &Env, a: ServeArgs) -> Result<()> {
    let url = postgres_url(env, "serve")?;
    let tls = match (a.tls_cert, a.tls_key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err(usage("give both --tls-cert and --tls-key, or neither")),
    };
    let pool = PgPool::connect(url, a.pool.max(2))?;
    let mut trusted_proxies = Vec::new();
    for p in a.trusted_proxies.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let ip = p.parse().map_err(|_| {
            usage(format!("--trusted-proxy takes IP addresses, like 127.0.0.1; `{p}` is not one"))
        })?;
        trusted_proxies.push(ip);
    }
    let options = ServeOptions { listen: a.listen, tls, trusted_proxies };
    Ok(carestaff_hub::server::serve(pool, &options)?)
}

/// The password of client mode: `$CARESTAFF_PASSWORD`, else asked for on the terminal.
fn client_password(name: &str) -> Result<String> {
    if let Ok(p) = std::env::var("CARESTAFF_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(usage(
            "set CARESTAFF_PASSWORD, or run on a terminal to be asked for the password",
        ));
    }
    eprint!("{name} 的密码 (password): ");
    let _ = std::io::stderr().flush();
    let hide = std::process::Command::new("stty").arg("-echo").status().is_ok_and(|s| s.success());
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if hide {
        let _ = std::process::Command::new("stty").arg("echo").status();
    }
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn print_cli(out: &mut impl Write, answer: CliOutput) -> Result<()> {
    out.write_all(answer.output.as_bytes())?;
    if answer.rejected {
        return Err(Rejected.into());
    }
    Ok(())
}

/// Runs `command` against the hub at `server`, signed in as `user`.
pub fn client(
    env: &Env,
    server: &str,
    user: &str,
    command: Command,
    out: &mut impl Write,
) -> Result<()> {
    use serde_json::json;
    let lang = env.lang;
    // Arguments are checked before the password is asked for.
    let files = match &command {
        Command::Import(a) => {
            a.options(carestaff_domain::Catalog::builtin())?;
            let mut files = Vec::with_capacity(a.files.len());
            for f in &a.files {
                let bytes = std::fs::File::open(f)
                    .and_then(carestaff_ingest::read::read_limited)
                    .map_err(|e| {
                        let r = carestaff_ingest::FileReport::unreadable(&f.display().to_string(), &e);
                        let p = r.errors.first();
                        let m = p.map(|p| if lang == Lang::Zh { p.message_zh.clone() } else { p.message.clone() });
                        anyhow::anyhow!("{}: {}", f.display(), m.unwrap_or_default())
                    });
                match bytes {
                    Ok(b) => files.push((f.display().to_string(), b)),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Err(Rejected.into());
                    }
                }
            }
            files
        }
        Command::Status(_) | Command::Values(_) | Command::Completeness(_) | Command::Approve(_) | Command::Reopen(_) => Vec::new(),
        _ => {
            return Err(usage(
                "with --server, only import, status, values, completeness, approve and reopen run on the hub; the others work on a local database (leave out --server)",
            ))
        }
    };
    let password = client_password(user)?;
    let hub = Client::sign_in(server, user, &password).map_err(|e| refused(&e, lang))?;
    let r = |e: HubError| refused(&e, lang);
    let result = match command {
        Command::Import(a) => {
            let mut fields = vec![
                ("cli", "1".to_string()),
                ("json", a.json.to_string()),
                ("lang", lang.code().to_string()),
                ("dryRun", a.dry_run.to_string()),
                ("period", a.period.map(|p| p.to_string()).unwrap_or_default()),
                ("map", serde_json::to_string(&a.maps)?),
                ("skip", serde_json::to_string(&a.skips)?),
                ("skip_unknown", a.skip_unknown.to_string()),
                ("choices", serde_json::to_string(&a.reading_choices()?)?),
            ];
            let answer: CliOutput = hub.upload("import_files", &files, &fields).map_err(r)?;
            if let Some(path) = &a.feedback {
                fields.retain(|(k, _)| *k != "cli");
                write_feedback_from_hub(&hub, &files, &fields, path, lang)?;
            }
            print_cli(out, answer)
        }
        Command::Status(a) => {
            let args = json!({ "as_of": a.as_of.map(|d| d.to_string()), "region": a.region.map(|r| r.to_string()), "target": a.target, "json": a.json, "lang": lang });
            print_cli(out, hub.call("cli_status", &args).map_err(r)?)
        }
        Command::Values(a) => {
            let args = json!({ "region": a.region.map(|r| r.to_string()), "period": a.period.map(|p| p.to_string()), "json": a.json, "lang": lang });
            print_cli(out, hub.call("cli_values", &args).map_err(r)?)
        }
        Command::Completeness(a) => {
            let args = json!({ "region": a.region.to_string(), "period": a.period.to_string(), "json": a.json, "lang": lang });
            print_cli(out, hub.call("cli_completeness", &args).map_err(r)?)
        }
        Command::Approve(a) => {
            review(out, &hub, lang, a.json, "approve", a.region, a.period, String::new())
                .map_err(r)?
        }
        Command::Reopen(a) => {
            review(out, &hub, lang, a.json, "reopen", a.region, a.period, a.reason).map_err(r)?
        }
        _ => Ok(()),
    };
    hub.sign_out();
    result
}

fn write_feedback_from_hub(
    hub: &Client,
    files: &[(String, Vec<u8>)],
    fields: &[(&str, String)],
    path: &std::path::Path,
    lang: Lang,
) -> Result<()> {
    // The hub answers the workbook itself, not JSON: ask for it through a raw upload.
    let book: Vec<u8> =
        hub.upload_bytes("save_feedback", files, fields).map_err(|e| refused(&e, lang))?;
    std::fs::write(path, book)?;
    eprintln!(
        "{} {}",
        if lang == Lang::Zh {
            "已写出错误标注的工作簿："
        } else {
            "wrote the marked-up workbook:"
        },
        path.display()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn review(
    out: &mut impl Write,
    hub: &Client,
    lang: Lang,
    json_out: bool,
    command: &str,
    region: carestaff_domain::RegionCode,
    period: carestaff_domain::Period,
    reason: String,
) -> Result<Result<(), anyhow::Error>, HubError> {
    let args = serde_json::json!({ "region": region.to_string(), "period": period.to_string(), "reason": reason });
    let outcome: serde_json::Value = hub.call(command, &args)?;
    let reopen = command == "reopen";
    Ok(crate::emit(out, json_out, &outcome, |out, o| {
        let s =
            |k: &str| o.get(k).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
        let (name, period, by, at) = (s("region_name"), s("period"), s("by"), s("at"));
        match (reopen, lang == Lang::Zh) {
            (false, true) => writeln!(out, "{name}{period}的报表已审核通过（{by}，{at}），此后不再接受新数据，除非退回")?,
            (false, false) => writeln!(out, "approved the return of {name} for {period} ({by}, {at}); it takes no new values until reopened")?,
            (true, true) => writeln!(out, "{name}{period}的报表已退回（{by}，{at}）：{}", s("reason"))?,
            (true, false) => writeln!(out, "reopened the return of {name} for {period} ({by}, {at}): {}", s("reason"))?,
        }
        Ok(())
    }))
}

/// `approve` and `reopen` without `--server`.
pub fn needs_server() -> anyhow::Error {
    usage("approve and reopen work on a hub: add --server URL --user NAME")
}
