//! Chart tests: SVG snapshots of every chart kind on a small fixed data set, escaping of
//! hostile text, labels that stay on the canvas, PNG output with a Chinese font, and the
//! `carestaff chart` usage errors.
//!
//! Snapshots live in `tests/snapshots/*.svg` and are compared byte for byte. After an
//! intended change, rewrite them with `UPDATE_SNAPSHOTS=1 cargo test --test charts` and look
//! at the difference before committing.

use std::path::PathBuf;
use std::process::Command;

use carestaff_domain::{Catalog, Observations, Period, RegionCode, Registry, Target};
use carestaff_report::chart::{self, Chart, ChartData, ChartError, ChartOptions, Lang};
use chrono::NaiveDate;

const AS_OF: &str = "2025-10-20";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

fn code(s: &str) -> RegionCode {
    s.parse().expect("region code")
}

fn period(s: &str) -> Period {
    s.parse().expect("period")
}

fn as_of() -> NaiveDate {
    AS_OF.parse().expect("date")
}

/// A small, fixed set of returns: Chongqing's talent total and training person-times,
/// Zibo's certification rate and practice bases in each district.
fn observations(catalog: &Catalog) -> Observations {
    let mut obs = Observations::new(catalog);
    let mut put = |region: &str, metric: &str, p: &str, v: f64| {
        assert!(obs.insert(code(region), metric, period(p), v), "unknown metric {metric}");
    };
    for (p, v) in
        [("2024Q4", 20_000.0), ("2025Q1", 20_350.0), ("2025Q2", 20_600.0), ("2025Q3", 21_050.0)]
    {
        put("500000", "talent_total", p, v);
    }
    for (p, v) in [("2025Q1", 4_200.0), ("2025Q2", 4_000.0), ("2025Q3", 4_400.0)] {
        put("500000", "training_person_times", p, v);
    }
    // Zibo: staff on duty and certified staff on duty (ZB-3, ≥ 90 % by 2025-12-31), and
    // practice bases in each district (ZB-1, each ≥ 1).
    let zibo = [
        ("370302", 410.0, 330.0, 1.0),
        ("370303", 820.0, 760.0, 2.0),
        ("370304", 300.0, 280.0, 1.0),
        ("370305", 520.0, 455.0, 0.0),
        ("370306", 260.0, 236.0, 1.0),
        ("370321", 240.0, 170.0, 1.0),
        ("370322", 180.0, 171.0, 1.0),
    ];
    for (region, on_duty, certified, bases) in zibo {
        put(region, "staff_on_duty", "2024Q4", on_duty);
        put(region, "staff_on_duty_certified", "2024Q4", certified * 0.9);
        put(region, "staff_on_duty", "2025Q3", on_duty + 10.0);
        put(region, "staff_on_duty_certified", "2025Q3", certified);
        put(region, "practice_bases", "2025Q3", bases);
    }
    obs
}

fn target<'a>(catalog: &'a Catalog, id: &str) -> &'a Target {
    catalog.target(id).unwrap_or_else(|| panic!("target {id} is in the catalog"))
}

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("snapshots")
        .join(format!("{name}.svg"))
}

/// Compares `svg` with the stored snapshot (or rewrites it with `UPDATE_SNAPSHOTS=1`), after
/// checking that it is well-formed SVG whose labels stay on the canvas.
fn check_snapshot(name: &str, svg: &str) {
    check_well_formed(svg);
    check_labels_fit(name, svg);
    let path = snapshot_path(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("snapshot folder"))
            .expect("create tests/snapshots");
        std::fs::write(&path, svg).expect("write snapshot");
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_SNAPSHOTS=1 cargo test --test charts",
            path.display()
        )
    });
    if stored != svg {
        let first = stored
            .lines()
            .zip(svg.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(stored.lines().count().min(svg.lines().count()));
        panic!(
            "{name}: the SVG differs from {} from line {}:\n  stored: {:?}\n  now:    {:?}\nIf the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff.",
            path.display(),
            first + 1,
            stored.lines().nth(first),
            svg.lines().nth(first)
        );
    }
}

