//! What cell text means: header names folded to a comparable key, units and their scale,
//! numbers as offices write them, marks that mean "nothing here", periods and year-to-date
//! spans in the usual Chinese spellings, and the labels of rows that are not one region
//! (合计, 小计, 本级).

use carestaff_domain::period::Period;
use carestaff_domain::values::Span;

/// Full-width ASCII (Ａ-Ｚ, ０-９, （）, ％ …) to half-width; ideographic, non-breaking and other
/// typographic spaces to a space; `【】〔〕` to `[]`; dashes used in spans to `-`.
pub fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' | '\u{a0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            _ => c,
        })
        .collect()
}

/// Characters that take no room and mean nothing (zero-width spaces, byte-order marks).
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// Drops footnote marks: circled and parenthesised numbers (①, ⑴, ❶), superscript digits (¹),
/// and the usual asterisks and symbols (*, ※, △, ▲, ★, †).
pub fn strip_footnotes(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            !matches!(c,
                '\u{2460}'..='\u{24FF}' | '\u{2776}'..='\u{2793}' | '\u{00B9}' | '\u{00B2}' | '\u{00B3}'
                | '\u{2070}'..='\u{2079}' | '*' | '＊' | '※' | '△' | '▲' | '★' | '☆' | '†' | '‡' | '#')
        })
        .collect()
}

/// Drops the list numbering in front of a form's indicator (`一、`, `（一）`, `1.`, `(1)`,
/// `1、`), when text follows it.
pub fn strip_numbering(s: &str) -> String {
    let t = s.trim_start();
    let chinese = |c: char| "一二三四五六七八九十".contains(c);
    let rest = if let Some(inner) = t.strip_prefix('(').or_else(|| t.strip_prefix('（')) {
        // (一) (1) （1）
        let n = inner.chars().take_while(|&c| c.is_ascii_digit() || chinese(c)).count();
        let after: String = inner.chars().skip(n).collect();
        if n > 0 && n <= 3 {
            after.strip_prefix(')').or_else(|| after.strip_prefix('）')).map(str::to_string)
        } else {
            None
        }
    } else {
        let n = t.chars().take_while(|&c| c.is_ascii_digit() || chinese(c)).count();
        let after: String = t.chars().skip(n).collect();
        if n > 0 && n <= 3 {
            ['、', '.', '．', ')', '）', ':', '：']
                .iter()
                .find_map(|p| after.strip_prefix(*p))
                // "1.5万" is a number, not a numbered item.
                .filter(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string)
        } else {
            None
        }
    };
    match rest {
        Some(r) if !r.trim().is_empty() => r,
        _ => s.to_string(),
    }
}

/// Text in brackets that is a footnote reference (`注1`, `注`, `1`, `见说明`), not a name or unit.
fn is_note_mark(inner: &str) -> bool {
    let t = inner.trim();
    (!t.is_empty() && t.len() <= 3 && t.chars().all(|c| c.is_ascii_digit()))
        || (t.starts_with('注') && t.chars().count() <= 4)
        || t.starts_with("见")
}

/// Text in a header that says when its figures are from rather than what they are: 本季度,
/// 本期, 本年累计, 累计, 期末, a month span (1-6月, 1至9月累计), a quarter (二季度).
pub fn is_period_qualifier(inner: &str) -> bool {
    let t: String = to_half_width(inner).chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return false;
    }
    if matches!(
        t.as_str(),
        "本季度"
            | "本季"
            | "本期"
            | "本期数"
            | "本年"
            | "本年累计"
            | "累计"
            | "本期累计"
            | "期末"
            | "季末"
            | "年末"
            | "当期"
            | "当季"
            | "本季度末"
            | "年初至今"
            | "季度末"
            | "期末数"
    ) {
        return true;
    }
    let stripped = t.trim_end_matches("累计").trim_end_matches("合计");
    let month_span = stripped.ends_with('月')
        && stripped.trim_end_matches('月').split(['-', '—', '–', '~', '～', '至', '到']).count()
            == 2
        && stripped
            .trim_end_matches('月')
            .split(['-', '—', '–', '~', '～', '至', '到'])
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let quarter = stripped.ends_with("季度")
        && stripped.chars().count() <= 4
        && "一二三四1234第".contains(stripped.chars().next().unwrap_or('x'));
    month_span || quarter
}

/// A header split into its comparable key and the unit written in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderKey {
    /// The folded name, e.g. `养老护理员` for `其中：养老护理员数（人）`.
    pub key: String,
    /// The unit written in brackets or after a slash, e.g. `万人`.
    pub unit: Option<String>,
}

