// 本地区 Home: the region an office is responsible for, as its statistician meets it — what its
// reviewer said, the return due and by when, its own figures this quarter against the last, its
// part in the targets of the regions above it, and the targets that apply to it. On the
// desktop the region is the office's jurisdiction (settings); on a hub, the account's region.

import { api, inHub } from "../api.js";
import { app, returnedNotice, shortTime } from "../state.js";
import { h, statusChip, table } from "../dom.js";
import { pick, rname, t } from "../i18n.js";

// The desktop without a jurisdiction yet: say what this page is for and where to set it.
function askForRegion() {
  return h(
    "section",
    {},
    h("h1", {}, t("home_title")),
    h("p", { id: "home-no-region", class: "hint" }, t("home_no_region"), " ", h("a", { href: "#/settings", class: "button" }, t("choose_office_region"))),
  );
}

function reviewsView(v) {
  const back = returnedNotice(v.reviews, "home-returned");
  const others = v.reviews.filter((n) => n.state !== "reopened" && n.region.code === v.region.code).slice(0, 3);
  return [
    back,
    others.length
      ? h(
          "ul",
          { id: "home-reviews", class: "muted" },
          others.map((n) => h("li", {}, t("review_line", { period: n.period, state: pick(n, "state"), by: n.by, at: shortTime(n.at) }))),
        )
      : null,
  ];
}

function dueView(due) {
  const missing = pick(due, "missing");
  return h(
    "div",
    { id: "home-due", class: `due due-${due.state}${due.days_left < 0 && due.state !== "complete" ? " late" : ""}`, dataset: { state: due.state } },
    h("strong", {}, pick(due, "text")),
    missing.length ? h("p", {}, t("still_owed"), missing.join(t("list_sep"))) : null,
    due.state !== "complete" ? h("p", {}, h("a", { href: "#/import", class: "button" }, t("go_import"))) : null,
  );
}

function figuresView(v) {
  if (!v.figures.length) return h("p", { class: "muted" }, "—");
  return table(
    [t("metric"), v.period, v.previous, t("change")],
    v.figures.map((f) =>
      h(
        "tr",
        { dataset: { metric: f.metric, jump: f.jump ? "1" : "0" } },
        h("td", {}, pick(f, "label")),
        h("td", { class: "num" }, pick(f, "now")),
        h("td", { class: "num" }, pick(f, "before")),
        h("td", { class: "num" }, pick(f, "change") || "—", f.jump ? h("span", { class: "tag jump" }, t("jump")) : null),
      ),
    ),
    { id: "home-figures", class: "list" },
  );
}

function contributionsView(v) {
  if (!v.contributions.length) return h("p", { class: "muted" }, "—");
  return h(
    "ul",
    { id: "home-contributions", class: "contributions" },
    v.contributions.map((c) =>
      h(
        "li",
        { dataset: { target: c.target } },
        h("a", { href: `#/target/${encodeURIComponent(c.target)}` }, `${c.target} ${pick(c, "label")}`),
        t("of_jurisdiction", { region: rname(c.jurisdiction) }),
        pick(c, "text"),
      ),
    ),
  );
}

function targetsView(v) {
  if (!v.targets.length) return h("p", { class: "muted" }, "—");
  return table(
    [t("target"), t("status"), t("latest"), t("goal"), t("explanation")],
    v.targets.map((c) =>
      h(
        "tr",
        { dataset: { target: c.target, color: c.color } },
        h("td", {}, h("a", { href: `#/target/${encodeURIComponent(c.target)}?region=${v.region.code}` }, `${c.target} ${pick(c, "label")}`)),
        h("td", {}, statusChip(c.color, pick(c, "status"))),
        h("td", { class: "num" }, pick(c, "latest")),
        h("td", {}, pick(c, "goal")),
        h("td", { class: "sentence" }, pick(c, "explanation")),
      ),
    ),
    { id: "home-targets", class: "list" },
  );
}

export async function renderHome(args) {
  const v = await api.home(args[0] || "", app.asOf);
  if (!v) return askForRegion();
  return h(
    "section",
    { dataset: { region: v.region.code } },
    h(
      "div",
      { class: "page-head" },
      h("h1", { id: "home-title" }, rname(v.region), " ", h("span", { class: "muted small" }, `${v.region.code} · ${pick(v, "level")}`)),
      h("span", {}, v.parent ? [t("parent"), ": ", h("a", { href: `#/region/${v.parent.code}` }, rname(v.parent)), " · "] : null, h("a", { href: `#/region/${v.region.code}` }, t("region_page")), inHub ? null : [" · ", h("a", { href: "#/settings" }, t("change_office_region"))]),
    ),
    reviewsView(v),
    dueView(v.due),
    v.has_data ? null : h("p", { id: "home-no-data", class: "hint" }, t("home_no_data")),
    h("h2", {}, t("home_figures", { now: v.period, before: v.previous })),
    figuresView(v),
    h("h2", {}, t("home_contributions")),
    contributionsView(v),
    h("h2", {}, t("region_targets")),
    targetsView(v),
  );
}
