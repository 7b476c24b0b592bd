//! A row's region cell: a code (checked against the name beside it), a name read by its
//! context (see `names`), or a label that is not one region (合计, 小计, 本级).

use super::{Role, TableReader};
use crate::problem::{Code, Problem};
use crate::read::{Cell, Row};
use crate::resolve::{name_agrees, Resolved};
use crate::text::{row_label, RowLabel};
use carestaff_domain::region::RegionCode;
use carestaff_domain::values::cell_name;

/// A row's region as read: its role, the region when known, the column it was read from.
pub(super) type RowRegion = (Role, Option<RegionCode>, u32);

impl TableReader<'_> {
    /// The region of a row, from its code or name column: resolved, pending, a label, or a
    /// problem (recorded).
    pub(super) fn row_region(
        &mut self,
        row: &Row,
        code_col: Option<u32>,
        name_col: Option<u32>,
    ) -> Option<RowRegion> {
        for c in [code_col, name_col].into_iter().flatten() {
            if let Cell::Error(e) = row.get(c) {
                self.errors.push(Problem::new(
                    &self.sheet,
                    cell_name(row.index, c),
                    Code::CellError,
                    format!("the region cell shows an error ({e}): type the region's name or code into it"),
                    format!("地区单元格显示错误值（{e}）：请在该单元格填写地区名称或代码"),
                ));
                return None;
            }
        }
        let text_of = |c: Option<u32>| {
            c.map(|c| (row.get(c).text().trim().to_string(), c)).filter(|(s, _)| !s.is_empty())
        };
        let code = text_of(code_col);
        let name = text_of(name_col);
        let (label, label_col) = name.clone().or_else(|| code.clone())?;
        if let Some(kind) = row_label(&label) {
            return Some(self.labelled_row(kind, &label, label_col, code.as_ref()));
        }
        if let Some((code_text, cc)) = &code {
            match self.row_code(row, code_text, *cc, name.as_ref()) {
                Some(Ok(found)) => return Some(found),
                Some(Err(())) => return None,
                // A code column with a bad code and a name beside it: the name decides.
                None => {}
            }
        }
        let (name_text, nc) = name?;
        let cell = cell_name(row.index, nc);
        match self.names.resolve(&name_text, self.scope, &cell, false) {
            Resolved::Code(c, warning) => {
                self.warnings.extend(warning);
                Some((Role::Region, Some(c), nc))
            }
            Resolved::Ambiguous(_) => {
                let t = self.text(name_text);
                Some((Role::Pending(t), None, nc))
            }
            Resolved::Failed(p) => {
                self.errors.push(p);
                None
            }
        }
    }

    /// A 合计, 小计 or 本级 row; a code beside the label names its region (`370300 | 市本级`).
    fn labelled_row(
        &mut self,
        kind: RowLabel,
        label: &str,
        label_col: u32,
        code: Option<&(String, u32)>,
    ) -> RowRegion {
        let t = self.text(match &kind {
            RowLabel::OwnPart { named } if named.is_empty() => label.to_string(),
            RowLabel::OwnPart { named }
            | RowLabel::Total { named }
            | RowLabel::Subtotal { named } => named.clone(),
        });
        let role = match kind {
            RowLabel::OwnPart { .. } => Role::Own(t),
            RowLabel::Total { .. } => Role::Total(t),
            RowLabel::Subtotal { .. } => Role::Subtotal(t),
        };
        let region = code.and_then(|(c, _)| self.registry().resolve(c, None).ok());
        (role, region, label_col)
    }

    /// A row's code (a code needs no scope), checked against the name beside it. `None` when
    /// the code does not resolve and a name may; `Some(Err)` when the row is refused.
    fn row_code(
        &mut self,
        row: &Row,
        code_text: &str,
        cc: u32,
        name: Option<&(String, u32)>,
    ) -> Option<Result<RowRegion, ()>> {
        let registry = self.registry();
        let cell = cell_name(row.index, cc);
        match crate::resolve::resolve(registry, code_text, None, &self.sheet, &cell, true) {
            Resolved::Code(c, warning) => {
                self.warnings.extend(warning);
                if let Some((name_text, nc)) = name {
                    if !name_agrees(registry, c, name_text) {
                        self.code_name_mismatch(row, (code_text, cc, c), (name_text, *nc));
                        return Some(Err(()));
                    }
                }
                Some(Ok((Role::Region, Some(c), cc)))
            }
            Resolved::Failed(p) if name.is_none() => {
                self.errors.push(p);
                Some(Err(()))
            }
            _ => None,
        }
    }

    /// A code and a name on one row that name different regions: an error at both cells.
    fn code_name_mismatch(&mut self, row: &Row, code: (&str, u32, RegionCode), name: (&str, u32)) {
        let registry = self.registry();
        let (code_text, cc, c) = code;
        let (name_text, nc) = name;
        let cell = cell_name(row.index, cc);
        let ncell = cell_name(row.index, nc);
        let by_name =
            match crate::resolve::resolve(registry, name_text, Some(c), &self.sheet, "", true) {
                Resolved::Code(n, _) => format!("{} ({n})", registry.name_of(n)),
                _ => "no region of that name".into(),
            };
        let named = registry.name_of(c);
        self.errors.push(Problem::new(
            &self.sheet,
            cell.clone(),
            Code::CodeNameMismatch,
            format!("the code {code_text} in {cell} is {named} but the name in {ncell} says `{name_text}` ({by_name}): Carestaff cannot know which is right; correct one of them"),
            format!("{cell}的代码{code_text}是{named}，但{ncell}的名称是“{name_text}”：无法判断哪个正确，请更正其中之一"),
        ));
        self.errors.push(Problem::new(
            &self.sheet,
            ncell,
            Code::CodeNameMismatch,
            format!("`{name_text}` does not match the code {code_text} in {cell} ({named})"),
            format!("“{name_text}”与{cell}的代码{code_text}（{named}）不符"),
        ));
    }
}
