// The one file that talks to the Rust side, by one of two transports:
// - inside the desktop app, Tauri's `invoke` (the commands of src-tauri/src/commands.rs);
// - in a browser, `fetch` against the hub's `POST /api/COMMAND` (src/hub/server.rs), with the
//   same command names and arguments, the session in an HttpOnly cookie and the hub's write
//   header on every request.
// Every failure becomes a CommandError {code, message}; pages branch on `code`, never on the
// message text, and never on the transport except through `inHub`.

import { getLang } from "./i18n.js";

const tauri = window.__TAURI__;

// Whether the pages run in a browser against a hub (not inside the desktop app).
export const inHub = !(tauri && tauri.core);

export class CommandError extends Error {
  // `english`: the user reads Chinese but only an English sentence exists (a bug's detail);
  // the error box then says what happened in Chinese and keeps the English under 技术细节.
  constructor(code, message, english = false) {
    super(message);
    this.code = code;
    this.english = english;
  }
}

// The sentence in the user's language from an error carrying `message` and `message_zh`.
function errorOf(e) {
  const zh = getLang() === "zh";
  const message = zh ? e.message_zh || e.message : e.message || e.message_zh;
  return new CommandError(e.code || "internal", String(message ?? ""), zh && !e.message_zh);
}

async function invoke(command, args = {}) {
  try {
    return await tauri.core.invoke(command, args);
  } catch (e) {
    if (e && typeof e === "object" && typeof e.code === "string") throw errorOf(e);
    throw new CommandError("internal", String(e), getLang() === "zh");
  }
}

// A hub's answer: JSON, or (for exports) a file handed to the browser as a download.
async function post(command, body, contentType) {
  const headers = { "x-carestaff": "1" };
  if (contentType) headers["content-type"] = contentType;
  let res;
  try {
    res = await fetch(`api/${command}`, { method: "POST", credentials: "same-origin", headers, body });
  } catch (e) {
    throw new CommandError("unreachable", getLang() === "zh" ? "无法连接平台，请检查网络后重试。" : "The hub cannot be reached: check the network and try again.");
  }
  if (!res.ok) {
    let e = {};
    try {
      e = await res.json();
    } catch (_) {
      e = { code: "internal", message: `HTTP ${res.status}` };
    }
    const err = errorOf(e);
    if (err.code === "unauthenticated" && command !== "login") window.dispatchEvent(new Event("carestaff-signed-out"));
    throw err;
  }
  const type = res.headers.get("content-type") || "";
  if (type.startsWith("application/json")) return res.json();
  return download(res);
}

