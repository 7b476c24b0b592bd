// The shell of the page: the header (navigation, as-of date, language, text size), the
// demonstration-data banner, and a hash router that renders one page at a time. What pages
// share lives in state.js, so pages never import this module (no import cycle).

import { api, inHub } from "./api.js";
import { clear, h } from "./dom.js";
import { app, errorBox } from "./state.js";
import { getLang, setLang, t } from "./i18n.js";
import { renderOverview } from "./pages/overview.js";
import { renderRegion } from "./pages/region.js";
import { renderTarget } from "./pages/target.js";
import { renderImport } from "./pages/import.js";
import { renderReports } from "./pages/reports.js";
import { renderCatalog } from "./pages/catalog.js";
import { renderBoard } from "./pages/board.js";
import { renderSignIn } from "./pages/signin.js";
import { renderHome } from "./pages/home.js";
import { renderSettings } from "./pages/settings.js";

const pages = {
  home: renderHome,
  overview: renderOverview,
  region: renderRegion,
  target: renderTarget,
  import: renderImport,
  reports: renderReports,
  catalog: renderCatalog,
  board: renderBoard,
  settings: renderSettings,
};

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const [page, ...rest] = path.split("/").filter(Boolean);
  return { page: pages[page] ? page : "overview", args: rest.map(decodeURIComponent), query: new URLSearchParams(query) };
}

let renderCount = 0;

async function route() {
  const { page, args, query } = parseHash();
  const main = document.getElementById("main");
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const mine = ++renderCount;
  const container = h("div", { class: "page", id: `page-${page}` }, h("p", { class: "muted" }, t("loading")));
  clear(main).append(container);
  try {
    const node = await pages[page](args, query);
    if (mine !== renderCount) return;
    clear(container).append(node);
    container.dataset.ready = "1";
  } catch (e) {
    if (mine !== renderCount) return;
    clear(container).append(errorBox(e));
    container.dataset.ready = "1";
  }
}

function applyLanguage() {
  document.getElementById("app-title").textContent = t("app_title");
  document.getElementById("skip-link").textContent = t("skip");
  for (const a of document.querySelectorAll("#nav a")) a.textContent = t(`nav_${a.dataset.page}`);
  document.getElementById("as-of-label").textContent = t("as_of");
  document.getElementById("as-of").title = t("as_of_hint");
  document.getElementById("lang-toggle").textContent = t("language");
  document.getElementById("zoom-toggle").title = t("larger");
  document.getElementById("demo-text").textContent = t("demo_banner");
  document.getElementById("remove-demo").textContent = t("remove_demo");
  document.getElementById("remove-demo-question").textContent = t("confirm_remove_demo");
  document.getElementById("remove-demo-yes").textContent = t("remove_demo");
  document.getElementById("remove-demo-no").textContent = t("cancel");
  document.getElementById("sign-out").textContent = t("sign_out");
  document.getElementById("office-question").textContent = t("office_question");
  document.getElementById("office-choose").textContent = t("choose_office_region");
  document.getElementById("office-later").textContent = t("not_now");
  const me = app.info && app.info.me;
  if (me) {
    const zh = getLang() === "zh";
    const role = zh ? me.role_zh : me.account.role;
    const region = zh ? me.account.region_name : me.region_name_en || me.account.region_name;
    document.getElementById("account-name").textContent = t("signed_in_as", { name: me.account.name, region, role });
  }
  document.title = `Carestaff — ${t("app_title")}`;
  // The About line: the version every package and `carestaff --version` agree on.
  if (app.info && app.info.version) {
    document.getElementById("about").textContent = app.info.hub
      ? t("about_hub", { version: app.info.version })
      : t("about", { version: app.info.version, db: app.info.db_path });
  }
}

function refreshBanner() {
  document.getElementById("demo-banner").hidden = !(app.info && app.info.demo);
  // On a hub only an admin may remove the demonstration data.
  const me = app.info && app.info.me;
  document.getElementById("remove-demo").hidden = Boolean(me && !me.may_admin);
}

// In a browser: the sign-in form until the hub accepts a password, then the app.
function showSignIn() {
  const main = document.getElementById("main");
  document.getElementById("account").hidden = true;
  clear(main).append(renderSignIn(() => location.reload()));
  document.body.dataset.ready = "1";
}

