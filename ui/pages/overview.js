// 总览 Overview: the scorecard of jurisdictions × targets, counts by colour, and the targets
// that turned red since the end of the previous quarter.

import { api } from "../api.js";
import { app, returnedForMe } from "../state.js";
import { h, statusChip, table } from "../dom.js";
import { pick, t, rname } from "../i18n.js";

function targetLink(cell) {
  return `#/target/${encodeURIComponent(cell.target)}?region=${cell.region.code}`;
}

function scoreCell(cell) {
  return h(
    "a",
    {
      href: targetLink(cell),
      class: `cell ${cell.color}`,
      dataset: { target: cell.target, color: cell.color, status: cell.status },
      title: pick(cell, "explanation"),
    },
    h("span", { class: "cell-id" }, cell.target, cell.local ? " *" : ""),
    h("span", { class: "cell-label" }, pick(cell, "label")),
    h("span", { class: "cell-status" }, pick(cell, "status")),
  );
}

function counts(c, id) {
  return h(
    "ul",
    { class: "counts", id },
    ["green", "amber", "red", "grey"].map((k) =>
      h("li", { class: `count ${k}`, dataset: { color: k } }, h("span", { class: "n", id: id ? `count-${k}` : null }, c[k]), " ", t(k)),
    ),
  );
}

// The red and amber targets, worst first, each with its sentence: readable on a projector.
function attention(list) {
  if (!list.length) return h("p", { id: "attention-none", class: "muted" }, t("attention_none"));
  return h(
    "ol",
    { id: "attention", class: "attention" },
    list.map((c) =>
      h(
        "li",
        { dataset: { target: c.target, color: c.color } },
        statusChip(c.color, pick(c, "status")),
        " ",
        h("a", { href: targetLink(c) }, `${c.target} ${pick(c, "label")}`),
        ` · ${rname(c.region)}${c.split_from_zh ? `（${pick(c, "split_from")}）` : ""}：`,
        h("span", { class: "sentence" }, pick(c, "explanation")),
      ),
    ),
  );
}

export async function renderOverview() {
  const [v, returned] = await Promise.all([api.overview(app.asOf), returnedForMe()]);
  // One header over every target cell: each row holds other targets, so columns have no name.
  const head = h(
    "thead",
    {},
    h("tr", {}, h("th", { scope: "col" }, t("jurisdiction")), h("th", { scope: "colgroup", colspan: String(Math.max(1, v.columns)) }, t("targets_in_region"))),
  );
  const rows = v.rows.map((r) =>
    h(
      "tr",
      { dataset: { region: r.region.code } },
      h(
        "th",
        { scope: "row" },
        h("a", { href: `#/region/${r.region.code}` }, rname(r.region)),
        h("div", { class: "mini-counts" }, ["green", "amber", "red", "grey"].map((k) => h("span", { class: `dot ${k}` }, r.counts[k]))),
      ),
      r.cells.map((c) => h("td", {}, scoreCell(c))),
      Array.from({ length: v.columns - r.cells.length }, () => h("td", { class: "empty" })),
    ),
  );
  const turned = v.turned_red.length
    ? table(
        [t("target"), t("region_col"), t("was"), t("status"), t("explanation")],
        v.turned_red.map((x) =>
          h(
            "tr",
            { dataset: { target: x.target } },
            h("td", {}, h("a", { href: targetLink(x) }, `${x.target} ${pick(x, "label")}`)),
            h("td", {}, rname(x.region)),
            h("td", {}, pick(x, "before")),
            h("td", {}, statusChip(x.color, pick(x, "status"))),
            h("td", { class: "sentence" }, pick(x, "explanation")),
          ),
        ),
        { id: "turned-red", class: "list" },
      )
    : h("p", { id: "turned-red-none", class: "muted" }, t("turned_red_none"));
  // At A+ (a projector) the red list comes before the scorecard (styles.css), so a leader
  // sees it on the first screen whatever the window's height.
  return h(
    "section",
    { class: "overview" },
    h("h1", {}, t("overview_title")),
    returned,
    // With no figure at all (the demonstration data removed, nothing imported yet), no
    // quarter is named or compared: say where the data comes from.
    v.has_data
      ? h("p", { class: "muted", id: "overview-period" }, `${t("period_used")} ${v.data_period} · ${t("as_of")} ${v.as_of}`)
      : h("p", { id: "no-data-yet", class: "hint" }, t("no_data_yet"), " ", h("a", { href: "#/import", class: "button" }, t("go_import"))),
    counts(v.counts, "counts"),
    h("div", { class: "scorecard-block" }, h("table", { id: "scorecard", class: "scorecard" }, head, h("tbody", {}, rows)), h("p", { class: "muted small", id: "scorecard-legend" }, t("scorecard_legend"))),
    h("div", { class: "attention-block" }, h("h2", {}, t("attention")), attention(v.attention)),
    v.has_data ? h("div", { class: "turned-block" }, h("h2", {}, t("turned_red", { now: v.period, before: v.previous_period })), turned) : null,
  );
}
