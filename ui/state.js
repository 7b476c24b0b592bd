// What every page shares: the app info, the as-of date, a way to re-render, the status line,
// and the error box. Pages and the shell (app.js) both import this module; it imports no page.

import { h } from "./dom.js";
import { t } from "./i18n.js";

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
export function errorBox(e) {
  const code = e && e.code ? e.code : "internal";
  return h(
    "div",
    { class: "error-box", role: "alert", dataset: { code } },
    h("strong", {}, `${t("error")}: ${t(`err_${code}`)}`),
    h("p", {}, e && e.message ? e.message : String(e)),
  );
}