function applyZoom(on) {
  document.documentElement.classList.toggle("large", on);
  document.getElementById("zoom-toggle").setAttribute("aria-pressed", on ? "true" : "false");
}

async function start() {
  const main = document.getElementById("main");
  const progress = h("progress", { max: "1", value: "0", id: "start-progress" });
  clear(main).append(h("div", { class: "page" }, h("p", {}, t("seeding")), progress));
  try {
    app.info = await api.start((p) => {
      progress.max = p.total;
      progress.value = p.done;
    });
  } catch (e) {
    if (inHub && e.code === "unauthenticated") {
      setLang(localStorage.getItem("carestaff.lang") || "zh");
      applyLanguage();
      showSignIn();
      return;
    }
    clear(main).append(errorBox(e));
    return;
  }
  // The office's jurisdiction is the desktop's setting (a hub account has its region).
  document.getElementById("nav-settings").hidden = Boolean(app.info.hub);
  const officeBanner = document.getElementById("office-banner");
  officeBanner.hidden = Boolean(app.info.hub) || Boolean(app.info.office_region && app.info.office_region.asked);
  document.getElementById("office-later").addEventListener("click", async () => {
    officeBanner.hidden = true;
    try {
      app.info.office_region = await api.setOfficeRegion("");
    } catch (e) {
      app.say(e.message);
    }
  });
  document.getElementById("office-choose").addEventListener("click", () => {
    officeBanner.hidden = true;
  });
  if (app.info.hub) {
    document.getElementById("nav-board").hidden = !app.info.me.may_review;
    document.getElementById("account").hidden = false;
    document.getElementById("sign-out").addEventListener("click", async () => {
      try {
        await api.signOut();
      } finally {
        location.hash = "";
        location.reload();
      }
    });
    // A session that ends while the page is open (8 hours unused, or the account switched off).
    window.addEventListener("carestaff-signed-out", showSignIn);
  }
  setLang(app.info.language);
  app.asOf = app.info.today;
  const asOf = document.getElementById("as-of");
  asOf.value = app.asOf;
  // The date as typed is read by the application (its forms and the years it allows); a date
  // it refuses leaves the pages where they were, with its reason.
  asOf.addEventListener("change", async () => {
    let date;
    try {
      date = await api.checkDate(asOf.value);
    } catch (e) {
      app.say(e.message);
      asOf.value = app.asOf;
      asOf.setAttribute("aria-invalid", "true");
      return;
    }
    asOf.removeAttribute("aria-invalid");
    asOf.value = date;
    app.asOf = date;
    asOf.dataset.applied = date;
    route();
  });
  document.getElementById("lang-toggle").addEventListener("click", async () => {
    const next = getLang() === "zh" ? "en" : "zh";
    setLang(next);
    applyLanguage();
    route();
    try {
      await api.setLanguage(next);
    } catch (e) {
      app.say(e.message);
    }
  });
  const zoomed = localStorage.getItem("carestaff.large") === "1";
  applyZoom(zoomed);
  document.getElementById("zoom-toggle").addEventListener("click", () => {
    const on = !document.documentElement.classList.contains("large");
    localStorage.setItem("carestaff.large", on ? "1" : "0");
    applyZoom(on);
  });
  // Removing the demonstration data asks once more inside the banner (no modal dialog).
  const confirmBox = document.getElementById("remove-demo-confirm");
  document.getElementById("remove-demo").addEventListener("click", () => {
    confirmBox.hidden = false;
    document.getElementById("remove-demo-yes").focus();
  });
  document.getElementById("remove-demo-no").addEventListener("click", () => {
    confirmBox.hidden = true;
  });
  document.getElementById("remove-demo-yes").addEventListener("click", async () => {
    confirmBox.hidden = true;
    try {
      const n = await api.removeDemoData();
      app.info.demo = false;
      refreshBanner();
      app.say(t("demo_removed", { n }));
      route();
    } catch (e) {
      app.say(e.message);
    }
  });
  // The skip link moves the focus to the page without touching the hash (the router's).
  document.getElementById("skip-link").addEventListener("click", (e) => {
    e.preventDefault();
    document.getElementById("main").focus();
  });
  applyLanguage();
  refreshBanner();
  window.addEventListener("hashchange", route);
  if (app.info.start_page && !location.hash) history.replaceState(null, "", app.info.start_page);
  document.body.dataset.ready = "1";
  route();
}

app.rerender = () => route();
start();