/// Folds a header (or a metric label) to the key used to compare them: half-width, footnote
/// marks and list numbering dropped, no white space or line breaks (so characters spaced out
/// for alignment read as one word), units in brackets taken out, `其中：` and list punctuation
/// dropped, `60周岁` → `60岁`, `及以上` → `以上`, and a trailing `人数` / `数` / `总数` removed.
pub fn header_key(raw: &str) -> HeaderKey {
    let s: String = strip_numbering(&strip_footnotes(&to_half_width(raw)))
        .chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .collect();
    let mut unit = None;
    let mut out = String::new();
    let mut depth = 0;
    let mut bracket = String::new();
    for c in s.chars() {
        match c {
            '(' | '[' | '<' | '《' => {
                depth += 1;
                bracket.clear();
            }
            ')' | ']' | '>' | '》' if depth > 0 => {
                depth -= 1;
                let inner =
                    bracket.trim_start_matches("单位:").trim_start_matches("单位").to_string();
                if is_unit(&inner) {
                    unit = Some(inner);
                } else if is_note_mark(&inner) || is_period_qualifier(&inner) {
                    // (注1), [1]: a footnote reference; (本季度), (1-6月累计): when the figure is
                    // from, read separately (`says_year_to_date`). Neither is part of the name.
                } else {
                    // A bracket that is not a unit is part of the name (养老护理员(持证)).
                    out.push_str(&inner);
                }
            }
            _ if depth > 0 => bracket.push(c),
            _ => out.push(c),
        }
    }
    if let Some((name, u)) = out.rsplit_once('/') {
        if is_unit(u) {
            unit = Some(u.to_string());
            out = name.to_string();
        }
    }
    let mut key = out
        .replace("其中:", "")
        .replace("其中", "")
        .replace("60周岁", "60岁")
        .replace("及以上", "以上");
    // 1-6月培训人次, 1至9月培训人次: a month span in front is when the figure is from.
    if let Some(i) = key.find('月') {
        let (span, rest) = key.split_at(i + '月'.len_utf8());
        if is_period_qualifier(span) && rest.chars().count() >= 2 {
            key = rest.to_string();
        }
    }
    key.retain(|c| {
        !matches!(
            c,
            ':' | '、' | ',' | '，' | '-' | '_' | '·' | '/' | '*' | '"' | '“' | '”' | '.' | '。'
        )
    });
    for prefix in [
        "本年累计",
        "本期累计",
        "累计",
        "本年",
        "本季度",
        "本季",
        "本期",
        "当期",
        "当季",
        "期末",
        "年末",
        "季末",
        "全市",
        "全省",
        "全区",
        "全县",
    ] {
        if key.len() > prefix.len() + 3 {
            if let Some(rest) = key.strip_prefix(prefix) {
                key = rest.to_string();
            }
        }
    }
    for suffix in ["本年累计", "累计", "本季度", "本期"] {
        if key.chars().count() > suffix.chars().count() + 2 {
            if let Some(rest) = key.strip_suffix(suffix) {
                key = rest.to_string();
            }
        }
    }
    for suffix in ["人数", "数量", "数"] {
        if key.chars().count() > suffix.chars().count() + 1 {
            if let Some(rest) = key.strip_suffix(suffix) {
                key = rest.to_string();
                break;
            }
        }
    }
    if key.chars().count() > 3 {
        if let Some(rest) = key.strip_suffix('总') {
            key = rest.to_string();
        }
    }
    HeaderKey { key, unit }
}

/// Whether text in brackets is a unit rather than part of a name.
pub fn is_unit(s: &str) -> bool {
    unit_scale(s).is_some()
        || matches!(
            s,
            "是/否" | "是否" | "1/0" | "0/1" | "元/月" | "元/个" | "元/人/月" | "元/人·月" | "倍"
        )
}

/// A unit as a base and a multiplier: `万人` → (`人`, 10,000), `%` → (`%`, 1).
pub fn unit_scale(unit: &str) -> Option<(&'static str, f64)> {
    let u = unit.trim().trim_start_matches("单位:").trim_start_matches("单位：").trim();
    let (mult, base) = if let Some(b) = u.strip_prefix('万') {
        (10_000.0, b)
    } else if let Some(b) = u.strip_prefix('亿') {
        (100_000_000.0, b)
    } else if let Some(b) = u.strip_prefix('千') {
        (1_000.0, b)
    } else {
        (1.0, u)
    };
    let base: &'static str = match base {
        "人" | "名" | "位" => "人",
        "人次" => "人次",
        "张" | "床" | "张床" => "张",
        "个" => "个",
        "处" => "处",
        "所" => "所",
        "家" => "家",
        "期" => "期",
        "次" => "次",
        "元" | "元/月" | "元/个" | "元/人/月" | "元/人·月" => "元",
        "%" | "百分比" => "%",
        "" if mult > 1.0 => "",
        _ => return None,
    };
    Some((base, mult))
}

