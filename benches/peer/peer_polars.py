#!/usr/bin/env python3
"""The analyst's way today, for `carestaff bench`: polars reading through fastexcel (calamine
inside), the status method of DESIGN.md in polars expressions, XlsxWriter to write the report.

usage: python3 benches/peer/peer_polars.py FILE --as-of YYYY-MM-DD --statuses OUT.json --report OUT.xlsx

The same job as peer.py (pandas + openpyxl), with the same inputs, outputs and statuses: it reads
the files Carestaff compiles in (catalog/catalog.toml, data/regions/*.csv), the layout the
national generator writes (行政区划代码, 地区, 报告期, one column per metric with its unit in
brackets), rolls stocks and flows up to every ancestor, evaluates every check of every target as
one frame (deadlines, annual pro-rating, ratios from summed parts, each_child with the reporting
units of data/regions/reporting_units.toml unless a target excludes the zones, worst of several
checks) and writes a report with a summary sheet and every value used.
Prints {"seconds": …, "peak_kib": …, "steps": {"import": …, "status": …, "report": …}} last
(import: the file read into the long frame; status: roll-up, statuses and their JSON).
Needs: polars, fastexcel, XlsxWriter (pip install polars fastexcel XlsxWriter).
"""
import argparse, datetime as dt, json, re, resource, sys, time, tomllib
from pathlib import Path

import polars as pl
import xlsxwriter

ROOT = Path(__file__).resolve().parents[2]
ON_TRACK, NEEDS_ACCELERATION = 0.95, 0.60
SEVERITY = ["achieved", "on_track", "insufficient_data", "no_data", "needs_acceleration", "off_track", "moving_away", "missed"]


def last_ended_by(d):
    q = (d.month - 1) // 3 + 1
    y, m = d.year, 3 * q
    end = dt.date(y, m, 31 if q in (1, 4) else 30)
    if end <= d:
        return f"{y}Q{q}"
    return f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}"


def year(c):
    return pl.col(c).str.slice(0, 4).cast(pl.Int32)


def quarter(c):
    return pl.col(c).str.slice(5, 1).cast(pl.Int32)


def quarter_end(c):
    q = quarter(c)
    return pl.date(year(c), 3 * q, pl.when(q.is_in([1, 4])).then(31).otherwise(30))


def holds(cmp, v, g):
    eps = pl.max_horizontal(g.abs(), pl.lit(1.0)) * 1e-9
    return (
        pl.when(cmp == ">=").then(v >= g - eps)
        .when(cmp == "<=").then(v <= g + eps)
        .otherwise((v - g).abs() <= eps)
    )


def classify(r):
    return (
        pl.when(r >= ON_TRACK).then(pl.lit("on_track"))
        .when(r >= NEEDS_ACCELERATION).then(pl.lit("needs_acceleration"))
        .when(r >= 0).then(pl.lit("off_track"))
        .otherwise(pl.lit("moving_away"))
    )


def read_regions():
    """The registry: the divisions, the optional members, and the reporting units the documents
    address (zones that report like districts and count as children unless a target's
    `zones = "excluded"`)."""
    cols = ["code", "name", "parent_code"]
    read = lambda f: pl.read_csv(ROOT / "data/regions" / f, infer_schema=False).select(cols)
    units = tomllib.loads((ROOT / "data/regions/reporting_units.toml").read_text())["unit"]
    return pl.concat([
        read("divisions_2024_mca.csv").with_columns(optional=pl.lit(False), unit=pl.lit(False)),
        read("optional_members_2023_stats.csv").with_columns(optional=pl.lit(True), unit=pl.lit(False)),
        pl.DataFrame({"code": [u["code"] for u in units], "name": [u["name"] for u in units], "parent_code": [u["parent"] for u in units]})
        .with_columns(optional=pl.lit(True), unit=pl.lit(True)),
    ]).with_columns(pl.col("parent_code").fill_null(""))