fn check_well_formed(svg: &str) {
    resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .unwrap_or_else(|e| panic!("not valid SVG: {e}\n{svg}"));
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every `<text>` element, measured as the charts measure text, lies inside the canvas.
fn check_labels_fit(name: &str, svg: &str) {
    let size_attr = |key: &str| -> f64 {
        svg.split_once(&format!("{key}=\""))
            .and_then(|(_, r)| r.split_once('"'))
            .and_then(|(v, _)| v.parse().ok())
            .unwrap_or_else(|| panic!("svg {key}"))
    };
    let (width, height) = (size_attr("width"), size_attr("height"));
    let all = texts(svg);
    for (x, y, size, anchor, content) in &all {
        let w = chart::text_width(content, *size);
        let (x0, x1) = match anchor.as_str() {
            "middle" => (x - w / 2.0, x + w / 2.0),
            "end" => (x - w, *x),
            _ => (*x, x + w),
        };
        assert!(
            x0 >= 0.0 && x1 <= width,
            "{name}: `{content}` runs off the canvas ({x0:.0}..{x1:.0} of {width})"
        );
        assert!(
            y - size >= 0.0 && *y <= height,
            "{name}: `{content}` is cut at the top or bottom (baseline {y} of {height})"
        );
    }
    assert!(all.len() > 3, "{name}: only {} labels", all.len());
}

#[test]
fn bullet_snapshots() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let cq1 = target(catalog, "CQ-1");
    let svg = chart::bullet(&data, cq1, cq1.region, &ChartOptions::new(Lang::Zh)).expect("bullet");
    assert!(
        svg.contains("CQ-1 全市养老服务人才数")
            && svg.contains("需加快")
            && svg.contains("#F9A825"),
        "{svg}"
    );
    check_snapshot("bullet_cq1_zh", &svg);
    check_snapshot(
        "bullet_cq1_en",
        &chart::bullet(&data, cq1, cq1.region, &ChartOptions::new(Lang::En)).expect("bullet"),
    );
    // An each_child target in its own region: districts that comply out of all of them.
    let zb1 = target(catalog, "ZB-1");
    let svg = chart::bullet(&data, zb1, zb1.region, &ChartOptions::new(Lang::Zh)).expect("bullet");
    assert!(svg.contains("6 / 8"), "6 of 8 districts have a practice base: {svg}");
    check_snapshot("bullet_zb1_each_child_zh", &svg);
}

#[test]
fn trend_snapshots() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let cq1 = target(catalog, "CQ-1");
    let svg = chart::trend(&data, cq1, cq1.region, &ChartOptions::new(Lang::Zh)).expect("trend");
    assert!(svg.contains("期限 2027-12-31") && svg.contains("按近4个季度速度推算"), "{svg}");
    check_snapshot("trend_cq1_zh", &svg);
    // Annual: year to date against the pro-rated goal.
    let cq4 = target(catalog, "CQ-4");
    let svg = chart::trend(&data, cq4, cq4.region, &ChartOptions::new(Lang::Zh)).expect("trend");
    assert!(
        svg.contains("本年累计") && svg.contains("按年度目标分摊") && svg.contains("12,600"),
        "{svg}"
    );
    check_snapshot("trend_cq4_annual_zh", &svg);
    check_snapshot(
        "trend_cq4_annual_en",
        &chart::trend(&data, cq4, cq4.region, &ChartOptions::new(Lang::En)).expect("trend"),
    );
}

#[test]
fn ranking_snapshots() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let zb3 = target(catalog, "ZB-3");
    let svg =
        chart::ranking(&data, zb3, zb3.region, &ChartOptions::new(Lang::Zh)).expect("ranking");
    // Largest first: 张店区 (760/830) before 淄川区 (330/420); 沂源县 reported nothing.
    let pos = |name: &str| svg.find(name).unwrap_or_else(|| panic!("{name} is on the chart"));
    assert!(pos("张店区") < pos("淄川区") && pos("淄川区") < pos("沂源县"), "{svg}");
    check_snapshot("ranking_zb3_zh", &svg);
    // A total goal (CQ-1) is not coloured per district.
    let cq1 = target(catalog, "CQ-1");
    let svg =
        chart::ranking(&data, cq1, cq1.region, &ChartOptions::new(Lang::Zh)).expect("ranking");
    assert!(svg.contains("不分解到下属地区"), "{svg}");
    check_labels_fit("ranking_cq1", &svg);
    // A county has no children to rank.
    assert!(matches!(
        chart::ranking(&data, zb3, code("370303"), &ChartOptions::default()),
        Err(ChartError::NoChildren(_))
    ));
}

