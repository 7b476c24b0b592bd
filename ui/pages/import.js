// 导入 Import: choose files (system dialog, drag and drop, or — with CARESTAFF_TEST_HOOKS=1 — a
// path field for the end-to-end tests), preview what would be new, changed and unchanged in
// words (region names, metric labels, units), see how each sheet was read and every problem
// with its sheet and cell, choose what to do with columns Carestaff does not know, write a
// marked-up copy of a refused file for its sender, confirm to commit; below, the history.
//
// Everything shown comes from the core's import view (carestaff::app::import): the page adds
// only the way out of a problem that this page offers.

import { api, inHub } from "../api.js";
import { app, errorBox, returnedForMe, savedActions } from "../state.js";
import { clear, h, table } from "../dom.js";
import { getLang, pick, t, rname } from "../i18n.js";
import { appliedNotes, clearChoices, fixControl, readingChoices, rememberedList } from "./import-fixes.js";

const MAX_PREVIEW_ROWS = 200;

// The files chosen so far, and the choices made for unknown columns; kept while the user
// moves between pages.
const pending = [];
const columnChoices = new Map();
let lastPreview = null;

function fileLabel(f) {
  return f.path || f.name;
}

function outcomeWord(outcome, dryRun) {
  if (outcome === "imported") return dryRun ? t("outcome_imported") : t("outcome_imported_done");
  return t(`outcome_${outcome}`);
}

// The way out of a problem that this page offers, by the problem's code.
function hint(code) {
  const key = `hint_${code}`;
  const text = t(key);
  return text === key ? "" : text;
}

// Problems with their sheet and cell; beside each, the correction the page offers in place
// (a column's metric is chosen in the list of columns below).
function problemsTable(problems, cls, id, actions) {
  const fixes = problems.map((p) => (p.fix && p.fix.kind !== "metric" ? fixControl(p, actions.reread, actions.setPeriod) : null));
  const withFix = fixes.some(Boolean);
  return table(
    withFix ? [t("sheet"), t("cell"), t("message"), t("fix")] : [t("sheet"), t("cell"), t("message")],
    problems.map((p, k) => {
      const how = hint(p.code);
      return h(
        "tr",
        { class: cls, dataset: { code: p.code, count: String(p.count || 1) } },
        h("td", {}, p.sheet || "—"),
        h("td", { class: "mono" }, p.cell || "—"),
        h("td", {}, getLang() === "zh" ? p.message_zh || p.message : p.message, how ? h("span", { class: "hint" }, ` ${how}`) : null),
        withFix ? h("td", { class: "fix-cell" }, fixes[k]) : null,
      );
    }),
    { class: `list ${cls}s`, id },
  );
}

// How each sheet was read: the layout, the reporting unit and period with where they came
// from, each column with the metric and unit it was read as, total and own-part rows, and
// what was left out and why.
function readingView(sheets, i) {
  if (!sheets || !sheets.length) return null;
  const zh = getLang() === "zh";
  const items = sheets.map((s) =>
    h(
      "li",
      { class: "sheet-reading", dataset: { sheet: s.sheet, layout: s.layout } },
      h("strong", {}, `${t("sheet")} ${s.sheet}`),
      `：${pick(s, "layout")}`,
      s.region ? h("div", {}, `${t("reporting_unit")} ${rname(s.region)}（${s.region.code}，${zh ? s.region.from_zh : s.region.from}）`) : null,
      s.period
        ? h("div", {}, `${t("period")} ${s.period.period}${s.period.year_to_date ? `，${t("year_to_date")}` : ""}（${zh ? s.period.from_zh : s.period.from}）`)
        : null,
      s.columns.length
        ? table(
            [t("cell"), t("header_as_written"), t("read_as"), t("unit")],
            s.columns.map((c) => [
              c.cell,
              c.header,
              `${pick(c, "label")}${c.span === "year_to_date" ? `（${t("year_to_date")}）` : ""}${c.role === "comparison" ? `（${t("comparison_only")}）` : ""}`,
              c.unit ? `${c.unit}${c.scale !== 1 ? ` ×${c.scale.toLocaleString()}` : ""}` : "—",
            ]),
            { class: "list reading-columns" },
          )
        : null,
      [
        [s.totals, "total_rows"],
        [s.subtotals, "subtotal_rows"],
        [s.own_parts, "own_part_rows"],
      ].map(([cells, key]) => (cells && cells.length ? h("div", {}, `${t(key)}：${cells.join("、")}`) : null)),
      s.ignored.length
        ? h("ul", { class: "ignored" }, s.ignored.map((g) => h("li", {}, `${g.cell} “${g.header}” ${t("left_out")}：${zh ? g.why_zh : g.why}`)))
        : null,
    ),
  );
  return h("details", { class: "reading", id: `reading-${i}` }, h("summary", {}, t("how_read")), h("ul", {}, items));
}