def read_values(file, metrics, last):
    """The return, long: one row per (region, metric, period, value), up to the last quarter."""
    df = pl.read_excel(file, sheet_id=1, engine="calamine", schema_overrides={"行政区划代码": pl.String, "报告期": pl.String})
    label_to_metric = {}
    for col in df.columns:
        base = re.sub(r"[（(].*?[）)]", "", col).strip()
        for m in metrics.values():
            if base in (m["label_zh"], *m.get("variants", [])):
                label_to_metric[col] = m["id"]
    q_index = lambda e: e.str.slice(0, 4).cast(pl.Int32) * 4 + e.str.slice(5, 1).cast(pl.Int32) - 1
    last_index = int(last[:4]) * 4 + int(last[5]) - 1
    return (
        df.lazy()
        .select(
            pl.col("行政区划代码").str.strip_chars().alias("region"),
            pl.col("报告期").str.strip_chars().alias("period"),
            *[pl.col(c).cast(pl.Float64) for c in label_to_metric],
        )
        .unpivot(index=["region", "period"], variable_name="col", value_name="value")
        .drop_nulls()
        .filter(q_index(pl.col("period")) <= last_index)
        .select("region", pl.col("col").replace_strict(label_to_metric).alias("metric"), "period", "value")
        .collect()
    )


def roll_up(own, regions, metrics, wanted):
    """The values of the `wanted` regions: their own, and for every ancestor of a county the sum
    of its counties (stocks and flows); a region's own row wins."""
    summed = [m for m, d in metrics.items() if d["kind"] in ("stock", "flow")]
    up = regions.lazy().select("code", "parent_code").unique("code", keep="last", maintain_order=True)
    # Every region's ancestors (three levels up), from the registry alone: a small frame.
    level = up.select(pl.col("code").alias("region"), pl.col("parent_code").alias("ancestor"))
    links = []
    for _ in range(3):
        level = level.filter(pl.col("ancestor") != "")
        links.append(level)
        level = level.join(up, left_on="ancestor", right_on="code").select("region", pl.col("parent_code").alias("ancestor"))
    wanted_links = pl.concat(links).filter(pl.col("ancestor").is_in(wanted))
    sums = (
        own.lazy().filter(pl.col("metric").is_in(summed))
        .join(wanted_links, on="region")
        .group_by("ancestor", "metric", "period").agg(pl.col("value").sum())
        .select(pl.col("ancestor").alias("region"), "metric", "period", "value")
    )
    mine = own.lazy().filter(pl.col("region").is_in(wanted))
    return pl.concat([mine, sums]).unique(["region", "metric", "period"], keep="first", maintain_order=True)


def checks_frame(catalog, children):
    """One row per check to evaluate: every check of every target, in its region or in each
    child for each_child targets."""
    rows = []
    for t in catalog["targets"]:
        checks = [(t["indicator"], t["comparator"], t["goal"])]
        checks += [({"metric": a["metric"]}, a["comparator"], a["goal"]) for a in t.get("also", [])]
        if t.get("scope") == "each_child":
            zones = t.get("zones", "counted") == "counted"
            regions = [c for c, opt, unit in children.get(t["region"], []) if not opt or (unit and zones)]
        else:
            regions = [t["region"]]
        for region in regions:
            for ind, cmp, goal in checks:
                rows.append({
                    "check": len(rows), "target": t["id"], "region": region, "cmp": cmp, "goal": float(goal),
                    "annual": t.get("recurrence") == "annual",
                    "deadline": dt.date.fromisoformat(t["deadline"]) if "deadline" in t else None,
                    "metric": ind.get("metric"), "numerator": ind.get("numerator"),
                    "denominator": ind.get("denominator"), "factor": float(ind.get("factor", 1.0)),
                })
    return pl.DataFrame(rows, schema_overrides={"deadline": pl.Date, "metric": pl.String, "numerator": pl.String, "denominator": pl.String})


