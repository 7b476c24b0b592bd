// The one file that talks to the Rust side. Every command goes through `call`, which turns a
// failure into {code, message}; pages branch on `code`, never on the message text.

const tauri = window.__TAURI__;

export class CommandError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function call(command, args = {}) {
  if (!tauri || !tauri.core) {
    throw new CommandError("internal", "The Tauri bridge is missing: start the app with `make run`.");
  }
  try {
    return await tauri.core.invoke(command, args);
  } catch (e) {
    if (e && typeof e === "object" && typeof e.code === "string") {
      throw new CommandError(e.code, String(e.message ?? ""));
    }
    throw new CommandError("internal", String(e));
  }
}

// A channel for progress reports: `onProgress({done, total, item})` is called for each.
function progressChannel(onProgress) {
  const channel = new tauri.core.Channel();
  channel.onmessage = (p) => onProgress && onProgress(p);
  return channel;
}

export const api = {
  start: (onProgress) => call("start", { onProgress: progressChannel(onProgress) }),
  setLanguage: (language) => call("set_language", { language }),
  overview: (asOf) => call("overview", { asOf }),
  region: (code, asOf, rankBy) => call("region", { code, asOf, rankBy: rankBy || null }),
  target: (id, region, asOf, lang) => call("target", { id, region: region || null, asOf, lang }),
  importFiles: (files, dryRun, period, columns, onProgress) =>
    call("import_files", { files, dryRun, period: period || null, columns: columns || [], onProgress: progressChannel(onProgress) }),
  saveFeedback: (file, period, path) => call("save_feedback", { file, period: period || null, path: path || null }),
  submissions: () => call("submissions"),
  removeDemoData: () => call("remove_demo_data"),
  catalog: () => call("catalog"),
  addLocalTarget: (target) => call("add_local_target", { target }),
  setLocalTargetEnabled: (id, enabled) => call("set_local_target_enabled", { id, enabled }),
  pickFiles: () => call("pick_files"),
  // request: {kind, as_of, region, target, lang, path}
  exportFile: (request, onProgress) => call("export_file", { request, onProgress: progressChannel(onProgress) }),
};
