// 报表 Reports: the exports this build can make (the app tells which); nothing else is shown,
// so there is never a button that cannot work.

import { api } from "../api.js";
import { app, errorBox, savedActions } from "../state.js";
import { clear, h } from "../dom.js";
import { getLang, pick, t, rname } from "../i18n.js";

const labels = {
  report: "export_report",
  template: "export_template",
  chart_png: "export_chart_png",
};

export async function renderReports() {
  const exports = (app.info && app.info.exports) || [];
  if (!exports.length) {
    return h("section", {}, h("h1", {}, t("reports_title")), h("p", { id: "reports-none", class: "muted" }, t("reports_none")));
  }
  const catalog = await api.catalog();
  const region = h(
    "select",
    { id: "export-region" },
    h("option", { value: "" }, t("all_regions")),
    catalog.jurisdictions.map((r) => h("option", { value: r.code }, `${rname(r)} ${r.code}`)),
  );
  const targetSelect = h(
    "select",
    { id: "export-target" },
    catalog.documents.flatMap((d) => d.targets.filter((x) => x.enabled).map((x) => h("option", { value: x.id }, `${x.id} ${pick(x, "label")}`))),
  );
  const out = h("div", { id: "export-result", "aria-live": "polite" });
  // With CARESTAFF_TEST_HOOKS=1 the end-to-end tests give the path instead of using the dialog.
  const hookPath = app.info && app.info.test_hooks ? h("input", { id: "export-path", type: "text", size: "60" }) : null;
  const progress = h("progress", { id: "export-progress", hidden: true, max: "1", value: "0" });
  const buttons = exports.map((kind) => {
    const b = h("button", { type: "button", id: `export-${kind}`, class: "primary" }, t(labels[kind] || kind));
    b.addEventListener("click", async () => {
      b.disabled = true;
      progress.hidden = false;
      clear(out);
      try {
        const request = {
          kind,
          as_of: app.asOf,
          region: region.value || null,
          target: kind === "chart_png" ? targetSelect.value : null,
          lang: getLang(),
          path: hookPath ? hookPath.value.trim() || null : null,
        };
        const path = await api.exportFile(request, (p) => {
          progress.max = Math.max(1, p.total);
          progress.value = p.done;
        });
        out.append(h("p", { class: "ok" }, `${t("saved_to")} `, h("span", { class: "mono", id: "export-saved" }, path), " ", savedActions(path)));
      } catch (e) {
        if (e.code !== "cancelled") out.append(errorBox(e));
      } finally {
        b.disabled = false;
        syncButtons();
        progress.hidden = true;
      }
    });
    let hint = null;
    if (kind === "template") hint = h("span", { class: "muted small" }, ` ${t("template_hint")}`);
    if (kind === "chart_png") hint = h("label", { class: "inline" }, ` ${t("chart_target")} `, targetSelect);
    return h("li", {}, b, hint);
  });
  // The template is for one region's children: its button waits for a region.
  const syncButtons = () => {
    for (const li of buttons) {
      const b = li.firstChild;
      if (b.id === "export-template") b.disabled = !region.value;
    }
  };
  region.addEventListener("change", syncButtons);
  syncButtons();
  return h(
    "section",
    {},
    h("h1", {}, t("reports_title")),
    h("p", {}, h("label", { for: "export-region" }, t("region_for_export")), " ", region, " · ", `${t("as_of")} ${app.asOf}`),
    hookPath ? h("p", { class: "test-hook" }, h("label", { for: "export-path" }, t("test_path")), " ", hookPath) : null,
    h("ul", { class: "export-list" }, buttons),
    progress,
    out,
  );
}