def indicator_series(checks, values, metrics):
    """Each check's indicator as (check, period, value): the metric itself, or numerator over
    denominator at the periods both have (denominator non-zero), year-to-date when annual."""
    kinds = pl.DataFrame({"metric": list(metrics), "kind": [m["kind"] for m in metrics.values()]}).lazy()
    c = checks.lazy()

    def part(col):
        s = (
            c.select("check", "region", "annual", pl.col(col).alias("metric")).drop_nulls("metric")
            .join(values, on=["region", "metric"], how="inner")
            .join(kinds, on="metric", how="left")
            .sort("check", "period")
        )
        by_year = ["check", pl.col("period").str.slice(0, 4)]
        ytd = (
            pl.when(~pl.col("annual")).then(pl.col("value"))
            .when(pl.col("kind") == "flow").then(pl.col("value").cum_sum().over(by_year))
            .when(pl.col("kind") == "checklist").then(pl.col("value").cum_max().over(by_year))
            .otherwise(pl.col("value"))
        )
        return s.select("check", "period", ytd.alias(col))

    single = part("metric").rename({"metric": "value"})
    ratio = (
        part("numerator").join(part("denominator"), on=["check", "period"], how="inner")
        .drop_nulls().filter(pl.col("denominator") != 0)
        .join(c.select("check", "factor"), on="check")
        .select("check", "period", (pl.col("numerator") / pl.col("denominator") * pl.col("factor")).alias("value"))
    )
    return pl.concat([single, ratio])


def check_statuses(checks, series, as_of, last):
    """The status of every check, by DESIGN.md's method, as polars expressions."""
    v, g, cmp = pl.col("value"), pl.col("goal"), pl.col("cmp")
    s = (
        series.join(checks.lazy().select("check", "deadline"), on="check")
        .sort("check", "period")
        .with_columns(end=quarter_end("period"))
    )
    before = pl.col("end") <= pl.col("deadline")
    this_year = year("period") == int(last[:4])
    prev_year = year("period") == int(last[:4]) - 1
    agg = s.group_by("check").agg(
        n=pl.len(),
        first=v.first(), last=v.last(), t0=pl.col("end").first(), t=pl.col("end").last(),
        before_last=v.filter(before).last(),
        year_value=pl.coalesce(v.filter(this_year).last(), v.filter(prev_year).last()),
        year_period=pl.coalesce(pl.col("period").filter(this_year).last(), pl.col("period").filter(prev_year).last()),
        closed=pl.when(this_year.any()).then(pl.lit(last[5] == "4")).otherwise(pl.lit(True)),
    )
    y0, yt, t0, t = pl.col("first"), pl.col("last"), pl.col("t0"), pl.col("t")
    span = (pl.col("deadline") - t0).dt.total_days()
    f = pl.when(span <= 0).then(1.0).otherwise(((t - t0).dt.total_days() / span).clip(0.0, 1.0))
    e = y0 + f * (g - y0)
    deadline = (
        pl.when(pl.lit(as_of) > pl.col("deadline")).then(
            pl.when(pl.col("before_last").is_null()).then(pl.lit("missed"))
            .when(holds(cmp, pl.col("before_last"), g)).then(pl.lit("achieved"))
            .otherwise(pl.lit("missed")))
        .when(holds(cmp, yt, g)).then(pl.lit("achieved"))
        .when(pl.col("n") == 1).then(pl.lit("insufficient_data"))
        .when(holds(cmp, y0, g)).then(pl.lit("moving_away"))
        .when(e == y0).then(pl.lit("insufficient_data"))
        .otherwise(classify((yt - y0) / (e - y0)))
    )
    yv = pl.col("year_value")
    expected = g * quarter("year_period") / 4
    annual = (
        pl.when(yv.is_null()).then(pl.lit("no_data"))
        .when(holds(cmp, yv, g)).then(pl.lit("achieved"))
        .when(pl.col("closed")).then(pl.lit("missed"))
        .when((cmp != ">=") | (expected == 0)).then(pl.lit("off_track"))
        .otherwise(classify(yv / expected))
    )
    plain = pl.when(holds(cmp, yt, g)).then(pl.lit("achieved")).otherwise(pl.lit("off_track"))
    status = (
        pl.when(pl.col("n").is_null()).then(pl.lit("no_data"))
        .when(pl.col("annual")).then(annual)
        .when(pl.col("deadline").is_not_null()).then(deadline)
        .otherwise(plain)
    )
    return checks.lazy().join(agg, on="check", how="left").select("check", "target", "region", status.alias("status"))