#[test]
fn scorecard_snapshots() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let svg = chart::scorecard(&data, None, &ChartOptions::new(Lang::Zh)).expect("scorecard");
    for name in ["吉林省", "山西省", "鞍山市", "重庆市", "淄博市"] {
        assert!(svg.contains(name), "{name} has a column");
    }
    assert!(svg.contains(&format!("{}项目标", catalog.targets.len())), "{svg}");
    check_snapshot("scorecard_zh", &svg);
    let svg = chart::scorecard(&data, Some(code("370300")), &ChartOptions::new(Lang::En))
        .expect("scorecard");
    assert!(svg.contains("ZB-3") && !svg.contains("CQ-1"), "{svg}");
    check_snapshot("scorecard_zibo_en", &svg);
    assert!(matches!(
        chart::scorecard(&data, Some(code("110000")), &ChartOptions::default()),
        Err(ChartError::NoTargets(_))
    ));
}

#[test]
fn hostile_text_is_drawn_literally() {
    let mut catalog = Catalog::builtin().clone();
    let registry = Registry::builtin();
    for t in &mut catalog.targets {
        t.label_zh = format!("{HOSTILE}{}", t.label_zh);
        t.label_en = format!("{HOSTILE}{}", t.label_en);
        t.clause = format!("\"'&{HOSTILE}");
    }
    for d in &mut catalog.documents {
        d.title = HOSTILE.to_string();
        d.title_en = HOSTILE.to_string();
    }
    let obs = observations(&catalog);
    let data = ChartData::new(&catalog, registry, &obs, as_of());
    let mut svgs = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        let opts = ChartOptions::new(lang);
        for id in ["CQ-1", "CQ-4", "ZB-1", "ZB-3"] {
            let t = target(&catalog, id);
            svgs.push(chart::bullet(&data, t, t.region, &opts).expect("bullet"));
            svgs.push(chart::trend(&data, t, t.region, &opts).expect("trend"));
            svgs.push(chart::ranking(&data, t, t.region, &opts).expect("ranking"));
        }
        svgs.push(chart::scorecard(&data, None, &opts).expect("scorecard"));
    }
    for svg in &svgs {
        assert!(!svg.contains("<img"), "markup leaked into the SVG:\n{svg}");
        assert!(
            svg.contains("&lt;img src=x"),
            "the hostile label is drawn as text (shortened where it does not fit):\n{svg}"
        );
        check_well_formed(svg);
        let tree =
            resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("parses");
        assert!(
            tree.root().children().iter().all(|n| !matches!(n, resvg::usvg::Node::Image(_))),
            "no image element"
        );
    }
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "IHDR first");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn png_or_explain(data: &ChartData, chart: Chart, opts: &ChartOptions, scale: f32) -> Vec<u8> {
    chart::png(data, chart, opts, scale).unwrap_or_else(|e| match e {
        ChartError::NoCjkFont => panic!("{e}\nThe PNG tests need a Chinese font: install fonts-noto-cjk (apt-get install fonts-noto-cjk)."),
        other => panic!("PNG failed: {other}"),
    })
}

/// The share of a PNG's pixels in rows `rows` that are dark (the ink of text and lines).
fn dark_share(png: &[u8], rows: std::ops::Range<u32>, cols: std::ops::Range<u32>) -> f64 {
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).expect("decodes");
    let mut dark = 0;
    let mut all = 0;
    for y in rows {
        for x in cols.clone() {
            let p = pixmap.pixel(x, y).expect("inside the picture");
            all += 1;
            if p.red() < 110 && p.green() < 110 && p.blue() < 110 {
                dark += 1;
            }
        }
    }
    f64::from(dark) / f64::from(all)
}

#[test]
fn png_has_the_chart_size_and_draws_chinese() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let cq1 = target(catalog, "CQ-1");
    let bullet = Chart::Bullet(cq1, cq1.region);
    let zh = ChartOptions::new(Lang::Zh);
    let png = png_or_explain(&data, bullet, &zh, 1.0);
    assert_eq!(png_size(&png), (1200, 675));
    assert_eq!(png_size(&png_or_explain(&data, bullet, &zh, 2.0)), (2400, 1350));

    // The title's Chinese glyphs really are drawn: a title line is mostly ink strokes, far more
    // than the thin outlines of empty boxes, and nothing is drawn left of the margin.
    let title = dark_share(&png, 40..76, 48..400);
    assert!(title > 0.12, "only {:.1} % of the title is ink: are the glyphs drawn?", title * 100.0);
    assert_eq!(dark_share(&png, 40..76, 0..40), 0.0, "ink left of the margin");

    // A scorecard grows taller than the slide with its rows, and the PNG with it.
    let board = png_or_explain(&data, Chart::Scorecard(None), &zh, 1.0);
    let svg = chart::scorecard(&data, None, &zh).expect("scorecard");
    let height: f64 = svg
        .split_once("height=\"")
        .and_then(|(_, r)| r.split_once('"'))
        .and_then(|(h, _)| h.parse().ok())
        .expect("svg height");
    assert_eq!(f64::from(png_size(&board).1), height);

    assert!(matches!(chart::png(&data, bullet, &zh, 0.0), Err(ChartError::BadScale(_))));
    assert!(matches!(chart::png(&data, bullet, &zh, 8.0), Err(ChartError::TooLarge(9600, 5400))));
}