// The columns waiting for a choice: map each to a metric, or leave it out; applied with the
// next preview and remembered for the region once imported.
function unmappedView(f, i, metrics, onChange) {
  if (!f.unmapped.length) return null;
  const rows = f.unmapped.map((u) => {
    const select = h(
      "select",
      { class: "column-choice", dataset: { header: u.header } },
      h("option", { value: "" }, t("choose_metric")),
      h("option", { value: "skip" }, t("leave_out")),
      u.this_period
        ? h("option", { value: "current" }, t("this_period_figures"))
        : metrics.map((m) => h("option", { value: m.id }, `${pick(m, "label")}（${m.unit}）`)),
    );
    select.value = columnChoices.get(u.header) || "";
    select.addEventListener("change", () => {
      if (select.value) columnChoices.set(u.header, select.value);
      else columnChoices.delete(u.header);
      onChange();
    });
    return [u.sheet, u.cell, u.header, select];
  });
  return h(
    "div",
    { class: "unmapped", id: `unmapped-${i}` },
    h("h4", {}, t("unmapped_title")),
    h("p", { class: "muted" }, t("unmapped_help")),
    table([t("sheet"), t("cell"), t("header_as_written"), t("read_as")], rows, { class: "list" }),
  );
}

function previewView(f) {
  const shown = f.preview.slice(0, MAX_PREVIEW_ROWS);
  if (!shown.length) return null;
  const total = f.new + f.changed;
  return h(
    "details",
    { open: shown.length <= 20, class: "preview" },
    h("summary", {}, `${t("new")} / ${t("changed")}: ${total.toLocaleString()}`),
    table(
      [t("change"), t("region_col"), t("period"), t("metric"), t("value"), t("previous"), t("cell")],
      shown.map((d) => [
        t(d.change),
        rname(d.region),
        d.period,
        `${pick(d, "label")}${pick(d, "kind")}`,
        `${d.value_text}${d.unit}`,
        d.previous_text == null ? "—" : `${d.previous_text}${d.unit}`,
        d.source,
      ]),
      { class: "list" },
    ),
    f.preview_truncated || total > shown.length ? h("p", { class: "muted" }, t("more_rows", { n: (total - shown.length).toLocaleString() })) : null,
  );
}

function fileView(f, i, view, actions) {
  const input = pending.find((p) => p.name === f.path || p.path === f.path);
  return h(
    "article",
    { class: `file-report ${f.outcome}`, dataset: { outcome: f.outcome }, id: `report-${i}` },
    h("h3", {}, f.path, " — ", h("span", { class: "outcome" }, outcomeWord(f.outcome, view.dry_run))),
    f.same_as ? h("p", { class: "warn same-as" }, t("same_as", { file: f.same_as })) : null,
    f.outcome !== "rejected" ? h("p", { class: "change-counts" }, pick(f, "counts")) : null,
    appliedNotes(f.reading, i),
    f.errors.length ? [h("h4", {}, `${t("errors")} (${f.errors.length})`), problemsTable(f.errors, "error-row", `errors-${i}`, actions)] : null,
    unmappedView(f, i, view.metrics, actions.reread),
    f.feedback_available && input
      ? h("p", {}, h("button", { type: "button", class: "feedback-btn", id: `feedback-${i}`, onclick: () => actions.feedback(input) }, t("write_feedback")), " ", h("span", { class: "muted" }, t("feedback_help")))
      : null,
    f.warnings.length
      ? h("details", { open: f.warnings.length <= 10 }, h("summary", {}, `${t("warnings")} (${f.warnings.length})`), problemsTable(f.warnings, "warning-row", `warnings-${i}`, actions))
      : null,
    view.dry_run || f.outcome === "rejected" ? readingView(f.reading, i) : null,
    previewView(f),
  );
}

async function readDropped(fileList) {
  // The File itself is kept: the transport reads it when it is sent (api.js).
  for (const file of fileList) pending.push({ name: file.name, path: null, bytes: null, file });
}

