// 导入 Import: choose files (system dialog, drag and drop, or — with CARESTAFF_TEST_HOOKS=1 — a
// path field for the end-to-end tests), preview what would be new, changed and unchanged,
// see every error with its sheet and cell, confirm to commit; below, the import history.

import { api } from "../api.js";
import { app, errorBox } from "../app.js";
import { clear, h, table } from "../dom.js";
import { getLang, t } from "../i18n.js";

const MAX_PREVIEW_ROWS = 200;

// The files chosen so far; kept while the user moves between pages.
const pending = [];
let lastPreview = null;

function fileLabel(f) {
  return f.path || f.name;
}

function outcomeWord(outcome, dryRun) {
  if (outcome === "imported") return dryRun ? t("outcome_imported") : t("outcome_imported_done");
  return t(`outcome_${outcome}`);
}

function problemsTable(problems, cls, id) {
  return table(
    [t("sheet"), t("cell"), t("message")],
    problems.map((p) => h("tr", { class: cls }, h("td", {}, p.sheet || "—"), h("td", { class: "mono" }, p.cell || "—"), h("td", {}, getLang() === "zh" ? p.message_zh || p.message : p.message))),
    { class: `list ${cls}s`, id },
  );
}

function reportView(r, i, dryRun) {
  const changes = (r.preview || []).filter((d) => d.change !== "unchanged");
  const shown = changes.slice(0, MAX_PREVIEW_ROWS);
  return h(
    "article",
    { class: `file-report ${r.outcome}`, dataset: { outcome: r.outcome }, id: `report-${i}` },
    h("h3", {}, r.path, " — ", h("span", { class: "outcome" }, outcomeWord(r.outcome, dryRun))),
    r.outcome !== "rejected" ? h("p", { class: "change-counts" }, `${r.values} · ${t("new")} ${r.new} · ${t("changed")} ${r.changed} · ${t("unchanged")} ${r.unchanged}`) : null,
    r.errors.length ? [h("h4", {}, `${t("errors")} (${r.errors.length})`), problemsTable(r.errors, "error-row", `errors-${i}`)] : null,
    r.warnings.length ? h("details", { open: r.warnings.length <= 10 }, h("summary", {}, `${t("warnings")} (${r.warnings.length})`), problemsTable(r.warnings, "warning-row", `warnings-${i}`)) : null,
    shown.length
      ? h(
          "details",
          { open: shown.length <= 20 },
          h("summary", {}, `${t("new")} / ${t("changed")}: ${changes.length}`),
          table(
            [t("change"), t("region_col"), t("period"), t("metric"), t("value"), t("previous"), t("cell")],
            shown.map((d) => [t(d.change), d.region, d.period, d.metric, String(d.value), d.previous == null ? "—" : String(d.previous), `${d.sheet}!${d.cell}`]),
            { class: "list" },
          ),
          changes.length > shown.length ? h("p", { class: "muted" }, t("more_rows", { n: changes.length - shown.length })) : null,
        )
      : null,
  );
}

async function readDropped(fileList) {
  for (const file of fileList) {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    pending.push({ name: file.name, path: null, bytes });
  }
}

