// 登录 Sign-in to a hub (browser only): name and password; the session then lives in an
// HttpOnly cookie the page never sees.

import { api } from "../api.js";
import { errorBox } from "../state.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";

// Renders the form; calls `onSignedIn()` once the hub has accepted the password.
export function renderSignIn(onSignedIn) {
  const name = h("input", { id: "signin-name", type: "text", autocomplete: "username", required: true, size: "24" });
  const password = h("input", { id: "signin-password", type: "password", autocomplete: "current-password", required: true, size: "24" });
  const button = h("button", { type: "submit", id: "signin-submit", class: "primary" }, t("sign_in"));
  const out = h("div", { id: "signin-result", "aria-live": "polite" });
  const form = h(
    "form",
    { id: "signin-form", class: "signin" },
    h("h1", {}, t("signin_title")),
    h("p", { class: "muted" }, t("signin_hint")),
    h("p", {}, h("label", { for: "signin-name" }, t("user_name")), h("br"), name),
    h("p", {}, h("label", { for: "signin-password" }, t("password")), h("br"), password),
    h("p", {}, button),
    out,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    clear(out);
    try {
      await api.signIn(name.value.trim(), password.value);
      password.value = "";
      onSignedIn();
    } catch (err) {
      out.append(errorBox(err));
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  setTimeout(() => name.focus(), 0);
  return h("div", { class: "page", id: "page-signin", dataset: { ready: "1" } }, form);
}
