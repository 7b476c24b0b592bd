// 设置 Settings (the desktop only): the office's jurisdiction — the region whose page the app
// opens on, whose figures the Home page shows, and which the importer reads short names in.
// Asked once at first start (the banner under the header); changed here.

import { api } from "../api.js";
import { app, errorBox } from "../state.js";
import { clear, h } from "../dom.js";
import { rname, t } from "../i18n.js";

// Three selects, province → prefecture → county; the deepest one chosen is the answer.
async function regionPicker(current) {
  const box = h("span", { id: "office-picker", class: "picker" });
  const levels = [];
  async function level(parent, depth, preselect) {
    levels.splice(depth).forEach((s) => s.remove());
    const choices = await api.regionChoices(parent);
    if (!choices.length) return;
    const select = h(
      "select",
      { id: `office-level-${depth}`, "aria-label": t(`office_level_${depth}`) },
      h("option", { value: "" }, depth === 0 ? t("choose_province") : t("whole_region")),
      choices.map((c) => h("option", { value: c.code, dataset: { children: c.has_children ? "1" : "0" } }, rname(c))),
    );
    levels.push(select);
    box.append(select);
    select.addEventListener("change", async () => {
      const chosen = select.selectedOptions[0];
      if (select.value && chosen.dataset.children === "1") await level(select.value, depth + 1, null);
      else levels.splice(depth + 1).forEach((s) => s.remove());
    });
    if (preselect && preselect[depth]) {
      select.value = preselect[depth];
      if (select.value && select.selectedOptions[0].dataset.children === "1") await level(select.value, depth + 1, preselect);
    }
  }
  // The current region's line from its province down, as the application gives it.
  await level(null, 0, current ? current.path : null);
  return { box, value: () => [...levels].reverse().map((s) => s.value).find(Boolean) || "" };
}

export async function renderSettings() {
  const office = (app.info && app.info.office_region) || { asked: false, region: null };
  const picker = await regionPicker(office.region ? office : null);
  const out = h("div", { id: "settings-result", "aria-live": "polite" });
  const save = h("button", { type: "button", id: "office-save", class: "primary" }, t("save"));
  save.addEventListener("click", async () => {
    clear(out);
    const code = picker.value();
    if (!code) {
      out.append(h("p", { class: "warn" }, t("choose_region_first")));
      return;
    }
    try {
      app.info.office_region = await api.setOfficeRegion(code);
      document.getElementById("office-banner").hidden = true;
      out.append(h("p", { class: "ok", id: "office-saved" }, t("office_saved", { region: rname(app.info.office_region.region) }), " ", h("a", { href: "#/home", class: "button" }, t("go_home"))));
    } catch (e) {
      out.append(errorBox(e));
    }
  });
  return h(
    "section",
    {},
    h("h1", {}, t("settings_title")),
    h("h2", {}, t("office_region_title")),
    h("p", { class: "muted" }, t("office_region_help")),
    h("p", { id: "office-current" }, t("office_region_now"), office.region ? h("strong", {}, `${rname(office.region)}（${office.region.code}）`) : t("office_region_none")),
    h("p", { class: "actions" }, picker.box, " ", save),
    out,
  );
}