// An import time stored in UTC, shown in the user's local time.
function localTime(stamp) {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  return d.toLocaleString(getLang() === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

// On a hub: whose regions this account may send, or that it reads only.
function hubNote() {
  const me = inHub && app.info && app.info.me;
  if (!me) return null;
  if (!me.may_import) return h("p", { class: "warn", id: "hub-import-note" }, t("hub_viewer_note"));
  return h("p", { class: "muted", id: "hub-import-note" }, t("hub_import_note", { region: me.account.region_name }));
}

// The desktop's 上报 box: the hub's address and account, then the switch that sends there.
function reportToHub(toHub) {
  const box = h("details", { id: "report-box", class: "report-box" }, h("summary", {}, t("report_title")));
  const body = h("div", {});
  box.append(body);
  const info = app.info || {};
  const draw = (session) => {
    clear(body);
    if (session) {
      const a = session.me.account;
      const role = getLang() === "zh" ? session.me.role_zh : a.role;
      const out = h("button", { type: "button", id: "hub-sign-out" }, t("sign_out"));
      out.addEventListener("click", async () => {
        await api.hubSignOut();
        toHub.checked = false;
        app.hub = null;
        draw(null);
      });
      body.append(
        h("p", { id: "hub-session" }, t("hub_signed_in", { url: session.url, name: a.name, region: a.region_name, role }), " ", out),
        h("p", {}, toHub, " ", h("label", { for: "send-to-hub" }, t("send_to_hub"))),
      );
      return;
    }
    const url = h("input", { id: "hub-url", type: "url", size: "36", value: info.hub_url || "", placeholder: "https://" });
    const name = h("input", { id: "hub-name", type: "text", size: "16", value: info.hub_user || "", autocomplete: "username" });
    const password = h("input", { id: "hub-password", type: "password", size: "16", autocomplete: "current-password" });
    const go = h("button", { type: "button", id: "hub-sign-in" }, t("hub_sign_in"));
    const out = h("div", { "aria-live": "polite" });
    go.addEventListener("click", async () => {
      clear(out);
      go.disabled = true;
      try {
        const session = await api.hubSignIn(url.value.trim(), name.value.trim(), password.value);
        app.hub = session;
        info.hub_url = session.url;
        info.hub_user = name.value.trim();
        draw(session);
        toHub.checked = true;
      } catch (e) {
        out.append(errorBox(e));
      } finally {
        go.disabled = false;
      }
    });
    body.append(
      h("p", { class: "muted" }, t("report_hint")),
      h(
        "p",
        {},
        h("label", { for: "hub-url" }, t("hub_url")), " ", url, " ",
        h("label", { for: "hub-name" }, t("user_name")), " ", name, " ",
        h("label", { for: "hub-password" }, t("password")), " ", password, " ", go,
      ),
      out,
    );
  };
  draw(app.hub || null);
  if (app.hub) {
    box.open = true;
    toHub.checked = true;
  }
  return box;
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
  const remembered = h("div", { id: "remembered-box" });
  const testHooks = app.info && app.info.test_hooks;
  const feedbackPath = testHooks ? h("input", { id: "test-feedback-path", type: "text", size: "60" }) : null;

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
              h("td", { title: s.imported_at }, localTime(s.imported_at)),
              h("td", {}, s.imported_by || t("importer_unknown")),
              h("td", {}, s.sheets),
              h("td", { class: "num" }, s.value_count.toLocaleString()),
              h("td", { class: "num" }, s.changed_count.toLocaleString()),
            ),
          ),
          { id: "history", class: "list" },
        ),
      );
    } catch (e) {
      clear(history).append(errorBox(e));
    }
  }

  async function feedback(input) {
    try {
      const path = feedbackPath && feedbackPath.value.trim() ? feedbackPath.value.trim() : null;
      const written = await api.saveFeedback(input, period.value.trim(), path);
      app.say(`${t("saved_to")} ${written}`);
      const actions = savedActions(written);
      if (actions) results.prepend(h("p", { class: "ok", id: "feedback-saved" }, `${t("saved_to")} `, h("span", { class: "mono" }, written), " ", actions));
    } catch (e) {
      if (e.code !== "cancelled") results.prepend(errorBox(e));
    }
  }

  // A correction chosen: read the files again at once with it.
  function reread() {
    invalidate();
    if (pending.length) run(true);
  }

  function setPeriod(value) {
    period.value = value;
    reread();
  }

  const actions = { invalidate, feedback, reread, setPeriod };

  // The pending files a view refused (by the name the view reports them under).
  const refusedIn = (view) => {
    const names = new Set(view.files.filter((f) => f.outcome === "rejected").map((f) => f.path));
    return pending.filter((p) => names.has(fileLabel(p)) || names.has(p.name));
  };

  async function run(dryRun) {
    previewBtn.disabled = commitBtn.disabled = true;
    progress.hidden = false;
    app.say(t("working"));
    const columns = [...columnChoices].map(([header, metric]) => ({ header, metric }));
    // A commit sends the files the preview found importable; the refused ones stay listed
    // with their problems and fixes. Each file is still imported whole or not at all.
    const refused = !dryRun && lastPreview ? refusedIn(lastPreview) : [];
    const sending = pending.filter((p) => !refused.includes(p));
    const choices = readingChoices();
    try {
      const view = toHub.checked
        ? await api.hubImport(sending, dryRun, period.value.trim(), columns, choices)
        : await api.importFiles(sending, dryRun, period.value.trim(), columns, (p) => {
            progress.max = Math.max(1, p.total);
            progress.value = p.done;
          }, choices);
      clear(results).append(
        h("p", { id: "import-summary", class: "summary-line" }, pick(view.summary, "text")),
        ...view.files.map((f, i) => fileView(f, i, view, actions)),
      );
      const rejected = view.summary.rejected;
      if (dryRun) {
        lastPreview = view;
        commitBtn.disabled = view.summary.importable === 0;
        if (rejected && view.summary.importable) {
          results.prepend(h("p", { class: "warn", id: "fix-errors" }, t("partial_import", { ok: view.summary.importable, bad: rejected })));
        } else if (rejected) {
          results.prepend(h("p", { class: "warn", id: "fix-errors" }, t("fix_errors")));
        }
        app.say("");
      } else {
        // What was refused at the preview stays listed, with its problems, for the next try.
        const left = [...refused, ...refusedIn(view)];
        pending.length = 0;
        pending.push(...left);
        if (!left.length) {
          columnChoices.clear();
          clearChoices();
        }
        drawList();
        if (lastPreview && refused.length) {
          const kept = lastPreview.files.filter((f) => f.outcome === "rejected");
          results.append(
            h("h3", { id: "still-refused" }, t("still_refused", { n: kept.length })),
            ...kept.map((f, i) => fileView(f, view.files.length + i, lastPreview, actions)),
          );
        }
        lastPreview = null;
        app.say(t("imported_ok"));
        rememberedList(remembered);
        results.dataset.committed = "1";
        results.dataset.sentTo = toHub.checked ? "hub" : "local";
        await drawHistory();
      }
    } catch (e) {
      clear(results).append(errorBox(e));
      app.say("");
    } finally {
      progress.hidden = true;
      previewBtn.disabled = pending.length === 0;
      // The results start below the buttons, at 1366×768 under the fold: bring them into view.
      results.scrollIntoView({ block: "start", behavior: "auto" });
    }
  }

  previewBtn.addEventListener("click", () => run(true));
  commitBtn.addEventListener("click", () => {
    if (lastPreview) run(false);
  });
  clearBtn.addEventListener("click", () => {
    pending.length = 0;
    columnChoices.clear();
    clearChoices();
    invalidate();
    clear(results);
    drawList();
  });

  const pickBtn = h("button", { type: "button", id: "pick-btn" }, t("pick"));
  pickBtn.addEventListener("click", async () => {
    try {
      for (const f of await api.pickFiles()) pending.push(f);
      invalidate();
      drawList();
    } catch (e) {
      clear(results).append(errorBox(e));
    }
  });

  // In a browser the file chooser is the browser's own input (a dialog cannot be opened for it).
  let chooser = pickBtn;
  if (inHub) {
    chooser = h("input", { type: "file", id: "hub-files", multiple: true, accept: ".xlsx,.xls,.ods,.csv", "aria-label": t("pick") });
    chooser.addEventListener("change", () => {
      for (const file of chooser.files) pending.push({ name: file.name, path: null, bytes: null, file });
      chooser.value = "";
      invalidate();
      drawList();
    });
  }
  const drop = h("div", { id: "drop-zone", class: "drop-zone", tabindex: "-1" }, chooser, " ", h("span", {}, t("drop_here")));
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
  if (testHooks) {
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
    hook = h(
      "div",
      { class: "test-hook" },
      h("p", {}, h("label", { for: "test-path" }, t("test_path")), " ", path, " ", add),
      h("p", {}, h("label", { for: "test-feedback-path" }, t("test_feedback_path")), " ", feedbackPath),
    );
  }

  // 上报 (the desktop only): sign in to a hub, then send previews and imports there.
  const toHub = h("input", { type: "checkbox", id: "send-to-hub" });
  toHub.addEventListener("change", invalidate);
  const reportBox = inHub ? null : reportToHub(toHub);

  drawList();
  drawHistory();
  const returned = await returnedForMe();
  // A hub account that may not import (a viewer, a reviewer) sees the history, not controls
  // it cannot use.
  const me = inHub && app.info && app.info.me;
  if (me && !me.may_import) {
    return h("section", {}, h("h1", {}, t("import_title")), hubNote(), h("h2", {}, t("history")), history);
  }
  rememberedList(remembered);
  return h(
    "section",
    {},
    h("h1", {}, t("import_title")),
    hubNote(),
    returned,
    drop,
    hook,
    h("h2", {}, t("pending")),
    list,
    h("p", { class: "actions" }, h("label", { for: "import-period" }, t("period_override")), " ", period, " ", previewBtn, " ", commitBtn, " ", clearBtn, " ", progress),
    reportBox,
    results,
    h("h2", {}, t("history")),
    history,
    h("details", { id: "remembered-section" }, h("summary", {}, t("remembered_title")), h("p", { class: "muted" }, t("remembered_help")), remembered),
  );
}
