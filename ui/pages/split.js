// 分解下达 on the Target page: where a child's goal came from; the split in force (child,
// basis, share, goal, latest, status) and whether the goals still add up; splitting the goal
// by population aged 60+, beds, equally or by hand (a table to edit, or the Excel sheet to fill
// in and read back), preview first; applying it (desktop) or proposing it for approval (hub);
// a proposal waiting, with approve / turn down for its approver; every version with who and
// when. The numbers, sums and rights come from the application (SplitSection).

import { api, inHub } from "../api.js";
import { app, errorBox, savedActions } from "../state.js";
import { clear, h, statusChip, table } from "../dom.js";
import { pick, t } from "../i18n.js";

const targetHref = (id, region) => `#/target/${encodeURIComponent(id)}?region=${region}`;

// "分解自 SX-1（山西省，按60岁以上人口）· 份额 12.9% · 上级目标 ≥ 20,000人".
export function splitOrigin(s) {
  if (!s.from) return null;
  const f = s.from;
  return h(
    "p",
    { id: "split-from", class: "split-from" },
    h("a", { href: targetHref(f.target, f.region.code) }, pick(f, "label")),
    ` · ${t("split_share")} ${f.share_text} · ${t("split_parent_goal")} ${f.parent_goal_text}`,
  );
}

function inForce(s, id) {
  const tb = s.table;
  if (!tb) return h("p", { id: "split-none", class: "muted" }, t("split_none"));
  return h(
    "div",
    { id: "split-table-box" },
    h("p", {}, `${pick(tb, "basis")}（${pick(tb, "source")}）`, tb.by ? ` · ${t("split_by")} ${tb.by} ${tb.at}` : ""),
    h("p", { id: "split-counts" }, pick(tb, "counts")),
    table(
      [t("region_col"), t("split_basis"), t("split_share"), t("split_goal"), t("latest"), t("status"), t("split_achieved")],
      tb.rows.map((r) =>
        h(
          "tr",
          { dataset: { region: r.region.code, color: r.color } },
          h("td", {}, h("a", { href: targetHref(id, r.region.code) }, r.region.name), r.split_further ? h("span", { class: "tag" }, t("split_further")) : null),
          h("td", { class: "num" }, r.basis_text),
          h("td", { class: "num" }, r.share_text),
          h("td", { class: "num" }, r.goal_text),
          h("td", { class: "num" }, r.latest_text),
          h("td", {}, statusChip(r.color, pick(r, "status"))),
          h("td", { class: "num" }, r.achieved_text),
        ),
      ),
      { id: "split-table", class: "list" },
    ),
    h("p", { id: "split-sum", class: tb.adds_up ? "ok" : "warn", dataset: { addsUp: tb.adds_up ? "1" : "0" } }, pick(tb, "sum")),
  );
}

function versionRows(v, id) {
  return table(
    [t("region_col"), t("split_share"), t("split_goal")],
    v.rows.map((r) => [r.region.name, r.share_text, r.goal_text]),
    { id, class: "list narrow" },
  );
}

function proposalBox(s, refresh) {
  const p = s.proposal;
  if (!p) return null;
  const out = h("div", { id: "split-decision" });
  const decide = (approve) => async () => {
    clear(out);
    try {
      await api.splitDecide(p.id, approve, note.value);
      app.say(approve ? t("split_approved") : t("split_rejected"));
      refresh();
    } catch (e) {
      out.append(errorBox(e));
    }
  };
  const note = h("input", { id: "split-reject-note", placeholder: t("split_reject_reason"), size: 30 });
  return h(
    "div",
    { id: "split-proposal", class: "file-report" },
    h("h3", {}, t("split_waiting", { id: p.id, by: p.by, at: p.at })),
    h("p", {}, pick(p, "what"), p.sum_zh ? ` · ${pick(p, "sum")}` : ""),
    p.rows.length ? versionRows(p, "split-proposal-rows") : null,
    s.actions.decide
      ? h(
          "div",
          { class: "actions" },
          h("button", { type: "button", id: "split-approve", class: "primary", onclick: decide(true) }, t("split_approve")),
          note,
          h("button", { type: "button", id: "split-reject", onclick: decide(false) }, t("split_reject")),
        )
      : h("p", { class: "muted" }, t("split_waiting_for_approver")),
    out,
  );
}

function history(s) {
  if (!s.history.length) return null;
  return h(
    "details",
    { id: "split-history" },
    h("summary", {}, t("split_history", { n: s.history.length })),
    h(
      "ol",
      { reversed: true },
      s.history.map((v) =>
        h(
          "li",
          { dataset: { state: v.state } },
          `#${v.id} ${pick(v, "state")} · ${pick(v, "what")} · ${v.by || t("importer_unknown")} ${v.at}`,
          v.decided_by && v.decided_by !== v.by ? ` · ${t("split_decided_by")} ${v.decided_by} ${v.decided_at || ""}` : "",
          v.note ? ` · ${v.note}` : "",
          v.previous ? ` · ${t("split_replaces", { id: v.previous })}` : "",
          v.sum_zh ? ` · ${pick(v, "sum")}` : "",
        ),
      ),
    ),
  );
}

// The editable table of a split by hand: every child's goal, prefilled.
function handTable(rows) {
  return table(
    [t("region_col"), t("split_goal")],
    rows.map((r) =>
      h(
        "tr",
        { dataset: { region: r.region } },
        h("td", {}, r.region_name),
        h("td", {}, h("input", { type: "number", min: "0", step: "any", class: "split-hand-goal", "aria-label": r.region_name, value: r.goal == null ? "" : String(r.goal) })),
      ),
    ),
    { id: "split-hand", class: "list narrow" },
  );
}

