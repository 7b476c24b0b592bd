// 报告单位 Reporting units: the section of the Region page that lists the units reporting to a
// city or province (the functional zones the documents address, and the office's own units,
// retired ones too, with their history), and — for whoever may manage them (the desktop's
// user; on a hub an admin of the region or above, checked again on the server) — the forms to
// add, rename and retire the office's own units.

import { api } from "../api.js";
import { app, errorBox } from "../state.js";
import { clear, h, table } from "../dom.js";
import { pick, t } from "../i18n.js";

function field(name, attrs = {}) {
  return h("label", { class: "field" }, h("span", {}, t(`unit_f_${name}`)), h("input", { name, id: `unit-${name}`, type: "text", ...attrs }));
}

// Runs a change, then shows the page again (or the refusal in the result box).
async function change(result, run, done) {
  clear(result);
  try {
    await run();
    app.say(done);
    app.rerender();
  } catch (err) {
    result.append(errorBox(err));
  }
}

function addForm(parent) {
  const result = h("div", { id: "unit-result", "aria-live": "polite" });
  const form = h(
    "form",
    { id: "unit-form", class: "form-grid" },
    field("name", { required: true, placeholder: t("unit_name_example") }),
    field("aliases", { placeholder: t("unit_aliases_example") }),
    field("code", { pattern: "\\d{6}", inputmode: "numeric", placeholder: t("unit_code_auto") }),
    h("p", {}, h("button", { type: "submit", class: "primary", id: "unit-add" }, t("unit_add"))),
    result,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    change(result, () => api.addUnit(parent.code, data.name, data.aliases, data.code), t("unit_added", { name: data.name }));
  });
  return form;
}

// The rename and retire controls of one of the office's own units that still reports: each
// opens a small form in the row (no browser dialog: the desktop's webview has none).
function unitActions(u, result) {
  const code = u.region.code;
  const renameForm = h(
    "form",
    { class: "inline", hidden: true, dataset: { renameForm: code } },
    h("label", {}, t("unit_new_name"), " ", h("input", { name: "name", type: "text", required: true, value: u.region.name })),
    " ",
    h("button", { type: "submit", class: "primary" }, t("save")),
  );
  renameForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = String(new FormData(renameForm).get("name")).trim();
    change(result, () => api.renameUnit(code, name), t("unit_renamed", { name }));
  });
  const retireForm = h(
    "form",
    { class: "inline", hidden: true, dataset: { retireForm: code } },
    h("span", {}, t("unit_retire_question", { name: u.region.name })),
    " ",
    h("label", {}, t("unit_retire_from"), " ", h("input", { name: "on", type: "date", required: true, value: app.info.today })),
    " ",
    h("button", { type: "submit", class: "primary" }, t("unit_retire")),
  );
  retireForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const on = String(new FormData(retireForm).get("on"));
    change(result, () => api.retireUnit(code, on), t("unit_retired", { name: u.region.name }));
  });
  const toggle = (form) => () => {
    form.hidden = !form.hidden;
  };
  return [
    h("button", { type: "button", class: "link", dataset: { rename: code }, onclick: toggle(renameForm) }, t("unit_rename")),
    " ",
    h("button", { type: "button", class: "link", dataset: { retire: code }, onclick: toggle(retireForm) }, t("unit_retire")),
    renameForm,
    retireForm,
  ];
}

function source(u) {
  if (!u.local) return h("span", { class: "quote" }, `${u.document}：“${u.quote}”`);
  return h("ul", { class: "history" }, u.history.map((x) => h("li", { dataset: { action: x.action } }, `${x.at} ${x.by ? `${x.by} ` : ""}${pick(x, "what")}`)));
}

export function unitsSection(v) {
  if (!v.takes_units && !v.units.length) return null;
  const result = h("div", { id: "unit-change-result", "aria-live": "polite" });
  const rows = v.units.map((u) =>
    h(
      "tr",
      { dataset: { unit: u.region.code, retired: u.retired ? "1" : "0" }, class: u.retired ? "off" : "" },
      h("td", { class: "nowrap" }, h("a", { href: `#/region/${u.region.code}` }, u.region.name), " ", h("span", { class: "muted small" }, u.region.code)),
      h("td", {}, u.aliases.join("、") || "—"),
      h("td", { class: "nowrap" }, u.local ? t("unit_local") : t("unit_shipped"), u.retired ? h("span", { class: "tag" }, t("unit_retired_on", { day: u.retired })) : null),
      h("td", {}, source(u), v.may_manage_units && u.local && !u.retired ? h("div", {}, unitActions(u, result)) : null),
    ),
  );
  return h(
    "div",
    { id: "units" },
    h("h2", {}, t("units_title")),
    h("p", { class: "muted small" }, t("units_hint")),
    rows.length
      ? table([t("region_col"), t("unit_aliases"), t("unit_kind"), t("unit_source")], rows, { id: "units-table", class: "list" })
      : h("p", { class: "muted", id: "units-none" }, t("units_none")),
    result,
    v.takes_units && v.may_manage_units ? [h("h3", {}, t("unit_add_title")), addForm(v.region)] : null,
  );
}