/// The factor that turns a value written in `header_unit` into `metric_unit`: 万人 → 人 is
/// 10,000, 元 → 万元 is 0.0001. `None` when the units do not convert.
pub fn unit_factor(header_unit: &str, metric_unit: &str) -> Option<f64> {
    let (hb, hm) = unit_scale(header_unit)?;
    let (mb, mm) = unit_scale(metric_unit).unwrap_or(("", 1.0));
    if hb == mb || hb.is_empty() || mb.is_empty() || (hb == "人" && mb == "人次") {
        Some(hm / mm)
    } else {
        None
    }
}

/// The units a line declares for a whole table: `单位：万人`, `计量单位：人、张`,
/// `（单位：万元）`. Returns the text after the colon (up to the next field of the line,
/// such as `填报日期：`), or `None` when the line declares no unit.
pub fn declared_units(text: &str) -> Option<String> {
    let t: String = to_half_width(text);
    let i = t.find("单位:")?;
    // `填报单位：` names an office, not a unit.
    if t[..i].ends_with("填报") || t[..i].ends_with("报送") || t[..i].ends_with("制表") {
        return declared_units(&t[i + "单位:".len()..]);
    }
    let rest = t[i + "单位:".len()..].trim_start();
    let end = rest.find(|c: char| c.is_whitespace() || c == ')' || c == ':').unwrap_or(rest.len());
    let units = rest[..end].trim();
    // A trailing word before another field's colon (`人 填报日期:`) is cut above; `人、张 制表人`.
    (!units.is_empty()).then(|| units.to_string())
}

/// Splits a declared unit list (`人、张`, `人/张`, `人,张`) into its units.
pub fn split_units(list: &str) -> Vec<String> {
    list.split(['、', ',', '，', ';', '；', ' '])
        .flat_map(|u| {
            // `人/张` is two units, but `元/月` is one.
            if is_unit(u) {
                vec![u.to_string()]
            } else {
                u.split('/').map(str::to_string).collect()
            }
        })
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect()
}

/// A cell's text read as a number.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedNumber {
    /// Blank: nothing written.
    Missing,
    /// A mark that means "nothing here" (—, －, /, 无, --): no value, not zero.
    Nothing,
    /// A number, with whether it was written with `%` and the multiplier written after it (万).
    Value {
        /// The number as written (after thousands separators and full-width digits).
        value: f64,
        /// Written with a percent sign.
        percent: bool,
        /// 10,000 for a trailing 万, 1 otherwise.
        scale: f64,
    },
    /// Not a number.
    Invalid,
}

/// Whether text (already without white space) is a mark that means "nothing here".
pub fn is_nothing_mark(s: &str) -> bool {
    let t: String = to_half_width(s).chars().filter(|c| !c.is_whitespace()).collect();
    !t.is_empty()
        && (t
            .chars()
            .all(|c| matches!(c, '-' | '—' | '–' | '－' | '―' | '一' | '_' | '~' | '…' | '.'))
            && !t.chars().all(|c| c == '一')
            || matches!(
                t.as_str(),
                "/" | "//"
                    | "\\"
                    | "无"
                    | "空"
                    | "无数据"
                    | "暂无"
                    | "暂无数据"
                    | "N/A"
                    | "NA"
                    | "n/a"
                    | "不适用"
                    | "×"
                    | "x"
                    | "X"
            ))
}

/// Reads text as a number: thousands separators (`1,234`, `1，234`), full-width digits, a
/// trailing `%`, `万` / `亿`, a trailing unit (`12人`), surrounding and stray spaces
/// (non-breaking ones too). Dashes, slashes and 无 mean "nothing here".
pub fn parse_number(raw: &str) -> ParsedNumber {
    let s: String =
        to_half_width(raw).chars().filter(|c| !c.is_whitespace() && !is_invisible(*c)).collect();
    if s.is_empty() {
        return ParsedNumber::Missing;
    }
    if is_nothing_mark(&s) {
        return ParsedNumber::Nothing;
    }
    let mut t = s.replace([',', '，', '\''], "");
    let mut percent = false;
    if let Some(rest) = t.strip_suffix('%') {
        percent = true;
        t = rest.to_string();
    }
    for unit in ["人次", "人", "名", "张", "个", "处", "所", "家", "期", "次", "元"] {
        if let Some(rest) = t.strip_suffix(unit) {
            t = rest.to_string();
            break;
        }
    }
    let mut scale = 1.0;
    if let Some(rest) = t.strip_suffix('万') {
        scale = 10_000.0;
        t = rest.to_string();
    } else if let Some(rest) = t.strip_suffix('亿') {
        scale = 100_000_000.0;
        t = rest.to_string();
    }
    if t.is_empty()
        || !t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return ParsedNumber::Invalid;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => ParsedNumber::Value { value: v, percent, scale },
        _ => ParsedNumber::Invalid,
    }
}

