//! Region names read by their context, as a person reads them: a name the user said means a
//! region (an alias, given now or remembered); the name inside the jurisdiction the sheet
//! points at; a name several regions bear, told apart by the importer's own region (the hub
//! account's, the office's) or — when the table ends — by the subtotal row it stands under
//! (`finish`); a short name unique in the jurisdiction, with a warning naming the full name.

use carestaff_domain::region::{normalize_name, RegionCode, Registry};

use crate::choices::{ChoiceKind, ChoiceSet, Origin};
use crate::reading::AppliedChoice;
use crate::resolve::{ambiguous, resolve, unknown, Resolved};

/// A name the user said means a region.
#[derive(Debug, Clone)]
struct Alias {
    text: String,
    code: RegionCode,
    origin: Origin,
}

/// Resolves the region names of one table.
pub(crate) struct Names<'c> {
    registry: &'c Registry,
    sheet: String,
    /// The jurisdiction the sheet's first rows point at.
    pub hint: Option<RegionCode>,
    /// The importer's own region: the hub account's, the office's.
    importer: Option<RegionCode>,
    aliases: Vec<Alias>,
    /// The aliases applied, for the reading's notes (given ones are remembered with the
    /// table's jurisdiction once the file is imported).
    pub applied: Vec<AppliedChoice>,
}

impl<'c> Names<'c> {
    pub fn new(
        registry: &'c Registry,
        sheet: &str,
        hint: Option<RegionCode>,
        importer: Option<RegionCode>,
        choices: &'c ChoiceSet,
    ) -> Names<'c> {
        let mut aliases: Vec<Alias> = choices
            .given(ChoiceKind::Alias, sheet)
            .filter_map(|c| {
                let code: RegionCode = c.value.trim().parse().ok()?;
                registry.get(code)?;
                Some(Alias { text: normalize_name(&c.subject), code, origin: Origin::Given })
            })
            .collect();
        // A remembered alias applies where the region it names lies inside the sheet's or the
        // importer's jurisdiction (any, when neither is known): 渝中 remembered by 渝中区's
        // office reads the same in the city's file.
        let scopes: Vec<RegionCode> = hint.into_iter().chain(importer).collect();
        let remembered = choices.remembered.choices.iter().filter(|c| c.kind == ChoiceKind::Alias);
        for r in remembered {
            let Ok(code) = r.value.parse::<RegionCode>() else { continue };
            let inside = scopes.iter().any(|s| {
                registry.is_within(code, *s)
                    || registry.ancestors(*s).iter().any(|a| registry.is_within(code, *a))
            });
            if !scopes.is_empty() && !inside {
                continue;
            }
            let text = normalize_name(&r.subject);
            if aliases.iter().any(|a| a.text == text) {
                continue;
            }
            aliases.push(Alias { text, code, origin: Origin::Remembered });
        }
        Names { registry, sheet: sheet.to_string(), hint, importer, aliases, applied: Vec::new() }
    }

    /// The region the user said a name means.
    fn alias(&mut self, text: &str) -> Option<RegionCode> {
        let t = normalize_name(text);
        let a = self.aliases.iter().find(|a| a.text == t)?.clone();
        if !self.applied.iter().any(|x| x.subject == text.trim()) {
            let name = self.registry.describe(a.code);
            let (lead, lead_zh) = match a.origin {
                Origin::Given => ("as chosen", "按您的选择"),
                Origin::Remembered => ("as read last time", "按上次的读法"),
            };
            self.applied.push(AppliedChoice {
                kind: ChoiceKind::Alias,
                subject: text.trim().to_string(),
                value: a.code.to_string(),
                origin: a.origin,
                text: format!("{lead}: `{}` is {name} ({})", text.trim(), a.code),
                text_zh: format!("{lead_zh}：“{}”读作{name}（{}）", text.trim(), a.code),
            });
        }
        Some(a.code)
    }

    /// Resolves a region cell's text: an alias; the name inside the sheet's hint (and, on the
    /// last try, inside `scope`, the table's); among several, the one inside the importer's
    /// region. Row by row only the sheet's own hint decides between same-named regions: the
    /// rows read so far may be one city's while this row stands under the next city's subtotal
    /// (`finish` reads it there). With `last_try`, a name that several regions still fit is an
    /// error listing them.
    pub fn resolve(
        &mut self,
        text: &str,
        scope: Option<RegionCode>,
        cell: &str,
        last_try: bool,
    ) -> Resolved {
        if let Some(code) = self.alias(text) {
            return Resolved::Code(code, None);
        }
        let scope = if last_try { self.hint.or(scope) } else { self.hint };
        match resolve(self.registry, text, scope, &self.sheet, cell, false) {
            Resolved::Ambiguous(candidates) => {
                if let Some(found) = self.by_importer(text, &candidates, cell) {
                    return found;
                }
                match (last_try, candidates.is_empty()) {
                    (false, _) => Resolved::Ambiguous(candidates),
                    (true, true) => {
                        Resolved::Failed(unknown(self.registry, text, scope, &self.sheet, cell))
                    }
                    (true, false) => Resolved::Failed(ambiguous(
                        self.registry,
                        text,
                        &candidates,
                        &self.sheet,
                        cell,
                    )),
                }
            }
            other => other,
        }
    }

    /// The one candidate inside the importer's region (江北区 sent by the 500105 account), or a
    /// short name resolved there.
    fn by_importer(&self, text: &str, candidates: &[RegionCode], cell: &str) -> Option<Resolved> {
        let importer = self.importer?;
        if candidates.is_empty() {
            return match resolve(self.registry, text, Some(importer), &self.sheet, cell, false) {
                found @ Resolved::Code(c, _) if self.registry.is_within(c, importer) => Some(found),
                _ => None,
            };
        }
        let inside: Vec<RegionCode> =
            candidates.iter().copied().filter(|c| self.registry.is_within(*c, importer)).collect();
        match inside.as_slice() {
            [one] => Some(Resolved::Code(*one, None)),
            _ => None,
        }
    }

    /// The one region `text` can mean inside `group` (the city whose subtotal row a county
    /// stands under).
    pub fn resolve_within(&self, text: &str, group: RegionCode, cell: &str) -> Option<Resolved> {
        match resolve(self.registry, text, Some(group), &self.sheet, cell, false) {
            found @ Resolved::Code(c, _) if self.registry.is_within(c, group) => Some(found),
            Resolved::Ambiguous(c) => {
                let inside: Vec<RegionCode> =
                    c.into_iter().filter(|x| self.registry.is_within(*x, group)).collect();
                match inside.as_slice() {
                    [one] => Some(Resolved::Code(*one, None)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
