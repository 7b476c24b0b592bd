// What every page shares: the app info, the as-of date, a way to re-render, the status line,
// and the error box. Pages and the shell (app.js) both import this module; it imports no page.

import { api, inHub } from "./api.js";
import { h } from "./dom.js";
import { getLang, rname, t } from "./i18n.js";

// What every page may read: the app info, the as-of date, and a way to re-render.
export const app = {
  info: null,
  asOf: "",
  // Set by app.js: render the current page again.
  rerender: () => {},
  say: (text) => {
    document.getElementById("status-line").textContent = text;
  },
};

// Shows an error from a command: the sentence for its code, then the details.
// After the desktop saved a file: open it, or the folder it is in (a browser downloads, and
// the browser offers that itself).
export function savedActions(path) {
  if (inHub) return null;
  const open = (folder) => async () => {
    try {
      await api.openSaved(path, folder);
    } catch (e) {
      app.say(e.message);
    }
  };
  return h(
    "span",
    { class: "saved-actions" },
    h("button", { type: "button", id: "open-saved-file", onclick: open(false) }, t("open_file")),
    h("button", { type: "button", id: "open-saved-folder", onclick: open(true) }, t("open_folder")),
  );
}

export function errorBox(e) {
  const code = e && e.code ? e.code : "internal";
  return h(
    "div",
    { class: "error-box", role: "alert", dataset: { code } },
    h("strong", {}, `${t("error")}: ${t(`err_${code}`)}`),
    e && e.english
      ? h("details", {}, h("summary", {}, t("error_details")), h("p", { lang: "en" }, e.message))
      : h("p", {}, e && e.message ? e.message : String(e)),
  );
}


// One returned report as its reporter reads it: which return, who sent it back and when, and
// the reviewer's reason, until the reporter submits again.
export function returnedNotice(notes, id = "returned-notice") {
  const back = (notes || []).filter((n) => n.state === "reopened");
  if (!back.length) return null;
  return h(
    "div",
    { class: "returned", id, role: "alert" },
    h("strong", {}, t("returned_title")),
    h(
      "ul",
      {},
      back.map((n) =>
        h(
          "li",
          { dataset: { region: n.region.code, period: n.period } },
          t("returned_item", { region: rname(n.region), period: n.period, by: n.by, at: shortTime(n.at) }),
          h("q", { class: "reason" }, n.reason),
        ),
      ),
    ),
    h("p", {}, t("returned_what_to_do"), " ", h("a", { href: "#/import", class: "button" }, t("go_import"))),
  );
}

// On a hub, for an account that reports: its returns sent back (none elsewhere).
export async function returnedForMe() {
  const me = inHub && app.info && app.info.me;
  if (!me || !me.may_import) return null;
  try {
    return returnedNotice(await api.reviewNotes());
  } catch (_) {
    return null;
  }
}

// A stored time (RFC 3339) as the user reads it.
export function shortTime(stamp) {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp || "";
  return d.toLocaleString(getLang() === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}