export async function renderImport() {
  const list = h("ul", { id: "pending", class: "pending" });
  const results = h("div", { id: "import-results", "aria-live": "polite" });
  const progress = h("progress", { id: "import-progress", hidden: true, max: "1", value: "0" });
  const period = h("input", { id: "import-period", type: "text", placeholder: "2025Q2", size: "8", pattern: "\\d{4}Q[1-4]" });
  const previewBtn = h("button", { type: "button", id: "preview-btn", class: "primary" }, t("preview"));
  const commitBtn = h("button", { type: "button", id: "commit-btn", disabled: true }, t("commit"));
  const clearBtn = h("button", { type: "button", id: "clear-btn" }, t("clear"));
  const history = h("div", { id: "history-box" });

  function invalidate() {
    lastPreview = null;
    commitBtn.disabled = true;
  }

  function drawList() {
    clear(list);
    if (!pending.length) list.append(h("li", { class: "muted" }, t("none_yet")));
    pending.forEach((f, i) => {
      list.append(
        h(
          "li",
          {},
          h("span", { class: "mono" }, fileLabel(f)),
          " ",
          h("button", { type: "button", class: "link", onclick: () => { pending.splice(i, 1); invalidate(); drawList(); } }, t("remove")),
        ),
      );
    });
    previewBtn.disabled = pending.length === 0;
  }

  async function drawHistory() {
    try {
      const subs = await api.submissions();
      clear(history).append(
        table(
          [t("file"), t("imported_at"), t("by"), t("sheet"), t("values_count"), t("changed_count")],
          subs.map((s) =>
            h(
              "tr",
              { dataset: { id: String(s.id) } },
              h("td", {}, s.file_name, s.demo ? h("span", { class: "tag" }, t("demo")) : null),
              h("td", {}, s.imported_at),
              h("td", {}, s.imported_by),
              h("td", {}, s.sheets),
              h("td", { class: "num" }, String(s.value_count)),
              h("td", { class: "num" }, String(s.changed_count)),
            ),
          ),
          { id: "history", class: "list" },
        ),
      );
    } catch (e) {
      clear(history).append(errorBox(e));
    }
  }

  async function run(dryRun) {
    previewBtn.disabled = commitBtn.disabled = true;
    progress.hidden = false;
    app.say(t("working"));
    try {
      const reports = await api.importFiles(pending, dryRun, period.value.trim(), (p) => {
        progress.max = Math.max(1, p.total);
        progress.value = p.done;
      });
      clear(results).append(...reports.map((r, i) => reportView(r, i, dryRun)));
      const rejected = reports.some((r) => r.outcome === "rejected");
      if (dryRun) {
        lastPreview = reports;
        commitBtn.disabled = rejected || reports.every((r) => r.outcome === "unchanged");
        if (rejected) results.append(h("p", { class: "warn", id: "fix-errors" }, t("fix_errors")));
        app.say("");
      } else {
        pending.length = 0;
        drawList();
        app.say(t("imported_ok"));
        results.dataset.committed = "1";
        await drawHistory();
      }
    } catch (e) {
      clear(results).append(errorBox(e));
      app.say("");
    } finally {
      progress.hidden = true;
      previewBtn.disabled = pending.length === 0;
    }
  }

  previewBtn.addEventListener("click", () => run(true));
  commitBtn.addEventListener("click", () => {
    if (lastPreview) run(false);
  });
  clearBtn.addEventListener("click", () => {
    pending.length = 0;
    invalidate();
    clear(results);
    drawList();
  });

  const pick = h("button", { type: "button", id: "pick-btn" }, t("pick"));
  pick.addEventListener("click", async () => {
    try {
      for (const path of await api.pickFiles()) pending.push({ name: path.split(/[\\/]/).pop(), path, bytes: null });
      invalidate();
      drawList();
    } catch (e) {
      clear(results).append(errorBox(e));
    }
  });

  const drop = h("div", { id: "drop-zone", class: "drop-zone", tabindex: "-1" }, pick, " ", h("span", {}, t("drop_here")));
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    await readDropped(e.dataTransfer.files);
    invalidate();
    drawList();
  });

  let hook = null;
  if (app.info && app.info.test_hooks) {
    const path = h("input", { id: "test-path", type: "text", size: "60" });
    const add = h("button", { type: "button", id: "test-add" }, t("add"));
    add.addEventListener("click", () => {
      if (!path.value.trim()) return;
      const p = path.value.trim();
      pending.push({ name: p.split(/[\\/]/).pop(), path: p, bytes: null });
      path.value = "";
      invalidate();
      drawList();
    });
    hook = h("p", { class: "test-hook" }, h("label", { for: "test-path" }, t("test_path")), " ", path, " ", add);
  }

  drawList();
  drawHistory();
  return h(
    "section",
    {},
    h("h1", {}, t("import_title")),
    drop,
    hook,
    h("h2", {}, t("pending")),
    list,
    h("p", { class: "actions" }, h("label", { for: "import-period" }, t("period_override")), " ", period, " ", previewBtn, " ", commitBtn, " ", clearBtn, " ", progress),
    results,
    h("h2", {}, t("history")),
    history,
  );
}
