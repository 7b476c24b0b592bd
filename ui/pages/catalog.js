// 目标库 Catalog: the documents, their clauses and targets; local targets (from documents not
// in the built-in catalog) can be added and switched on or off.

import { api } from "../api.js";
import { app, errorBox } from "../state.js";
import { clear, h, table } from "../dom.js";
import { getLang, pick, t, rname } from "../i18n.js";

function timingText(x) {
  if (x.timing.type === "deadline") return x.timing.date;
  return t(x.timing.type);
}

function localForm(metrics, comparators) {
  const field = (name, attrs = {}) =>
    h("label", { class: "field" }, h("span", {}, t(`f_${name}`)), h("input", { name, id: `local-${name}`, type: "text", ...attrs }));
  const metric = h(
    "select",
    { name: "metric", id: "local-metric" },
    metrics.map((m) => h("option", { value: m.id }, `${pick(m, "label")} (${m.unit})`)),
  );
  const comparator = h("select", { name: "comparator", id: "local-comparator" }, comparators.map((c) => h("option", { value: c }, c)));
  const result = h("div", { id: "local-result", "aria-live": "polite" });
  const form = h(
    "form",
    { id: "local-form", class: "form-grid" },
    field("id", { required: true, placeholder: "YZ-1" }),
    field("document_title", { required: true }),
    field("document_number"),
    field("clause"),
    field("quote"),
    field("region", { required: true, placeholder: "500103", pattern: "\\d{6}" }),
    field("label_zh", { required: true }),
    field("label_en"),
    h("label", { class: "field" }, h("span", {}, t("f_metric")), metric),
    h("label", { class: "field" }, h("span", {}, t("f_comparator")), comparator),
    h(
      "label",
      { class: "field" },
      h("span", {}, t("f_goal")),
      h("input", { name: "goal", id: "local-goal", type: "text", required: true, inputmode: "decimal" }),
    ),
    field("deadline", { type: "date" }),
    h("p", {}, h("button", { type: "submit", class: "primary", id: "local-save" }, t("save"))),
    result,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    // The goal goes as typed (１２，０００ too): the application reads it and says why not.
    clear(result);
    try {
      await api.addLocalTarget(data);
      app.say(t("saved"));
      app.rerender();
    } catch (err) {
      result.append(errorBox(err));
    }
  });
  return form;
}

export async function renderCatalog() {
  const v = await api.catalog();
  const docs = v.documents.map((d) =>
    h(
      "article",
      { class: "document", dataset: { document: d.id } },
      h("h2", {}, getLang() === "zh" ? d.title : d.title_en, d.local ? h("span", { class: "tag" }, t("local")) : null),
      h("p", { class: "muted" }, [rname(d.region), d.number, d.issuer, d.date].filter(Boolean).join(" · ")),
      d.note ? h("p", { class: "muted small" }, d.note) : null,
      table(
        [t("target"), t("clause"), t("goal"), t("deadline"), t("quote"), ""],
        d.targets.map((x) => {
          let toggle = "";
          if (x.local) {
            toggle = h(
              "button",
              {
                type: "button",
                class: "link",
                dataset: { toggle: x.id },
                onclick: async () => {
                  try {
                    await api.setLocalTargetEnabled(x.id, !x.enabled);
                    app.rerender();
                  } catch (e) {
                    app.say(e.message);
                  }
                },
              },
              x.enabled ? t("switch_off") : t("switch_on"),
            );
          }
          return h(
            "tr",
            { dataset: { target: x.id, enabled: x.enabled ? "1" : "0" }, class: x.enabled ? "" : "off" },
            h("td", {}, h("a", { href: `#/target/${encodeURIComponent(x.id)}` }, x.id), " ", pick(x, "label"), x.interpretation ? h("span", { class: "tag", title: x.interpretation }, t("interpretation")) : null),
            h("td", {}, x.clause),
            h("td", {}, x.goal, x.scope === "each_child" ? ` (${t("each_child")})` : ""),
            h("td", { class: "nowrap" }, timingText(x)),
            h("td", { class: "quote" }, x.quote),
            h("td", {}, x.local ? [x.enabled ? t("enabled") : t("disabled"), " ", toggle] : ""),
          );
        }),
        { class: "list" },
      ),
    ),
  );
  return h("section", {}, h("h1", {}, t("catalog_title")), docs, h("h2", {}, t("add_local")), localForm(v.metrics, v.comparators));
}