/// The PNG is laid out with the font it is drawn with: a label measured by that font keeps
/// inside the canvas even where the estimate and the font disagree. Drawn at two scales, the
/// picture is the same (allowing for anti-aliasing).
#[test]
fn png_text_is_measured_by_the_font_it_is_drawn_with() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let zb3 = target(catalog, "ZB-3");
    for lang in [Lang::Zh, Lang::En] {
        let opts = ChartOptions::new(lang);
        let png = png_or_explain(&data, Chart::Trend(zb3, zb3.region), &opts, 1.0);
        // The margins stay clear: nothing is drawn in the outer 20 pixels on either side.
        let (w, h) = png_size(&png);
        assert_eq!(dark_share(&png, 0..h, 0..20), 0.0, "{lang:?}: ink at the left edge");
        assert_eq!(dark_share(&png, 0..h, w - 20..w), 0.0, "{lang:?}: ink at the right edge");
    }
}

#[test]
fn demo_data_is_marked_on_every_chart() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let cq1 = target(catalog, "CQ-1");
    for lang in [Lang::Zh, Lang::En] {
        let plain = ChartOptions::new(lang);
        let demo = plain.marked_demo(true);
        let words = if lang == Lang::Zh { "演示数据" } else { "DEMONSTRATION DATA" };
        for chart in [
            Chart::Bullet(cq1, cq1.region),
            Chart::Trend(cq1, cq1.region),
            Chart::Ranking(cq1, cq1.region),
            Chart::Scorecard(None),
        ] {
            assert!(chart::svg(&data, chart, &demo).expect("svg").contains(words), "{chart:?}");
            assert!(!chart::svg(&data, chart, &plain).expect("svg").contains(words), "{chart:?}");
        }
        // The PNG carries the mark too: red ink at its top right.
        let png = png_or_explain(&data, Chart::Trend(cq1, cq1.region), &demo, 1.0);
        let plain_png = png_or_explain(&data, Chart::Trend(cq1, cq1.region), &plain, 1.0);
        let red = |png: &[u8]| {
            let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).expect("decodes");
            (600..1176)
                .flat_map(|x| (8..32).map(move |y| (x, y)))
                .filter(|&(x, y)| {
                    pixmap.pixel(x, y).is_some_and(|p| p.red() > 150 && p.green() < 90)
                })
                .count()
        };
        assert!(red(&png) > 200 && red(&plain_png) == 0, "{lang:?}: the PNG's demo mark");
    }
}

#[test]
fn sizes_too_small_for_labels_are_refused() {
    let catalog = Catalog::builtin();
    let obs = observations(catalog);
    let data = ChartData::new(catalog, Registry::builtin(), &obs, as_of());
    let t = target(catalog, "CQ-1");
    let opts = ChartOptions { width: 300, ..ChartOptions::default() };
    assert!(matches!(chart::bullet(&data, t, t.region, &opts), Err(ChartError::BadSize(300, 675))));
    assert!(matches!(
        chart::bullet(&data, t, code("999999"), &ChartOptions::default()),
        Err(ChartError::UnknownRegion(_))
    ));
}

fn carestaff(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carestaff")).args(args).output().expect("run carestaff")
}