// Saves a file answer through the browser's own download; returns the file name.
async function download(res) {
  const disposition = res.headers.get("content-disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : "carestaff";
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

function hubCall(command, args = {}) {
  return post(command, JSON.stringify(args), "application/json");
}

const call = inHub ? hubCall : invoke;

// A channel for progress reports: `onProgress({done, total, item})` is called for each.
function progressChannel(onProgress) {
  const channel = new tauri.core.Channel();
  channel.onmessage = (p) => onProgress && onProgress(p);
  return channel;
}

// A file the Import page holds: {name, path} (chosen in the desktop's dialog), {name, file} (a
// browser File: dropped, or chosen in the browser), or {name, bytes}.
async function forDesktop(f) {
  if (f.file) return { name: f.name, path: null, bytes: Array.from(new Uint8Array(await f.file.arrayBuffer())) };
  return { name: f.name, path: f.path || null, bytes: f.bytes || null };
}

function upload(command, files, fields) {
  const form = new FormData();
  for (const f of files) {
    const blob = f.file || new Blob([new Uint8Array(f.bytes || [])]);
    form.append("file", blob, f.name);
  }
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return post(command, form, null);
}

// The browser's own file chooser; resolves with the files chosen (none when closed).
function chooseInBrowser() {
  return new Promise((resolve) => {
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.accept = ".xlsx,.xls,.ods,.csv";
    input.hidden = true;
    input.id = "hub-file-input";
    document.body.append(input);
    const done = () => {
      resolve([...(input.files || [])].map((file) => ({ name: file.name, path: null, bytes: null, file })));
      input.remove();
    };
    input.addEventListener("change", done);
    input.addEventListener("cancel", done);
    input.click();
  });
}

export const api = {
  start: async (onProgress) => {
    if (!inHub) return invoke("start", { onProgress: progressChannel(onProgress) });
    const info = await hubCall("start");
    info.language = localStorage.getItem("carestaff.lang") || info.language;
    return info;
  },
  setLanguage: (language) => {
    if (!inHub) return invoke("set_language", { language });
    localStorage.setItem("carestaff.lang", language);
    return Promise.resolve(null);
  },
  overview: (asOf) => call("overview", { asOf }),
  // The Home page of a region (the office's own, or the account's on a hub, without a code).
  home: (code, asOf) => call("home", { code: code || null, asOf }),
  // The regions under a region (the provinces without one), for the region picker.
  regionChoices: (parent) => call("region_choices", { parent: parent || null }),
  // A date as typed, in the form the pages send (2025-09-30), or a CommandError saying why not.
  checkDate: (text) => call("check_date", { text }),
  // The desktop only: the office's jurisdiction (a code, or "" to decline the question).
  setOfficeRegion: (code) => invoke("set_office_region", { code: code || "" }),
  region: (code, asOf, rankBy) => call("region", { code, asOf, rankBy: rankBy || null }),
  target: (id, region, asOf, lang) => call("target", { id, region: region || null, asOf, lang }),
  // choices: the corrections of how a file is read, [{kind, sheet, subject, value}].
  importFiles: async (files, dryRun, period, columns, onProgress, choices) => {
    if (!inHub) {
      const list = await Promise.all(files.map(forDesktop));
      return invoke("import_files", { files: list, dryRun, period: period || null, columns: columns || [], choices: choices || [], onProgress: progressChannel(onProgress) });
    }
    if (onProgress) onProgress({ done: 0, total: 1, item: "" });
    const view = await upload("import_files", files, { dryRun: String(dryRun), period: period || "", columns: JSON.stringify(columns || []), choices: JSON.stringify(choices || []) });
    if (onProgress) onProgress({ done: 1, total: 1, item: "" });
    return view;
  },
  saveFeedback: async (file, period, path) => {
    if (!inHub) return invoke("save_feedback", { file: await forDesktop(file), period: period || null, path: path || null });
    return upload("save_feedback", [file], { period: period || "" });
  },
  submissions: () => call("submissions"),
  // The readings remembered from earlier imports; forgetting one answers those left.
  readings: () => call("readings"),
  forgetReading: (id) => call("forget_reading", { id }),
  removeDemoData: () => call("remove_demo_data"),
  catalog: () => call("catalog"),
  addLocalTarget: (target) => call("add_local_target", { target }),
  setLocalTargetEnabled: (id, enabled) => call("set_local_target_enabled", { id, enabled }),
  addUnit: (parent, name, aliases, code) => call("add_unit", { parent, name, aliases: aliases || "", code: code || "" }),
  renameUnit: (code, name) => call("rename_unit", { code, name }),
  retireUnit: (code, on) => call("retire_unit", { code, on: on || "" }),
  // The files to import: {name, path} from the desktop's dialog, {name, file} in a browser.
  pickFiles: async () => {
    if (inHub) return chooseInBrowser();
    const paths = await invoke("pick_files");
    return paths.map((path) => ({ name: path.split(/[\\/]/).pop(), path, bytes: null }));
  },
  // request: {kind, as_of, region, target, lang, path}; the desktop asks where to save, a
  // browser downloads. Returns where it went (the path, or the downloaded file's name).
  exportFile: (request, onProgress) =>
    inHub ? hubCall("export_file", { request }) : invoke("export_file", { request, onProgress: progressChannel(onProgress) }),
  // The desktop only: open a file it just saved, or its folder, with the system's program.
  openSaved: (path, folder) => invoke("open_saved", { path, folder }),
  // The desktop reporting to a hub (上报): the desktop signs in and sends the files; the
  // hub checks them again and answers the same import view.
  hubSignIn: (url, name, password) => invoke("hub_sign_in", { url, name, password }),
  hubSignOut: () => invoke("hub_sign_out"),
  hubImport: async (files, dryRun, period, columns, choices) =>
    invoke("hub_import", { files: await Promise.all(files.map(forDesktop)), dryRun, period: period || null, columns: columns || [], choices: choices || [] }),
  // 分解下达 (Target page): a preview; the desktop applies at once, a hub's account proposes and
  // the approver decides; the split sheet is saved (desktop) or downloaded (hub) and read back.
  splitPreview: (split) => call("split_preview", { split }),
  splitApply: (split) => invoke("split_apply", { split }),
  splitPropose: (split) => hubCall("split_propose", { split }),
  splitClear: (id, region) => call("split_clear", { id, region: region || null }),
  splitDecide: (id, approve, note) => hubCall("split_decide", { id, approve, note: note || "" }),
  splitSheet: (id, region, asOf, path) =>
    inHub ? hubCall("split_sheet", { id, region: region || null, asOf }) : invoke("split_sheet", { id, region: region || null, asOf, path: path || null }),
  splitRead: async (split, file) => {
    if (inHub) return upload("split_read", [file], { id: split.id, region: split.region || "", asOf: split.asOf });
    return invoke("split_read", { split, file: await forDesktop(file) });
  },
  // The hub's pages only.
  signIn: (name, password) => hubCall("login", { name, password }),
  signOut: () => hubCall("logout"),
  board: (region, period) => hubCall("board", { region: region || null, period: period || null }),
  approve: (region, period) => hubCall("approve", { region, period }),
  // The account's returns sent back and not yet resubmitted, with the reviewer's reason.
  reviewNotes: () => hubCall("review_notes"),
  reopen: (region, period, reason) => hubCall("reopen", { region, period, reason }),
};
