// 地区 Region: the targets that apply to a region, its children ranked by a target's indicator
// with status colours, and the children whose return for the quarter is missing.

import { api } from "../api.js";
import { app } from "../state.js";
import { h, statusChip, table } from "../dom.js";
<<<<<<< HEAD
import { pick, t } from "../i18n.js";
import { unitsSection } from "./units.js";
=======
import { pick, t, rname } from "../i18n.js";
>>>>>>> 0d747e8 (Sentences a leader reads out: the pace in words (比基期还下降了…, 为按进度应有增幅的78%) instead of a pace ratio; a yes/no item not done in its deadline's quarter is amber (needs acceleration), red once the year ends; the children that miss an each_child target named when few; a target judged at its deadline says where it stands now; English sentences with English units; RegionRef carries the English name)

// The jurisdictions the catalog's documents govern, in catalog order.
function jurisdictionsOf(catalog) {
  const seen = new Map();
  for (const d of catalog.documents) if (!seen.has(d.region.code)) seen.set(d.region.code, rname(d.region));
  return [...seen.entries()];
}

function regionPicker(current, jurisdictions) {
  const select = h(
    "select",
    { id: "region-select", "aria-label": t("choose_region") },
    jurisdictions.map(([code, name]) => h("option", { value: code, selected: code === current.code }, `${name} ${code}`)),
  );
  if (!jurisdictions.some(([code]) => code === current.code)) {
    select.prepend(h("option", { value: current.code, selected: true }, `${rname(current)} ${current.code}`));
  }
  select.addEventListener("change", () => {
    location.hash = `#/region/${select.value}`;
  });
  return h("label", { class: "inline" }, t("choose_region"), " ", select);
}

export async function renderRegion(args, query) {
  const catalog = await api.catalog();
  const jurisdictions = jurisdictionsOf(catalog);
  const code = args[0] || (jurisdictions[0] ? jurisdictions[0][0] : "500000");
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