#[test]
fn chart_command_writes_svg_and_png_and_rejects_bad_usage() {
    let dir = std::env::temp_dir().join(format!("carestaff-chart-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("t.db");
    let db = db.to_str().expect("utf-8 path");
    let svg = dir.join("cq1.svg");
    let out = carestaff(&[
        "--db",
        db,
        "chart",
        "--target",
        "CQ-1",
        "--region",
        "500000",
        "-o",
        svg.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(text.starts_with("<svg") && text.contains("无数据"), "an empty database draws no data");
    let png = dir.join("board.png");
    let out = carestaff(&[
        "--db",
        db,
        "chart",
        "--kind",
        "scorecard",
        "--scale",
        "1",
        "-o",
        png.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(png_size(&std::fs::read(&png).expect("png written")).0, 1200);

    for bad in [
        vec!["chart", "--target", "XX-9", "-o", "x.svg"],
        vec!["chart", "--target", "CQ-1", "-o", "x.pdf"],
        vec!["chart", "--kind", "trend", "-o", "x.svg"],
        vec!["chart", "--target", "CQ-1", "--region", "999999", "-o", "x.svg"],
        vec!["chart", "--target", "CQ-1", "--kind", "ranking", "--region", "500101", "-o", "x.svg"],
    ] {
        let mut args = vec!["--db", db];
        args.extend(bad.iter().copied());
        let out = carestaff(&args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The baselines and texts of the SVG's `<text>` elements with their font size and anchor.
/// Plotters writes a text's top as `y` and the baseline's offset as `dy` (in em).
fn texts(svg: &str) -> Vec<(f64, f64, f64, String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..].split('"').next()?.to_string())
    };
    svg.split("<text ")
        .skip(1)
        .filter_map(|rest| {
            let (tag, body) = rest.split_once('>')?;
            let tag = format!(" {tag}");
            let tag = tag.as_str();
            let text = unescape(body.split("</text>").next()?.trim());
            let size: f64 = attr(tag, "font-size")?.parse().ok()?;
            let dy = attr(tag, "dy").map_or(Some(0.0), |d| {
                d.strip_suffix("em").and_then(|v| v.parse::<f64>().ok()).map(|em| em * size)
            })?;
            Some((
                attr(tag, "x")?.parse().ok()?,
                attr(tag, "y")?.parse::<f64>().ok()? + dy,
                size,
                attr(tag, "text-anchor").unwrap_or_else(|| "start".into()),
                text,
            ))
        })
        .collect()
}

/// A text's box, at 1 em a CJK character and 0.6 em any other (wider than the chart's own
/// estimate, so the test is the stricter of the two).
fn text_box((x, y, size, anchor, text): &(f64, f64, f64, String, String)) -> (f64, f64, f64, f64) {
    let w: f64 = text.chars().map(|c| if (c as u32) > 0x2E80 { *size } else { size * 0.6 }).sum();
    let x0 = match anchor.as_str() {
        "end" => x - w,
        "middle" => x - w / 2.0,
        _ => *x,
    };
    (x0, x0 + w, y - size * 0.8, y + size * 0.2)
}

#[test]
fn the_projection_label_keeps_clear_of_the_goal_line_and_the_other_labels() {
    // The sample data's case that put "按近期速度约25,183人" on the goal line: a projection
    // just above the goal at the deadline, a plot as small as the Target page draws it.
    let catalog = Catalog::builtin();
    let mut obs = Observations::new(catalog);
    let values =
        [20_000, 20_160, 20_700, 21_060, 21_380, 21_680, 21_910, 22_360, 22_730, 22_980, 23_365];
    let periods = [
        "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1",
        "2026Q2", "2026Q3",
    ];
    for (p, v) in periods.iter().zip(values) {
        assert!(obs.insert(code("500000"), "talent_total", period(p), f64::from(v)));
    }
    let data =
        ChartData::new(catalog, Registry::builtin(), &obs, "2026-12-02".parse().expect("date"));
    let cq1 = target(catalog, "CQ-1");
    for (w, h) in [(800, 450), (1200, 675)] {
        let opts = ChartOptions { width: w, height: h, ..ChartOptions::new(Lang::Zh) };
        let svg = chart::trend(&data, cq1, cq1.region, &opts).expect("trend");
        let all = texts(&svg);
        let goal_y: f64 = svg
            .split("<polyline ")
            .find(|l| l.contains("stroke=\"#212121\" stroke-width=\"2\" points=\"120,"))
            .and_then(|l| l.split("points=\"120,").nth(1)?.split(' ').next()?.parse().ok())
            .expect("the goal line's first dash");
        let in_plot = all.iter().find(|t| t.4.starts_with("按近期速度约"));
        let Some(projection) = in_plot else {
            // No room in the plot: the figure is in the legend instead.
            assert!(
                svg.contains("按近4个季度速度推算：约"),
                "{w}×{h}: the projection's figure is lost: {:?}",
                all.iter().map(|t| &t.4).collect::<Vec<_>>()
            );
            continue;
        };
        let (x0, x1, y0, y1) = text_box(projection);
        assert!(goal_y < y0 - 1.0 || goal_y > y1 + 1.0, "{w}×{h}: the label sits on the goal line");
        for other in all.iter().filter(|t| t.1 > 100.0 && !t.4.starts_with("按近期速度约")) {
            let (a0, a1, b0, b1) = text_box(other);
            let apart = x1 <= a0 || a1 <= x0 || y1 <= b0 || b1 <= y0;
            assert!(apart, "{w}×{h}: the projection's label overlaps {:?}", other.4);
        }
    }
}