/// Reads a checklist answer: 是/否, 已/未, 有/无, √/×, Y/N, TRUE/FALSE, 1/0, and phrases
/// starting with 已 or 未 (已举办, 未开展).
pub fn parse_yes_no(raw: &str) -> Option<f64> {
    let s: String = to_half_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
    let lower = s.to_lowercase();
    match lower.as_str() {
        "是" | "已" | "有" | "√" | "✓" | "✔" | "y" | "yes" | "true" | "1" | "完成" | "已完成"
        | "达标" => Some(1.0),
        "否" | "未" | "无" | "×" | "✗" | "x" | "n" | "no" | "false" | "0" | "未完成" | "未达标" => {
            Some(0.0)
        }
        _ if s.starts_with('已') || s.starts_with("是") => Some(1.0),
        _ if s.starts_with('未') || s.starts_with("没有") || s.starts_with('否') => Some(0.0),
        _ => None,
    }
}

/// Finds a quarter in text (see [`find_period_span`]), ignoring whether it is year to date.
pub fn find_period(raw: &str) -> Option<Period> {
    find_period_span(raw).map(|(p, _)| p)
}

/// Finds a quarter in text, and whether the text means the year to date up to that quarter:
/// `2025Q2`, `2025年第二季度`, `2025年二季度`, `2025年第3季度`, `2025-Q2`, `2025年6月(底)`
/// (quarter-end months only), `2025.06`, `2025-06-30` are quarters; `2025年1-6月`,
/// `2025年1—9月`, `2025年1至9月`, `2025年上半年`, `2025年前三季度`, `2025年度` / `2025年全年`
/// are the year to date at the quarter they end in. A month span that is one quarter
/// (`2025年4-6月`) is that quarter; one that ends inside a quarter is no period.
pub fn find_period_span(raw: &str) -> Option<(Period, Span)> {
    let s: String = to_half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '—' | '–' | '―' | '~' | '～' | '至' | '到' => '-',
            c => c,
        })
        .collect();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i + 4 <= chars.len() {
        let is_year = chars[i..i + 4].iter().all(char::is_ascii_digit)
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if !is_year {
            i += 1;
            continue;
        }
        let year: i32 = chars[i..i + 4].iter().collect::<String>().parse().unwrap_or(0);
        if (1990..=2100).contains(&year) {
            if let Some(p) = quarter_after(year, &chars[i + 4..]) {
                return Some(p);
            }
        }
        i += 4;
    }
    None
}

fn chinese_digit(c: Option<&char>) -> Option<u8> {
    match c {
        Some('一') => Some(1),
        Some('二') => Some(2),
        Some('三') => Some(3),
        Some('四') => Some(4),
        Some(d @ '1'..='4') => Some(*d as u8 - b'0'),
        _ => None,
    }
}

fn quarter_after(year: i32, rest: &[char]) -> Option<(Period, Span)> {
    let mut j = 0;
    let skip = |j: &mut usize, set: &[char]| {
        while rest.get(*j).is_some_and(|c| set.contains(c)) {
            *j += 1;
        }
    };
    let starts = |j: usize, word: &str| {
        let w: Vec<char> = word.chars().collect();
        rest.get(j..j + w.len()) == Some(w.as_slice())
    };
    skip(&mut j, &['年', '-', '/', '.', '_']);
    // Q2, q2
    if matches!(rest.get(j), Some('Q' | 'q')) {
        return chinese_digit(rest.get(j + 1))
            .filter(|q| *q <= 4)
            .and_then(|q| Period::new(year, q))
            .map(|p| (p, Span::Quarter));
    }
    if starts(j, "上半年") {
        return Period::new(year, 2).map(|p| (p, Span::YearToDate));
    }
    if starts(j, "全年") || starts(j, "度") || starts(j, "年度") {
        return Period::new(year, 4).map(|p| (p, Span::YearToDate));
    }
    // 前三季度, 1-3季度, 一-三季度 (`至` was turned into `-` above).
    let k = if starts(j, "前") { j + 1 } else { j };
    if let (Some(a), Some('-'), Some(b), Some('季')) = (
        chinese_digit(rest.get(k)),
        rest.get(k + 1),
        chinese_digit(rest.get(k + 2)),
        rest.get(k + 3),
    ) {
        if a == 1 && b >= 1 {
            return Period::new(year, b).map(|p| (p, Span::YearToDate));
        }
        return None;
    }
    if starts(j, "前") {
        if let (Some(b), Some('季')) = (chinese_digit(rest.get(j + 1)), rest.get(j + 2)) {
            return Period::new(year, b).map(|p| (p, Span::YearToDate));
        }
    }
    skip(&mut j, &['第']);
    if let Some(q) = chinese_digit(rest.get(j)) {
        if rest.get(j + 1) == Some(&'季') {
            return Period::new(year, q).map(|p| (p, Span::Quarter));
        }
    }
    // Months: 2025年6月, 2025-06, 2025.06.30, 2025年12月底, and spans 2025年1-6月.
    let digits: String = rest[j..].iter().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() && digits.len() <= 2 {
        let first: u32 = digits.parse().ok()?;
        let after = j + digits.len();
        if rest.get(after) == Some(&'-') {
            let second: String =
                rest[after + 1..].iter().take_while(|c| c.is_ascii_digit()).collect();
            if !second.is_empty()
                && second.len() <= 2
                && rest.get(after + 1 + second.len()) == Some(&'月')
            {
                let last: u32 = second.parse().ok()?;
                if !(1..=12).contains(&first)
                    || !(first..=12).contains(&last)
                    || !last.is_multiple_of(3)
                {
                    return None;
                }
                let q = (last / 3) as u8;
                return if first == 1 {
                    Period::new(year, q).map(|p| (p, Span::YearToDate))
                } else if first == last - 2 {
                    Period::new(year, q).map(|p| (p, Span::Quarter))
                } else {
                    None
                };
            }
        }
        if matches!(first, 3 | 6 | 9 | 12) {
            return Period::new(year, (first / 3) as u8).map(|p| (p, Span::Quarter));
        }
    }
    None
}

