// The Import page's corrections of how a file is read, offered in place beside each refusal or
// doubtful reading: which region a name means, the period, which row is the header, which
// column names the regions — and the notes of corrections applied ("按上次的读法：…"), and the
// list of remembered readings with a way to forget each.
//
// A correction is data the importer takes ({kind, sheet, subject, value}): the page keeps the
// ones chosen until they are sent, and re-reads at once. What each problem offers comes from
// the core (`fix` of a problem); the page only draws the control.

import { api } from "../api.js";
import { errorBox } from "../state.js";
import { clear, h, table } from "../dom.js";
import { getLang, pick, t } from "../i18n.js";

// The corrections chosen on this page, by what they are about.
const chosen = new Map();

function key(c) {
  return `${c.kind}|${c.sheet || ""}|${c.subject || ""}`;
}

// Chooses a correction (or, with an empty value, takes it back) and re-reads.
function choose(c, onChange) {
  if (c.value) chosen.set(key(c), c);
  else chosen.delete(key(c));
  onChange();
}

// The corrections to send with the next preview or import.
export function readingChoices() {
  return [...chosen.values()];
}

export function clearChoices() {
  chosen.clear();
}

function current(c) {
  const got = chosen.get(key(c));
  return got ? got.value : "";
}

// The control a problem's fix offers, or null. `setPeriod` fills the page's period box.
export function fixControl(p, onChange, setPeriod) {
  const fix = p.fix;
  if (!fix) return null;
  if (fix.kind === "region") return regionFix(p, fix, onChange);
  if (fix.kind === "period") return periodFix(setPeriod);
  if (fix.kind === "header_row") return rowFix(p, fix, onChange);
  if (fix.kind === "region_column") return columnFix(p, fix, onChange);
  return null;
}

function regionFix(p, fix, onChange) {
  const c = { kind: "alias", sheet: "", subject: fix.name };
  // A short name read with a warning: keep the reading (remembered once imported).
  if (p.code === "short_name" && fix.candidates.length === 1) {
    const one = fix.candidates[0];
    return h(
      "button",
      { type: "button", class: "fix keep-reading", dataset: { name: fix.name, code: one.code }, onclick: () => choose({ ...c, value: one.code }, onChange) },
      t("fix_keep_reading", { name: fix.name, region: one.name }),
    );
  }
  const other = h("input", { type: "text", size: "7", class: "fix region-code", placeholder: "500103", pattern: "\\d{6}", "aria-label": t("fix_region_code") });
  const select = h(
    "select",
    { class: "fix region-choice", dataset: { name: fix.name }, "aria-label": t("fix_choose_region", { name: fix.name }) },
    h("option", { value: "" }, t("fix_choose_region", { name: fix.name })),
    fix.candidates.map((r) => h("option", { value: r.code }, `${r.name}（${r.code}）`)),
  );
  select.value = current({ ...c });
  select.addEventListener("change", () => choose({ ...c, value: select.value }, onChange));
  other.addEventListener("change", () => {
    if (/^\d{6}$/.test(other.value.trim())) choose({ ...c, value: other.value.trim() }, onChange);
  });
  return h("span", { class: "fix-box" }, select, " ", t("fix_or_code"), " ", other);
}

function periodFix(setPeriod) {
  const input = h("input", { type: "text", size: "8", class: "fix period-choice", placeholder: "2025Q3", "aria-label": t("period") });
  const apply = h("button", { type: "button", class: "fix period-apply" }, t("fix_apply"));
  apply.addEventListener("click", () => {
    if (input.value.trim()) setPeriod(input.value.trim());
  });
  return h("span", { class: "fix-box" }, input, " ", apply);
}

function rowFix(p, fix, onChange) {
  const c = { kind: "header_row", sheet: p.sheet, subject: "" };
  const select = h(
    "select",
    { class: "fix header-row-choice", dataset: { sheet: p.sheet }, "aria-label": t("fix_header_row") },
    h("option", { value: "" }, t("fix_header_row")),
    fix.rows.map((r) => h("option", { value: r.value }, `${t("row_n", { n: r.value })}：${r.text}`)),
  );
  select.value = current(c);
  select.addEventListener("change", () => choose({ ...c, value: select.value }, onChange));
  return select;
}

function columnFix(p, fix, onChange) {
  const c = { kind: "region_column", sheet: p.sheet, subject: "" };
  const select = h(
    "select",
    { class: "fix region-column-choice", dataset: { sheet: p.sheet }, "aria-label": t("fix_region_column") },
    h("option", { value: "" }, t("fix_region_column")),
    fix.columns.map((col) => h("option", { value: col.value }, `${col.value}：${col.text}`)),
  );
  select.value = current(c);
  select.addEventListener("change", () => choose({ ...c, value: select.value }, onChange));
  return select;
}

// The corrections applied to a file's sheets, in words, shown where the file's outcome is.
export function appliedNotes(sheets, i) {
  const notes = (sheets || []).flatMap((s) => s.applied || []);
  if (!notes.length) return null;
  const zh = getLang() === "zh";
  return h(
    "ul",
    { class: "applied-notes", id: `applied-${i}` },
    notes.map((a) => h("li", { dataset: { origin: a.origin, kind: a.kind } }, zh ? a.text_zh : a.text)),
  );
}

// The remembered readings, each with 忘记 (forget); redrawn after each change.
export async function rememberedList(box) {
  const draw = (rows) => {
    clear(box);
    if (!rows.length) {
      box.append(h("p", { class: "muted" }, t("remembered_none")));
      return;
    }
    box.append(
      table(
        [t("region_col"), t("remembered_kind"), t("remembered_about"), t("read_as"), ""],
        rows.map((r) =>
          h(
            "tr",
            { dataset: { id: String(r.id) } },
            h("td", {}, r.scope ? r.scope.name : "—"),
            h("td", {}, pick(r, "kind")),
            h("td", {}, r.subject || r.layout),
            h("td", {}, pick(r, "value")),
            h("td", {}, h("button", { type: "button", class: "link forget-reading", onclick: () => forget(r.id) }, t("forget"))),
          ),
        ),
        { class: "list", id: "remembered-readings" },
      ),
    );
  };
  const forget = async (id) => {
    try {
      draw(await api.forgetReading(id));
    } catch (e) {
      box.prepend(errorBox(e));
    }
  };
  try {
    draw(await api.readings());
  } catch (e) {
    clear(box).append(errorBox(e));
  }
}