def target_statuses(catalog, checks_status, as_of, names):
    """Worst check per (target, region); each_child targets combine their children."""
    rank = pl.col("status").replace_strict(SEVERITY, list(range(len(SEVERITY))), return_dtype=pl.Int32)
    per_region = (
        checks_status.group_by("target", "region", maintain_order=True)
        .agg(pl.col("status").sort_by(rank, descending=True).first())
        .collect()
    )
    by_target = {t: d for (t,), d in per_region.partition_by("target", as_dict=True, maintain_order=True).items()}
    rows = []
    for t in catalog["targets"]:
        region = t["region"]
        got = by_target.get(t["id"])
        if t.get("scope") == "each_child":
            sts = got["status"] if got is not None else pl.Series([], dtype=pl.String)
            final = (sts == "missed").any() or ("deadline" in t and as_of > dt.date.fromisoformat(t["deadline"]))
            if sts.is_empty() or (sts == "no_data").all():
                status = "no_data"
            elif (sts == "achieved").all():
                status = "achieved"
            else:
                status = "missed" if final else "off_track"
        else:
            status = got["status"][0]
        rows.append({"target": t["id"], "region": region, "region_name": names.get(region, region), "status": status})
    return rows


def write_report(path, rows, used):
    """A summary sheet and every value used, with XlsxWriter (constant memory, row by row)."""
    with xlsxwriter.Workbook(path, {"constant_memory": True}) as wb:
        summary = wb.add_worksheet("汇总")
        summary.write_row(0, 0, ["target", "region", "region_name", "status"])
        for i, r in enumerate(rows, 1):
            summary.write_row(i, 0, [r["target"], r["region"], r["region_name"], r["status"]])
        sheet = wb.add_worksheet("数据来源")
        sheet.write_row(0, 0, used.columns)
        for i, row in enumerate(used.iter_rows(), 1):
            sheet.write_row(i, 0, row)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--statuses", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    started = time.perf_counter()
    as_of = dt.date.fromisoformat(args.as_of)
    last = last_ended_by(as_of)

    catalog = tomllib.loads((ROOT / "catalog/catalog.toml").read_text())
    metrics = {m["id"]: m for m in catalog["metrics"]}
    regions = read_regions()
    parent = dict(zip(regions["code"], regions["parent_code"]))
    names = dict(zip(regions["code"], regions["name"]))
    children = {}
    for code, p, opt, unit in regions.select("code", "parent_code", "optional", "unit").iter_rows():
        children.setdefault(p, []).append((code, opt, unit))

    own = read_values(args.file, metrics, last)
    read_at = time.perf_counter()
    checks = checks_frame(catalog, children)
    wanted = checks["region"].unique().to_list()
    # Only the regions some check reads need their roll-up.
    values = roll_up(own, regions, metrics, wanted)
    series = indicator_series(checks, values, metrics)
    rows = target_statuses(catalog, check_statuses(checks, series, as_of, last), as_of, names)
    Path(args.statuses).write_text(json.dumps(rows, ensure_ascii=False))
    status_at = time.perf_counter()

    # The report: a summary and every value used (those inside the targets' jurisdictions, as
    # Carestaff's report lists).
    target_regions = {t["region"] for t in catalog["targets"]}

    def in_scope(code):
        while code:
            if code in target_regions:
                return True
            code = parent.get(code, "")
        return False

    scope = [c for c in own["region"].unique() if in_scope(c)]
    used = own.filter(pl.col("region").is_in(scope)).sort("region", "period", "metric").with_columns(source=pl.lit(Path(args.file).name))
    write_report(args.report, rows, used)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done = time.perf_counter()
    steps = {"import": read_at - started, "status": status_at - read_at, "report": done - status_at}
    print(json.dumps({"seconds": done - started, "peak_kib": peak, "targets": len(rows), "steps": steps}))


if __name__ == "__main__":
    sys.exit(main())