function previewBox(p) {
  return h(
    "div",
    { id: "split-preview", dataset: { addsUp: p.adds_up ? "1" : "0" } },
    h("p", {}, `${p.target} ${pick(p, "label")}（${p.region.name}，${p.goal_text}）${pick(p, "basis")} · ${t("split_source")}：${pick(p, "source")}`),
    table(
      [t("region_col"), t("split_basis"), t("split_share"), t("split_goal")],
      p.rows.map((r) => h("tr", { dataset: { region: r.region, missing: r.goal == null ? "1" : "0" } }, h("td", {}, r.region_name), h("td", { class: "num" }, r.basis_text), h("td", { class: "num" }, r.share_text), h("td", { class: "num" }, r.goal_text))),
      { id: "split-preview-rows", class: "list" },
    ),
    h("p", { id: "split-preview-sum", class: p.adds_up ? "ok" : "warn" }, pick(p, "sum")),
  );
}

function controls(v, refresh) {
  const s = v.split;
  const c = v.cell;
  if (!s.divisible || !(s.actions.apply || s.actions.propose)) {
    return s.reason_zh ? h("p", { id: "split-cannot", class: "muted" }, pick(s, "reason")) : null;
  }
  const key = { id: c.target, region: c.region.code, asOf: app.asOf };
  const out = h("div", { id: "split-work" });
  let request = null;
  let hand = null;
  const basis = h(
    "select",
    { id: "split-basis", "aria-label": t("split_by_basis") },
    s.bases.map((b) => h("option", { value: b.id }, pick(b, "label"))),
  );
  const store = h("button", { type: "button", id: "split-store", class: "primary", disabled: true }, s.actions.apply ? t("split_apply") : t("split_propose"));
  const show = (p, req) => {
    clear(out).append(previewBox(p));
    request = p.missing.length ? null : req;
    store.disabled = !request;
  };
  const fail = (e) => {
    clear(out).append(errorBox(e));
    request = null;
    store.disabled = true;
  };
  const preview = async () => {
    try {
      if (basis.value === "hand") {
        if (!hand) {
          // Prefilled with the split in force, else with equal shares, to edit.
          const seed = s.table
            ? s.table.rows.map((r) => ({ region: r.region.code, region_name: r.region.name, goal: r.goal }))
            : (await api.splitPreview({ ...key, basis: "equal" })).rows;
          hand = handTable(seed);
          clear(out).append(hand);
          app.say(t("split_hand_hint"));
          return;
        }
        const rows = [...hand.querySelectorAll("tr[data-region]")].map((tr) => {
          const x = tr.querySelector("input").value.trim();
          return { region: tr.dataset.region, basis: null, goal: x === "" ? null : Number(x) };
        });
        const req = { ...key, rows };
        const p = await api.splitPreview(req);
        show(p, req);
        out.prepend(hand);
      } else {
        hand = null;
        const req = { ...key, basis: basis.value };
        show(await api.splitPreview(req), req);
      }
    } catch (e) {
      fail(e);
    }
  };
  basis.addEventListener("change", () => {
    hand = null;
    clear(out);
    store.disabled = true;
  });
  store.addEventListener("click", async () => {
    if (!request) return;
    store.disabled = true;
    try {
      const r = s.actions.apply ? await api.splitApply(request) : await api.splitPropose(request);
      app.say(s.actions.apply ? t("split_applied", { id: r.id }) : t("split_proposed", { id: r.id }));
      refresh();
    } catch (e) {
      fail(e);
    }
  });
  const sheet = async () => {
    try {
      const where = await api.splitSheet(key.id, key.region, key.asOf);
      app.say(t("split_sheet_saved", { path: where }));
      const acts = savedActions(where);
      if (acts) out.append(acts);
    } catch (e) {
      if (e.code !== "cancelled") fail(e);
    }
  };
  const read = async () => {
    try {
      const files = await api.pickFiles();
      if (!files.length) return;
      const p = await api.splitRead(key, files[0]);
      hand = null;
      show(p, { ...key, rows: p.rows.map((r) => ({ region: r.region, basis: r.basis, goal: r.goal })) });
    } catch (e) {
      fail(e);
    }
  };
  const clearIt = async () => {
    if (!window.confirm(t("split_confirm_clear"))) return;
    try {
      const r = await api.splitClear(key.id, key.region);
      app.say(s.actions.apply ? t("split_cleared") : t("split_proposed", { id: r.id }));
      refresh();
    } catch (e) {
      fail(e);
    }
  };
  return h(
    "div",
    { id: "split-controls" },
    h(
      "div",
      { class: "actions" },
      h("label", { class: "inline" }, t("split_by_basis"), " ", basis),
      h("button", { type: "button", id: "split-preview-button", onclick: preview }, t("split_preview")),
      store,
      h("button", { type: "button", id: "split-sheet", onclick: sheet }, t("split_sheet")),
      h("button", { type: "button", id: "split-read", onclick: read }, t("split_read")),
      s.table ? h("button", { type: "button", id: "split-clear", class: "danger", onclick: clearIt }, inHub ? t("split_propose_clear") : t("split_clear")) : null,
    ),
    inHub ? h("p", { class: "muted small" }, t("split_hub_note")) : null,
    out,
  );
}

// The section, or null when the goal here is neither split nor splittable by this viewer.
export function splitSection(v, refresh) {
  const s = v.split;
  if (!s) return null;
  const any = s.table || s.proposal || s.history.length || (s.divisible && (s.actions.apply || s.actions.propose));
  if (!any) return null;
  return h(
    "section",
    { id: "split", class: "split" },
    h("h2", {}, t("split_title", { n: s.children })),
    inForce(s, v.cell.target),
    proposalBox(s, refresh),
    controls(v, refresh),
    history(s),
  );
}