/// A quarter written without its year, as sheet names and column headers of one year's table
/// write it: `一季度`, `第二季度`, `3季度`, `Q4`, `第一季`, `上半年`, `前三季度`, `1-9月` (year to
/// date), `4-6月`. The whole text must be the quarter (with brackets, 本年 or 累计 around it):
/// a word inside a longer phrase is not a quarter.
pub fn find_quarter_word(raw: &str) -> Option<(u8, Span)> {
    let s: String = to_half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '[' | ']'))
        .map(|c| match c {
            '—' | '–' | '―' | '~' | '～' | '至' | '到' => '-',
            c => c,
        })
        .collect();
    let s = s.trim_start_matches("本年").trim_end_matches("累计").trim_end_matches("数据");
    if s.is_empty() || s.chars().count() > 8 {
        return None;
    }
    // Reuse the year-bearing reader on a made-up year, then keep only the quarter.
    let (p, span) = find_period_span(&format!("2000年{s}"))?;
    if !s.contains(['季', 'Q', 'q', '月', '年']) {
        return None;
    }
    let span = if says_year_to_date(raw) { Span::YearToDate } else { span };
    Some((p.quarter(), span))
}

/// The year a title names (`2025年鞍山市养老服务人才统计表`, `2025年度`): a four-digit year from
/// 1990 to 2100 followed by 年. `None` when none or two different ones are named.
pub fn find_year(raw: &str) -> Option<i32> {
    let s = to_half_width(raw);
    let chars: Vec<char> = s.chars().collect();
    let mut found: Option<i32> = None;
    for i in 0..chars.len().saturating_sub(4) {
        let digits = &chars[i..i + 4];
        if !digits.iter().all(char::is_ascii_digit)
            || (i > 0 && chars[i - 1].is_ascii_digit())
            || chars.get(i + 4) != Some(&'年')
        {
            continue;
        }
        let y: i32 = digits.iter().collect::<String>().parse().unwrap_or(0);
        if !(1990..=2100).contains(&y) {
            continue;
        }
        match found {
            Some(f) if f != y => return None,
            _ => found = Some(y),
        }
    }
    found
}

/// A quarter read from text the user said holds the period, more leniently than a title is
/// read: a strict period, or a year and a month (`2025.8`, `2025年8月`, `2025/08/31`), any month
/// being the quarter it falls in.
pub fn lenient_period(raw: &str) -> Option<Period> {
    if let Some((p, _)) = find_period_span(raw) {
        return Some(p);
    }
    let s = to_half_width(raw);
    let chars: Vec<char> = s.chars().collect();
    for i in 0..chars.len().saturating_sub(4) {
        if !chars[i..i + 4].iter().all(char::is_ascii_digit)
            || (i > 0 && chars[i - 1].is_ascii_digit())
        {
            continue;
        }
        let year: i32 = chars[i..i + 4].iter().collect::<String>().parse().unwrap_or(0);
        let mut j = i + 4;
        if !matches!(chars.get(j), Some('年' | '.' | '/' | '-' | '_')) {
            continue;
        }
        j += 1;
        let month: String = chars[j..].iter().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(m) = month.parse::<u8>() {
            if (1..=12).contains(&m) && (1990..=2100).contains(&year) {
                return Period::new(year, (m - 1) / 3 + 1);
            }
        }
    }
    None
}

