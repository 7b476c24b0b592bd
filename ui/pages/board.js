// 审核 The reviewer's board (hub only): for a quarter, each child region's return — submitted,
// approved, reopened or missing, late or not, with the days left to the deadline — and the
// reviewer's approve / reopen buttons. The hub decides who may press which (can_approve,
// can_reopen) and checks it again when pressed.

import { api } from "../api.js";
import { app, errorBox } from "../state.js";
import { clear, h, table } from "../dom.js";
import { getLang, pick, t, rname } from "../i18n.js";

function localTime(stamp) {
  if (!stamp) return "";
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  return d.toLocaleString(getLang() === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

// Who did it and when, or a dash.
function who(name, stamp) {
  if (!name) return "—";
  return [name, h("br"), h("span", { class: "muted small" }, localTime(stamp))];
}

export async function renderBoard(args, query) {
  const region = query.get("region") || "";
  const period = query.get("period") || "";
  const view = await api.board(region, period);
  const periodInput = h("input", { id: "board-period", type: "text", size: "8", value: view.period, pattern: "\\d{4}Q[1-4]" });
  const show = h("button", { type: "button", id: "board-show" }, t("show"));
  show.addEventListener("click", () => {
    location.hash = `#/board?region=${view.region.code}&period=${encodeURIComponent(periodInput.value.trim())}`;
  });
  const out = h("div", { id: "board-result", "aria-live": "polite" });

  async function act(row, reopen, reasonInput) {
    clear(out);
    try {
      if (reopen) await api.reopen(row.region.code, view.period, reasonInput.value.trim());
      else await api.approve(row.region.code, view.period);
      app.say(reopen ? t("reopened_ok", { name: rname(row.region) }) : t("approved_ok", { name: rname(row.region) }));
      app.rerender();
    } catch (e) {
      out.append(errorBox(e));
    }
  }

  const rows = view.rows.map((r) => {
    const actions = [];
    if (r.can_approve) {
      actions.push(h("button", { type: "button", class: "primary approve", onclick: () => act(r, false) }, t("approve")));
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
        act(r, true, reason);
      });
      actions.push(reason, " ", b);
    }
    const missing = pick(r, "missing").length ? pick(r, "missing").join("、") : "—";
    return h(
      "tr",
      { dataset: { region: r.region.code, state: r.state, late: r.late ? "1" : "0" } },
      h("th", { scope: "row" }, h("a", { href: `#/region/${r.region.code}` }, rname(r.region)), " ", h("span", { class: "muted mono" }, r.region.code)),
      h("td", {}, h("span", { class: `chip review-${r.state}` }, pick(r, "state")), r.late ? h("span", { class: "tag late" }, t("late")) : null),
      h("td", {}, missing),
      h("td", {}, who(r.submitted_by, r.submitted_at)),
      h("td", {}, who(r.reviewed_by, r.reviewed_at), r.reason ? h("div", { class: "reason-text" }, `${t("reopen_reason")}：${r.reason}`) : null),
      h("td", { class: "row-actions" }, actions),
    );
  });
  return h(
    "section",
    {},
    h("h1", {}, `${t("board_title")} · ${rname(view.region)} ${view.period}`),
    h("p", { id: "board-summary", class: "summary-line" }, pick(view, "text")),
    h("p", {}, h("label", { for: "board-period" }, t("period")), " ", periodInput, " ", show),
    table([t("region_col"), t("review_state"), t("missing_metrics"), t("submitted"), t("reviewed"), ""], rows, { id: "board", class: "list" }),
    out,
  );
}
