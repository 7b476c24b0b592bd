// 目标 Target: the status with its sentence and the pace still needed, the trend (the core's
// SVG chart when it can draw one, else the series as a table), the source clause with its exact
// words and whether the check is an interpretation, and the values with the files they came from.

import { api } from "../api.js";
import { app } from "../state.js";
import { h, statusChip, svgImage, table } from "../dom.js";
import { getLang, pick, t, rname } from "../i18n.js";
import { splitOrigin, splitSection } from "./split.js";

function targetPicker(current, catalog) {
  const options = catalog.documents.flatMap((d) => d.targets.filter((x) => x.enabled).map((x) => [x.id, pick(x, "label")]));
  if (!options.some(([id]) => id === current)) options.unshift([current, ""]);
  const select = h(
    "select",
    { id: "target-select", "aria-label": t("choose_target") },
    options.map(([id, label]) => h("option", { value: id, selected: id === current }, `${id} ${label}`)),
  );
  select.addEventListener("change", () => {
    location.hash = `#/target/${encodeURIComponent(select.value)}`;
  });
  return h("label", { class: "inline" }, t("choose_target"), " ", select);
}

export async function renderTarget(args, query) {
  // No target named: the application opens its catalog's first.
  const id = args[0] || "";
  const [v, catalog] = await Promise.all([api.target(id, query.get("region"), app.asOf, getLang()), api.catalog()]);
  const c = v.cell;
  const doc = v.document;
  const needed = pick(v, "required_per_quarter");
  const pace = needed
    ? h("p", { id: "target-pace" }, `${t("pace_needed")}: ${needed} ${t("per_quarter")}`, v.quarters_left != null ? ` · ${v.quarters_left} ${t("quarters_left")}` : "", v.pace_ratio != null ? ` · ${t("pace_ratio")} ${v.pace_ratio.toFixed(2)}` : "")
    : null;

  const hasExpected = v.series.some((p) => p.expected);
  const seriesTable = v.series.length
    ? table(
        hasExpected ? [t("period"), t("value"), t("expected")] : [t("period"), t("value")],
        v.series.map((p) => (hasExpected ? [p.period, p.value_text, p.expected || "—"] : [p.period, p.value_text])),
        { id: "series-table", class: "list narrow" },
      )
    : h("p", { class: "muted" }, t("no_values"));
  const charts = v.chart_svg
    ? h(
        "div",
        { class: "two-col charts" },
        svgImage(v.chart_svg, `${t("trend")}: ${c.target} ${pick(c, "label")}`, "target-chart"),
        v.bullet_svg ? svgImage(v.bullet_svg, `${pick(c, "status")}: ${pick(c, "explanation")}`, "target-bullet") : h("div"),
      )
    : null;
  const trend = v.chart_svg ? h("details", {}, h("summary", {}, t("series_table")), seriesTable) : seriesTable;

  const children = v.children.length
    ? h(
        "div",
        {},
        h("h2", {}, t("children_status")),
        h("ul", { class: "tags", id: "target-children" }, v.children.map((x) => h("li", {}, h("a", { href: `#/target/${encodeURIComponent(c.target)}?region=${x.region.code}` }, statusChip(x.color, `${rname(x.region)} ${pick(x, "latest")} · ${pick(x, "status")}`))))),
      )
    : null;

  const sources = v.sources.length
    ? table(
        [t("region_col"), t("metric"), t("period"), t("value"), t("current"), t("file"), t("cell"), t("imported_at")],
        v.sources.map((s) => [
          rname(s.region),
          pick(s, "metric"),
          s.period,
          s.value_text,
          s.current ? "●" : t("superseded"),
          s.file_name,
          `${s.sheet}!${s.cell}`,
          s.imported_at,
        ]),
        { id: "sources", class: "list" },
      )
    : h("p", { class: "muted", id: "sources-none" }, t("no_values"));

  return h(
    "section",
    {},
    h("div", { class: "page-head" }, h("h1", {}, `${c.target} ${pick(c, "label")} `, h("span", { class: "muted small" }, rname(c.region))), targetPicker(c.target, catalog)),
    h(
      "div",
      { class: "status-head" },
      statusChip(c.color, pick(c, "status")),
      h("span", { id: "target-latest" }, `${t("latest")} ${pick(c, "latest")}${c.period ? ` (${c.period})` : ""}`),
      // Judged at its deadline: where it stands now as well.
      pick(c, "now") ? h("span", { id: "target-now" }, `${t("now")} ${pick(c, "now")} (${c.now_period})`) : null,
      h("span", {}, `${t("goal")} ${pick(c, "goal")}`),
      h("span", {}, `${t("deadline")} ${pick(c, "timing") || "—"}`),
    ),
    splitOrigin(v.split),
    h("p", { id: "target-explanation", class: "sentence big" }, pick(c, "explanation")),
    pace,
    charts,
    h("div", { class: "two-col" },
      h("div", {}, h("h2", {}, t("trend")), trend),
      h(
        "div",
        { id: "target-source" },
        h("h2", {}, t("source")),
        h("dl", { class: "facts" },
          h("dt", {}, t("document")),
          h("dd", { id: "target-document" }, getLang() === "zh" ? doc.title : doc.title_en, doc.number ? ` ${doc.number}` : "", doc.issuer ? ` · ${doc.issuer}` : "", doc.date ? ` · ${doc.date}` : ""),
          h("dt", {}, t("clause")),
          h("dd", { id: "target-clause" }, v.clause || "—"),
          h("dt", {}, t("quote")),
          h("dd", {}, h("blockquote", { id: "target-quote", lang: "zh-CN" }, v.quote || "—")),
          h("dt", {}, t("interpretation_flag")),
          h(
            "dd",
            { id: "target-interpretation", dataset: { interpretation: v.interpretation ? "1" : "0" } },
            v.interpretation ? [h("span", { class: "tag" }, t("interpretation")), " ", v.interpretation] : t("not_interpretation"),
          ),
          v.inherited_from ? [h("dt", {}, t("inherited")), h("dd", {}, v.inherited_from)] : null,
        ),
      ),
    ),
    children,
    splitSection(v, app.rerender),
    h("h2", {}, t("sources")),
    sources,
  );
}