/// Whether a header or title says its figures run from the start of the year: `本年累计`,
/// `累计`, `年初至今`, `1-6月` (a month span from January), `上半年`, `前三季度`.
pub fn says_year_to_date(raw: &str) -> bool {
    let s: String = to_half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '—' | '–' | '―' | '~' | '～' | '至' | '到' => '-',
            c => c,
        })
        .collect();
    if s.contains("累计") || s.contains("年初至") || s.contains("年初以来") || s.contains("上半年")
    {
        return true;
    }
    if s.contains("前三季度")
        || s.contains("前两季度")
        || s.contains("前二季度")
        || s.contains("1-3季度")
        || s.contains("一-三季度")
    {
        return true;
    }
    // 1-6月, 1-9月, 1-12月 (not 11-12月).
    let chars: Vec<char> = s.chars().collect();
    for i in 0..chars.len() {
        if chars[i] == '1'
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 1) == Some(&'-')
        {
            let n: String = chars[i + 2..].iter().take_while(|c| c.is_ascii_digit()).collect();
            if !n.is_empty() && chars.get(i + 2 + n.len()) == Some(&'月') && n != "1" {
                return true;
            }
        }
    }
    false
}

/// What a row label that is not one region says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowLabel {
    /// 合计, 总计, 全省合计, 全市, 总 计: the total of everything in the table (or of the
    /// region named before the word, `淄博市合计`).
    Total {
        /// A region named in front (`淄博市` of `淄博市合计`), or empty.
        named: String,
    },
    /// 小计: the total of the rows since the previous subtotal (or of the region named).
    Subtotal {
        /// A region named in front, or empty.
        named: String,
    },
    /// 本级, 市本级, 市直, 省本级, 淄博市本级: the jurisdiction's own part.
    OwnPart {
        /// A region named in front, or empty (then the jurisdiction is the table's).
        named: String,
    },
}

/// Reads a row label as a total, subtotal or own-part row; `None` for a region's name.
pub fn row_label(raw: &str) -> Option<RowLabel> {
    let t: String = strip_footnotes(&to_half_width(raw))
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !is_invisible(*c)
                && !matches!(c, ':' | '：' | '(' | ')' | '（' | '）')
        })
        .collect();
    let t = t.strip_prefix("其中").unwrap_or(&t);
    if t.is_empty() {
        return None;
    }
    // `全市合计`, `本省总计`: the word in front names the table's own level, not a region.
    let strip_level = |named: &str| -> String {
        let rest = named.strip_prefix('全').or_else(|| named.strip_prefix('本')).unwrap_or(named);
        let is_level =
            rest.is_empty() || (rest.chars().count() == 1 && "省市区县州盟旗国".contains(rest));
        if is_level {
            String::new()
        } else {
            named.to_string()
        }
    };
    for word in ["总合计", "合计", "总计", "汇总", "总数", "总体"] {
        if let Some(named) = t.strip_suffix(word) {
            return Some(RowLabel::Total { named: strip_level(named) });
        }
    }
    if let Some(named) = t.strip_suffix("小计") {
        return Some(RowLabel::Subtotal { named: strip_level(named) });
    }
    if matches!(t, "全省" | "全市" | "全区" | "全县" | "全州" | "全盟" | "全旗" | "全国" | "总")
    {
        return Some(RowLabel::Total { named: String::new() });
    }
    for word in ["本级", "直属", "本部", "级"] {
        if let Some(named) = t.strip_suffix(word) {
            // 市本级, 省本级, 淄博市本级, 淄博市市本级; 市直属; 市级 (not 区县级: that names a level of
            // regions, not a row).
            let own = match word {
                "级" => matches!(named, "市" | "省" | "县" | "区" | "州" | "盟" | "旗"),
                _ => true,
            };
            if own {
                return Some(RowLabel::OwnPart { named: own_prefix(named) });
            }
        }
    }
    // 市直, 省直, 淄博市直 / 淄博市市直 (but not a name that merely ends in 直).
    if let Some(named) = t.strip_suffix('直') {
        if named.ends_with(['市', '省', '县', '区', '州']) {
            return Some(RowLabel::OwnPart { named: own_prefix(named) });
        }
    }
    None
}

/// The region named in front of an own-part word: `淄博市市` → `淄博市`, `市` → empty.
fn own_prefix(named: &str) -> String {
    let levels = ['市', '省', '县', '区', '州', '盟', '旗'];
    if named.chars().count() <= 1 && named.chars().all(|c| levels.contains(&c)) {
        return String::new();
    }
    // 淄博市市本级: the level word repeated after the name.
    let mut chars: Vec<char> = named.chars().collect();
    if chars.len() >= 2
        && chars[chars.len() - 1] == chars[chars.len() - 2]
        && levels.contains(&chars[chars.len() - 1])
    {
        chars.pop();
    }
    chars.into_iter().collect()
}

