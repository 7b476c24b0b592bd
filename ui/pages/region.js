// 地区 Region: the targets that apply to a region, its children ranked by a target's indicator
// with status colours, and the children whose return for the quarter is missing.

import { api } from "../api.js";
import { app } from "../state.js";
import { h, statusChip, table } from "../dom.js";
import { pick, t, rname } from "../i18n.js";
import { unitsSection } from "./units.js";


function regionPicker(current, jurisdictions) {
  const select = h(
    "select",
    { id: "region-select", "aria-label": t("choose_region") },
    jurisdictions.map((r) => h("option", { value: r.code, selected: r.code === current.code }, `${rname(r)} ${r.code}`)),
  );
  if (!jurisdictions.some((r) => r.code === current.code)) {
    select.prepend(h("option", { value: current.code, selected: true }, `${rname(current)} ${current.code}`));
  }
  select.addEventListener("change", () => {
    location.hash = `#/region/${select.value}`;
  });
  return h("label", { class: "inline" }, t("choose_region"), " ", select);
}

export async function renderRegion(args, query) {
  const catalog = await api.catalog();
  // The jurisdictions are the application's (the regions the documents set targets for); the
  // page opens on the office's own region when it has one, else on the first of them.
  const jurisdictions = catalog.jurisdictions;
  const office = app.info && app.info.office_region && app.info.office_region.region;
  const code = args[0] || (office && office.code) || (jurisdictions[0] && jurisdictions[0].code) || "";
  const v = await api.region(code, app.asOf, query.get("rank"));
  const targets = table(
    [t("target"), t("status"), t("latest"), t("goal"), t("deadline"), t("explanation")],
    v.targets.map((c) =>
      h(
        "tr",
        { dataset: { target: c.target, color: c.color } },
        h("td", {}, h("a", { href: `#/target/${encodeURIComponent(c.target)}?region=${v.region.code}` }, `${c.target} ${pick(c, "label")}`), c.split_from_zh ? h("div", { class: "muted small split-from" }, pick(c, "split_from")) : null),
        h("td", {}, statusChip(c.color, pick(c, "status"))),
        h("td", { class: "num" }, pick(c, "latest")),
        h("td", {}, pick(c, "goal")),
        h("td", {}, pick(c, "timing") || "—"),
        h("td", { class: "sentence" }, pick(c, "explanation")),
      ),
    ),
    { id: "region-targets", class: "list" },
  );

  let ranking;
  if (!v.children) {
    ranking = h("p", { class: "muted" }, t("no_children"));
  } else {
    const select = h(
      "select",
      { id: "rank-select" },
      v.rank_choices.map((c) => h("option", { value: c.id, selected: c.id === v.rank_target }, `${c.id} ${pick(c, "label")}`)),
    );
    select.addEventListener("change", () => {
      location.hash = `#/region/${v.region.code}?rank=${encodeURIComponent(select.value)}`;
    });
    ranking = h(
      "div",
      {},
      v.rank_choices.length ? h("label", { class: "inline" }, t("rank_by"), " ", select) : null,
      table(
        [t("rank"), t("region_col"), `${t("value")}${pick(v, "rank_unit") ? ` (${pick(v, "rank_unit")})` : ""}`, t("status")],
        v.ranking.map((r, i) =>
          h(
            "tr",
            { dataset: { region: r.region.code } },
            h("td", { class: "num" }, String(i + 1)),
            h("td", {}, h("a", { href: `#/region/${r.region.code}` }, rname(r.region))),
            h("td", { class: "num" }, r.value_text),
            h("td", {}, r.status ? statusChip(r.color, pick(r, "status")) : "—"),
          ),
        ),
        { id: "ranking", class: "list" },
      ),
    );
  }
  const missing = h(
    "div",
    {},
    v.missing.length
      ? h("ul", { id: "missing", class: "tags" }, v.missing.map((m) => h("li", {}, h("a", { href: `#/region/${m.code}` }, m.name))))
      : h("p", { id: "missing-none", class: "muted" }, v.children ? t("missing_none") : ""),
    v.incomplete.length
      ? [
          h("h3", {}, t("incomplete")),
          table(
            [t("region_col"), t("missing_metrics")],
            v.incomplete.map((x) => [rname(x.region), pick(x, "missing").join("、")]),
            { id: "incomplete", class: "list" },
          ),
        ]
      : null,
  );
  return h(
    "section",
    {},
    h("div", { class: "page-head" }, h("h1", {}, `${rname(v.region)} `, h("span", { class: "muted small" }, `${v.region.code} · ${pick(v, "level")}`)), regionPicker(v.region, jurisdictions)),
    v.parent ? h("p", {}, `${t("parent")}: `, h("a", { href: `#/region/${v.parent.code}` }, rname(v.parent))) : null,
    h("h2", {}, t("region_targets")),
    v.targets.length ? targets : h("p", { class: "muted" }, "—"),
    h("div", { class: "two-col" },
      h("div", {}, h("h2", {}, t("ranking")), ranking),
      h("div", {}, h("h2", {}, `${t("missing")} (${v.period})`), missing),
    ),
    unitsSection(v),
  );
}
