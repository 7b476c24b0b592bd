// 审核 The reviewer's board (hub only): for a quarter, each child region's return — submitted,
// approved, reopened or missing, late or not, with the days left to the deadline — and, to look
// at before approving, its figures against the quarter before, the jumps and what it still
// owes. Several returns are approved at once after looking; a visible message confirms what
// was done. The hub decides who may press which (can_approve, can_reopen) and checks it again
// when pressed: an account sees only the controls it can use.

import { api } from "../api.js";
import { app, errorBox, returnedForMe, shortTime } from "../state.js";
import { clear, h, table } from "../dom.js";
import { pick, rname, t } from "../i18n.js";

// What the last action did, shown above the board after it is drawn again.
let confirmation = null;

// Who did it and when, or a dash.
function who(name, stamp) {
  if (!name) return "—";
  return [name, h("br"), h("span", { class: "muted small" }, shortTime(stamp))];
}

// The return's figures against the quarter before, and what to check.
function reviewDetails(r, period) {
  if (!r.figures.some((f) => f.now != null)) return h("span", { class: "muted" }, "—");
  const warnings = pick(r, "warnings");
  return h(
    "details",
    { class: "review-details", open: warnings.length > 0 },
    h("summary", {}, warnings.length ? h("span", { class: "warn" }, t("board_warnings", { n: warnings.length })) : t("board_figures")),
    warnings.length ? h("ul", { class: "board-warnings" }, warnings.map((w) => h("li", {}, w))) : null,
    table(
      [t("metric"), period, t("previous_quarter"), t("change")],
      r.figures.map((f) =>
        h(
          "tr",
          { dataset: { metric: f.metric, jump: f.jump ? "1" : "0" } },
          h("td", {}, pick(f, "label")),
          h("td", { class: "num" }, pick(f, "now")),
          h("td", { class: "num" }, pick(f, "before")),
          h("td", { class: "num" }, pick(f, "change") || "—", f.jump ? h("span", { class: "tag jump" }, t("jump")) : null),
        ),
      ),
      { class: "list figures" },
    ),
  );
}

export async function renderBoard(args, query) {
  const region = query.get("region") || "";
  const period = query.get("period") || "";
  const [view, returned] = await Promise.all([api.board(region, period), returnedForMe()]);
  const periodInput = h("input", { id: "board-period", type: "text", size: "8", value: view.period, pattern: "\\d{4}Q[1-4]" });
  const show = h("button", { type: "button", id: "board-show" }, t("show"));
  show.addEventListener("click", () => {
    location.hash = `#/board?region=${view.region.code}&period=${encodeURIComponent(periodInput.value.trim())}`;
  });
  const out = h("div", { id: "board-result", "aria-live": "polite" });
  const done = confirmation;
  confirmation = null;

  // Approves the chosen returns one by one (the hub checks each); says what was done.
  async function approve(rows) {
    clear(out);
    const ok = [];
    const failed = [];
    for (const r of rows) {
      try {
        await api.approve(r.region.code, view.period);
        ok.push(rname(r.region));
      } catch (e) {
        failed.push(errorBox(e));
      }
    }
    confirmation = ok.length ? t("approved_many", { n: ok.length, period: view.period, names: ok.join("、") }) : null;
    if (confirmation) app.say(confirmation);
    if (failed.length) out.append(...failed);
    else app.rerender();
  }

  async function reopen(row, reasonInput) {
    clear(out);
    try {
      await api.reopen(row.region.code, view.period, reasonInput.value.trim());
      confirmation = t("reopened_ok", { name: rname(row.region) });
      app.rerender();
    } catch (e) {
      out.append(errorBox(e));
    }
  }

  const chosen = new Set();
  const approveChosen = h("button", { type: "button", id: "approve-chosen", class: "primary", disabled: true }, t("approve_chosen", { n: 0 }));
  const refresh = () => {
    approveChosen.disabled = chosen.size === 0;
    approveChosen.textContent = t("approve_chosen", { n: chosen.size });
  };
  approveChosen.addEventListener("click", () => approve(view.rows.filter((r) => chosen.has(r.region.code))));
  const approvable = view.rows.filter((r) => r.can_approve);

  const rows = view.rows.map((r) => {
    const actions = [];
    let pickBox = null;
    if (r.can_approve) {
      pickBox = h("input", { type: "checkbox", class: "approve-pick", "aria-label": t("choose_for_approval", { name: rname(r.region) }), dataset: { region: r.region.code } });
      pickBox.addEventListener("change", () => {
        if (pickBox.checked) chosen.add(r.region.code);
        else chosen.delete(r.region.code);
        refresh();
      });
      actions.push(h("button", { type: "button", class: "approve", onclick: () => approve([r]) }, t("approve")));
    }
    if (r.can_reopen) {
      const reason = h("input", { type: "text", class: "reason", size: "24", placeholder: t("reopen_reason"), "aria-label": t("reopen_reason") });
      const b = h("button", { type: "button", class: "reopen" }, t("reopen"));
      b.addEventListener("click", () => {
        if (!reason.value.trim()) {
          reason.focus();
          app.say(t("reopen_reason_needed"));
          return;
        }
        reopen(r, reason);
      });
      actions.push(reason, " ", b);
    }
    const missing = pick(r, "missing").length ? pick(r, "missing").join("、") : "—";
    return h(
      "tr",
      { dataset: { region: r.region.code, state: r.state, late: r.late ? "1" : "0" } },
      approvable.length ? h("td", {}, pickBox) : null,
      h("th", { scope: "row" }, h("a", { href: `#/region/${r.region.code}` }, rname(r.region)), " ", h("span", { class: "muted mono" }, r.region.code)),
      h("td", {}, h("span", { class: `chip review-${r.state}` }, pick(r, "state")), r.late ? h("span", { class: "tag late" }, t("late")) : null),
      h("td", { class: "review-cell" }, reviewDetails(r, view.period)),
      h("td", {}, missing),
      h("td", {}, who(r.submitted_by, r.submitted_at)),
      h("td", {}, who(r.reviewed_by, r.reviewed_at), r.reason ? h("div", { class: "reason-text" }, `${t("reopen_reason")}：${r.reason}`) : null),
      h("td", { class: "row-actions" }, actions),
    );
  });
  const selectAll = approvable.length
    ? h("input", { type: "checkbox", id: "approve-all", "aria-label": t("choose_all") })
    : null;
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      for (const box of document.querySelectorAll("#board input.approve-pick")) {
        box.checked = selectAll.checked;
        if (box.checked) chosen.add(box.dataset.region);
        else chosen.delete(box.dataset.region);
      }
      refresh();
    });
  }
  const heads = [t("region_col"), t("review_state"), t("board_review"), t("missing_metrics"), t("submitted"), t("reviewed"), ""];
  return h(
    "section",
    {},
    h("h1", {}, `${t("board_title")} · ${rname(view.region)} ${view.period}`),
    done ? h("div", { class: "confirm-box", id: "board-confirmation", role: "status" }, done) : null,
    returned,
    h("p", { id: "board-summary", class: "summary-line" }, pick(view, "text")),
    h("p", { class: "actions" }, h("label", { for: "board-period" }, t("period")), " ", periodInput, " ", show, approvable.length ? [" ", approveChosen] : null),
    h(
      "table",
      { id: "board", class: "list" },
      h("thead", {}, h("tr", {}, approvable.length ? h("th", { scope: "col" }, selectAll) : null, heads.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows),
    ),
    out,
  );
}