/// Names that mark a total row rather than a region (kept for callers that only need yes/no).
pub fn is_total_label(s: &str) -> bool {
    matches!(row_label(s), Some(RowLabel::Total { .. } | RowLabel::Subtotal { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        header_key(s).key
    }

    #[test]
    fn headers_fold_to_the_same_key() {
        let base = key("养老护理员数");
        for v in [
            "养老护理员数（人）",
            "养老护理员数(人)",
            "养老护理员\n数",
            "其中：养老护理员数",
            "养老护理员人数",
            "养老 护理员数 [人]",
            "养老护理员数/人",
            "养 老 护 理 员 数",
            "养老护理员数①",
            "养老护理员数*",
            "养老护理员数¹",
            "养老护理员数（注1）",
            "养老护理员数【人】",
            "1.养老护理员数",
            "（二）养老护理员数",
            "三、养老护理员数",
            "养老护理员数（本季度）",
            "本季度养老护理员数",
            "养老护理员数\u{200b}",
            "养老\u{3000}护理员数",
        ] {
            assert_eq!(key(v), base, "{v}");
        }
        assert_eq!(key("地    区"), "地区");
        assert_eq!(key("60周岁及以上老年人口数（人）"), key("60岁以上老年人口数"));
        assert_eq!(header_key("养老服务人才数（万人）").unit.as_deref(), Some("万人"));
        assert_eq!(header_key("持证上岗率（％）").unit.as_deref(), Some("%"));
        assert_eq!(key("养老护理员总数"), key("养老护理员"));
        assert_eq!(strip_numbering("1.5万"), "1.5万");
        let training = key("培训人次");
        for v in [
            "培训人次（本季度）",
            "本年累计培训人次",
            "培训人次（1至9月累计）",
            "1-6月培训人次",
            "培训人次（1—9月）",
            "培训人次本年累计",
            "累计培训人次（人次）",
        ] {
            assert_eq!(key(v), training, "{v}");
        }
    }

    #[test]
    fn units_convert_and_are_declared_once() {
        assert_eq!(unit_factor("万人", "人"), Some(10_000.0));
        assert_eq!(unit_factor("人", "人"), Some(1.0));
        assert_eq!(unit_factor("元", "万元"), Some(0.0001));
        assert_eq!(unit_factor("亿元", "万元"), Some(10_000.0));
        assert_eq!(unit_factor("张", "人"), None);
        assert_eq!(declared_units("单位：万人").as_deref(), Some("万人"));
        assert_eq!(declared_units("（单位：人、张）").as_deref(), Some("人、张"));
        assert_eq!(declared_units("计量单位：万元").as_deref(), Some("万元"));
        assert_eq!(declared_units("填报单位：重庆市民政局"), None);
        assert_eq!(declared_units("填报单位：渝中区民政局    单位：人").as_deref(), Some("人"));
        assert_eq!(split_units("人、张"), vec!["人", "张"]);
        assert_eq!(split_units("人/张"), vec!["人", "张"]);
        assert_eq!(split_units("元/月"), vec!["元/月"]);
    }

    #[test]
    fn numbers_as_offices_write_them() {
        let v = |value: f64| ParsedNumber::Value { value, percent: false, scale: 1.0 };
        assert_eq!(parse_number("1,234"), v(1234.0));
        assert_eq!(parse_number("１２３４"), v(1234.0));
        assert_eq!(parse_number(" 12 人 "), v(12.0));
        assert_eq!(parse_number("1，234.5"), v(1234.5));
        assert_eq!(parse_number("1\u{a0}234"), v(1234.0));
        assert_eq!(parse_number("1 234"), v(1234.0));
        assert_eq!(
            parse_number("60%"),
            ParsedNumber::Value { value: 60.0, percent: true, scale: 1.0 }
        );
        assert_eq!(
            parse_number("2.5万"),
            ParsedNumber::Value { value: 2.5, percent: false, scale: 10_000.0 }
        );
        for nothing in ["-", "--", "—", "——", "－", "/", "无", "…", "N/A", "–"] {
            assert_eq!(parse_number(nothing), ParsedNumber::Nothing, "{nothing}");
        }
        assert_eq!(parse_number(""), ParsedNumber::Missing);
        assert_eq!(parse_number("  "), ParsedNumber::Missing);
        assert_eq!(parse_number("十二"), ParsedNumber::Invalid);
        assert_eq!(parse_number("12a"), ParsedNumber::Invalid);
        assert_eq!(parse_number("一"), ParsedNumber::Invalid);
    }

    #[test]
    fn yes_no_answers() {
        assert_eq!(parse_yes_no("是"), Some(1.0));
        assert_eq!(parse_yes_no("已举办"), Some(1.0));
        assert_eq!(parse_yes_no("未开展"), Some(0.0));
        assert_eq!(parse_yes_no("√"), Some(1.0));
        assert_eq!(parse_yes_no("maybe"), None);
    }

    #[test]
    fn periods_in_chinese_spellings() {
        let p = |s: &str| s.parse::<Period>().expect("period");
        for (text, want) in [
            ("2025Q2", "2025Q2"),
            ("2025年第二季度", "2025Q2"),
            ("2025年二季度", "2025Q2"),
            ("2025年第3季度", "2025Q3"),
            ("2025年3季度", "2025Q3"),
            ("２０２５年第四季度", "2025Q4"),
            ("XX县养老服务人才统计表（2024年第一季度）", "2024Q1"),
            ("2025-Q1", "2025Q1"),
            ("截至2025年6月底", "2025Q2"),
            ("2025.12", "2025Q4"),
            ("2025-09-30", "2025Q3"),
            ("2025年4-6月", "2025Q2"),
        ] {
            assert_eq!(find_period_span(text), Some((p(want), Span::Quarter)), "{text}");
        }
        for (text, want) in [
            ("2025年1-6月", "2025Q2"),
            ("2025年1—9月", "2025Q3"),
            ("2025年1至9月", "2025Q3"),
            ("2025年1~12月", "2025Q4"),
            ("2025年1-3月", "2025Q1"),
            ("2025年上半年", "2025Q2"),
            ("2025年前三季度", "2025Q3"),
            ("2025年度养老服务统计表", "2025Q4"),
            ("2025年全年", "2025Q4"),
        ] {
            assert_eq!(find_period_span(text), Some((p(want), Span::YearToDate)), "{text}");
        }
        for text in
            ["2025年", "2025年5月", "2025年1-5月", "2025年2-6月", "12345年第一季度", "no period"]
        {
            assert_eq!(find_period_span(text), None, "{text}");
        }
    }

    #[test]
    fn quarters_without_a_year_and_years_without_a_quarter() {
        for (text, q) in [
            ("一季度", 1),
            ("第二季度", 2),
            ("3季度", 3),
            ("Q4", 4),
            ("（第四季度）", 4),
            ("4-6月", 2),
        ] {
            assert_eq!(find_quarter_word(text), Some((q, Span::Quarter)), "{text}");
        }
        for (text, q) in [("上半年", 2), ("前三季度", 3), ("1-9月", 3), ("1-9月累计", 3)]
        {
            assert_eq!(find_quarter_word(text), Some((q, Span::YearToDate)), "{text}");
        }
        for text in ["养老护理员一季度培训", "季度", "铁西区", "2025年第一季度工作要点汇总表格"]
        {
            assert_eq!(find_quarter_word(text), None, "{text}");
        }
        assert_eq!(find_year("2025年鞍山市养老服务人才统计表"), Some(2025));
        assert_eq!(find_year("2024年与2025年对比"), None);
        assert_eq!(find_year("表号：民养统2表"), None);
        let p = |s: &str| s.parse::<Period>().expect("period");
        assert_eq!(lenient_period("统计时间：2025.8"), Some(p("2025Q3")));
        assert_eq!(lenient_period("2025/11/30"), Some(p("2025Q4")));
        assert_eq!(lenient_period("2025年第二季度"), Some(p("2025Q2")));
        assert_eq!(lenient_period("民养统2表"), None);
    }

    #[test]
    fn year_to_date_words() {
        for t in ["本年累计", "培训人次（累计）", "1-6月", "1—9月培训人次", "1至12月", "上半年"]
        {
            assert!(says_year_to_date(t), "{t}");
        }
        for t in ["本季度", "培训人次", "11-12月", "2025年第二季度"] {
            assert!(!says_year_to_date(t), "{t}");
        }
    }

    #[test]
    fn row_labels() {
        let total = |n: &str| Some(RowLabel::Total { named: n.into() });
        let own = |n: &str| Some(RowLabel::OwnPart { named: n.into() });
        assert_eq!(row_label("合计"), total(""));
        assert_eq!(row_label("总 计"), total(""));
        assert_eq!(row_label("全省合计"), total(""));
        assert_eq!(row_label("全市合计"), total(""));
        assert_eq!(row_label("全市"), total(""));
        assert_eq!(row_label("淄博市合计"), total("淄博市"));
        assert_eq!(row_label("小计"), Some(RowLabel::Subtotal { named: String::new() }));
        assert_eq!(row_label("太原市小计"), Some(RowLabel::Subtotal { named: "太原市".into() }));
        assert_eq!(row_label("本级"), own(""));
        assert_eq!(row_label("市本级"), own(""));
        assert_eq!(row_label("省本级"), own(""));
        assert_eq!(row_label("市直"), own(""));
        assert_eq!(row_label("市直属"), own(""));
        assert_eq!(row_label("市级"), own(""));
        assert_eq!(row_label("淄博市本级"), own("淄博市"));
        assert_eq!(row_label("淄博市市本级"), own("淄博市"));
        assert_eq!(row_label("其中：市本级"), own(""));
        assert_eq!(row_label("张店区"), None);
        assert_eq!(row_label("区县级"), None);
    }
}
