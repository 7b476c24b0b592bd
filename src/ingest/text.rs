//! What cell text means: header names folded to a comparable key, units and their scale,
//! numbers as offices write them, periods in the usual Chinese spellings.

use crate::period::Period;

/// Full-width ASCII (Ａ-Ｚ, ０-９, （）, ％ …) to half-width; ideographic space to a space.
pub fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' | '\u{a0}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            _ => c,
        })
        .collect()
}

/// A header split into its comparable key and the unit written in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderKey {
    /// The folded name, e.g. `养老护理员` for `其中：养老护理员数（人）`.
    pub key: String,
    /// The unit written in brackets or after a slash, e.g. `万人`.
    pub unit: Option<String>,
}

/// Folds a header (or a metric label) to the key used to compare them: half-width, no white
/// space or line breaks, units in brackets taken out, `其中：` and list punctuation dropped,
/// `60周岁` → `60岁`, `及以上` → `以上`, and a trailing `人数` / `数` / `总数` removed.
pub fn header_key(raw: &str) -> HeaderKey {
    let s: String = to_half_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
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
    key.retain(|c| {
        !matches!(
            c,
            ':' | '、' | ',' | '，' | '-' | '_' | '·' | '/' | '*' | '"' | '“' | '”' | '.' | '。'
        )
    });
    for prefix in ["本季度", "本期", "期末", "年末", "季末", "全市", "全省", "全区", "全县"]
    {
        if key.len() > prefix.len() + 3 {
            if let Some(rest) = key.strip_prefix(prefix) {
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
    let u = unit.trim().trim_start_matches("单位:").trim_start_matches("单位：");
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
        "张" => "张",
        "个" => "个",
        "处" => "处",
        "所" => "所",
        "家" => "家",
        "期" => "期",
        "次" => "次",
        "元" | "元/月" | "元/个" | "元/人/月" => "元",
        "%" | "百分比" => "%",
        "" if mult > 1.0 => "",
        _ => return None,
    };
    Some((base, mult))
}

/// The factor that turns a value written in `header_unit` into `metric_unit`: 万人 → 人 is
/// 10,000, 元 → 万元 is 0.0001. `None` when the units do not convert (the header's unit is
/// then ignored with a warning by the caller).
pub fn unit_factor(header_unit: &str, metric_unit: &str) -> Option<f64> {
    let (hb, hm) = unit_scale(header_unit)?;
    let (mb, mm) = unit_scale(metric_unit).unwrap_or(("", 1.0));
    if hb == mb || hb.is_empty() || mb.is_empty() || (hb == "人" && mb == "人次") {
        Some(hm / mm)
    } else {
        None
    }
}

/// A cell's text read as a number.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedNumber {
    /// No value (blank, dash, 无数据 …).
    Missing,
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

/// Reads text as a number: thousands separators (`1,234`, `1，234`), full-width digits, a
/// trailing `%`, `万` / `亿`, a trailing unit (`12人`), surrounding spaces. Dashes and
/// 无/空 mean no value.
pub fn parse_number(raw: &str) -> ParsedNumber {
    let s: String = to_half_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty()
        || matches!(
            s.as_str(),
            "-" | "--"
                | "—"
                | "——"
                | "/"
                | "\\"
                | "空"
                | "无数据"
                | "暂无"
                | "N/A"
                | "NA"
                | "n/a"
                | "…"
                | "..."
        )
    {
        return ParsedNumber::Missing;
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

/// Finds a quarter in text: `2025Q2`, `2025年第二季度`, `2025年二季度`, `2025年第3季度`,
/// `2025年3季度`, `2025-Q2`, `2025年6月` / `2025年6月底` (quarter-end months only),
/// `2025.06`, `2025-06-30`.
pub fn find_period(raw: &str) -> Option<Period> {
    let s: String = to_half_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
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
        if let Some(p) = quarter_after(year, &chars[i + 4..]) {
            return Some(p);
        }
        i += 4;
    }
    None
}

fn quarter_after(year: i32, rest: &[char]) -> Option<Period> {
    let mut j = 0;
    let skip = |j: &mut usize, set: &[char]| {
        while rest.get(*j).is_some_and(|c| set.contains(c)) {
            *j += 1;
        }
    };
    skip(&mut j, &['年', '-', '/', '.', '_']);
    // Q2, q2
    if matches!(rest.get(j), Some('Q' | 'q')) {
        return digit_quarter(rest.get(j + 1)).and_then(|q| Period::new(year, q));
    }
    skip(&mut j, &['第']);
    let q = match rest.get(j) {
        Some('一') => Some(1),
        Some('二') => Some(2),
        Some('三') => Some(3),
        Some('四') => Some(4),
        c => digit_quarter(c),
    };
    if let Some(q) = q {
        if rest.get(j + 1) == Some(&'季') {
            return Period::new(year, q);
        }
    }
    // A quarter-end month: 2025年6月, 2025-06, 2025.06.30, 2025年12月底.
    let digits: String = rest[j..].iter().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() && digits.len() <= 2 {
        let month: u32 = digits.parse().ok()?;
        let after = rest.get(j + digits.len());
        // 2025年1-6月 is a cumulative span, not a quarter end.
        if after == Some(&'-')
            && rest.get(j + digits.len() + 1).is_some_and(char::is_ascii_digit)
            && rest.contains(&'月')
        {
            return None;
        }
        if matches!(month, 3 | 6 | 9 | 12) {
            return Period::new(year, (month / 3) as u8);
        }
    }
    None
}

fn digit_quarter(c: Option<&char>) -> Option<u8> {
    match c {
        Some(d @ '1'..='4') => Some(*d as u8 - b'0'),
        _ => None,
    }
}

/// Names that mark a total row rather than a region.
pub fn is_total_label(s: &str) -> bool {
    let t: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect();
    ["合计", "总计", "小计", "汇总", "总数"].iter().any(|w| t.contains(w))
        || t == "全市"
        || t == "全省"
        || t == "全区"
        || t == "全县"
        || t == "总体"
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
        ] {
            assert_eq!(key(v), base, "{v}");
        }
        assert_eq!(key("60周岁及以上老年人口数（人）"), key("60岁以上老年人口数"));
        assert_eq!(header_key("养老服务人才数（万人）").unit.as_deref(), Some("万人"));
        assert_eq!(header_key("持证上岗率（％）").unit.as_deref(), Some("%"));
        assert_eq!(key("养老护理员总数"), key("养老护理员"));
    }

    #[test]
    fn units_convert() {
        assert_eq!(unit_factor("万人", "人"), Some(10_000.0));
        assert_eq!(unit_factor("人", "人"), Some(1.0));
        assert_eq!(unit_factor("元", "万元"), Some(0.0001));
        assert_eq!(unit_factor("亿元", "万元"), Some(10_000.0));
        assert_eq!(unit_factor("张", "人"), None);
    }

    #[test]
    fn numbers_as_offices_write_them() {
        let v = |value: f64| ParsedNumber::Value { value, percent: false, scale: 1.0 };
        assert_eq!(parse_number("1,234"), v(1234.0));
        assert_eq!(parse_number("１２３４"), v(1234.0));
        assert_eq!(parse_number(" 12 人 "), v(12.0));
        assert_eq!(parse_number("1，234.5"), v(1234.5));
        assert_eq!(
            parse_number("60%"),
            ParsedNumber::Value { value: 60.0, percent: true, scale: 1.0 }
        );
        assert_eq!(
            parse_number("2.5万"),
            ParsedNumber::Value { value: 2.5, percent: false, scale: 10_000.0 }
        );
        assert_eq!(parse_number("-"), ParsedNumber::Missing);
        assert_eq!(parse_number(""), ParsedNumber::Missing);
        assert_eq!(parse_number("十二"), ParsedNumber::Invalid);
        assert_eq!(parse_number("12a"), ParsedNumber::Invalid);
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
        ] {
            assert_eq!(find_period(text), Some(p(want)), "{text}");
        }
        for text in ["2025年", "2025年1-6月", "2025年5月", "12345年第一季度", "no period"]
        {
            assert_eq!(find_period(text), None, "{text}");
        }
    }
}
