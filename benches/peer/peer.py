#!/usr/bin/env python3
"""The analyst's way, for `carestaff bench`: pandas + openpyxl to read a return, the status
method of DESIGN.md in pandas, XlsxWriter to write the report.

usage: python3 benches/peer/peer.py FILE --as-of YYYY-MM-DD --statuses OUT.json --report OUT.xlsx

It reads the same files Carestaff compiles in (catalog/catalog.toml, data/regions/*.csv and
reporting_units.toml), handles the layout the national generator writes (行政区划代码, 地区, 报告期,
one column per metric with its unit in brackets), applies the same rules (roll-up by summing
children, ratios from summed parts, deadlines, annual pro-rating, each_child with the reporting
units unless a target excludes the zones, worst of several checks) and writes a report with a
summary sheet and every value used.
Prints {"seconds": …, "peak_kib": …, "steps": {"import": …, "status": …, "report": …}} last
(import: the file read into the long frame; status: roll-up, statuses and their JSON).
Needs: pandas, openpyxl, XlsxWriter (pip install pandas openpyxl XlsxWriter).
"""
import argparse, datetime as dt, json, re, resource, sys, time, tomllib
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
ON_TRACK, NEEDS_ACCELERATION = 0.95, 0.60


def quarter_end(p):
    y, q = int(p[:4]), int(p[5])
    return dt.date(y, 3 * q, 31 if q in (1, 4) else 30)


def last_ended_by(d):
    q = (d.month - 1) // 3 + 1
    p = f"{d.year}Q{q}"
    if quarter_end(p) <= d:
        return p
    return f"{d.year - 1}Q4" if q == 1 else f"{d.year}Q{q - 1}"


def q_index(p):
    return int(p[:4]) * 4 + int(p[5]) - 1


def classify(r):
    if r >= ON_TRACK:
        return "on_track"
    if r >= NEEDS_ACCELERATION:
        return "needs_acceleration"
    return "off_track" if r >= 0 else "moving_away"


def holds(cmp, v, g):
    eps = 1e-9 * max(abs(g), 1.0)
    return v >= g - eps if cmp == ">=" else v <= g + eps if cmp == "<=" else abs(v - g) <= eps


SEVERITY = ["achieved", "on_track", "insufficient_data", "no_data", "needs_acceleration", "off_track", "moving_away", "missed"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--statuses", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    started = time.perf_counter()
    as_of = dt.date.fromisoformat(args.as_of)

    catalog = tomllib.loads((ROOT / "catalog/catalog.toml").read_text())
    metrics = {m["id"]: m for m in catalog["metrics"]}
    # The registry: the divisions, the optional members, and the reporting units the documents
    # address (zones that report like districts and count as children unless a target's
    # `zones = "excluded"`).
    units = tomllib.loads((ROOT / "data/regions/reporting_units.toml").read_text())["unit"]
    regions = pd.concat([
        pd.read_csv(ROOT / "data/regions/divisions_2024_mca.csv", dtype=str)[["code", "name", "parent_code"]].assign(optional=False, unit=False),
        pd.read_csv(ROOT / "data/regions/optional_members_2023_stats.csv", dtype=str)[["code", "name", "parent_code"]].assign(optional=True, unit=False),
        pd.DataFrame({"code": [u["code"] for u in units], "name": [u["name"] for u in units], "parent_code": [u["parent"] for u in units]}).assign(optional=True, unit=True),
    ])
    parent = dict(zip(regions.code, regions.parent_code.fillna("")))
    names = dict(zip(regions.code, regions.name))
    children = {}
    for code, p, opt, unit in zip(regions.code, regions.parent_code.fillna(""), regions.optional, regions.unit):
        children.setdefault(p, []).append((code, opt, unit))

    # Read: the analyst's usual pandas + openpyxl.
    df = pd.read_excel(args.file, sheet_name=0, engine="openpyxl", dtype={"行政区划代码": str})
    label_to_metric = {}
    for col in df.columns:
        base = re.sub(r"[（(].*?[）)]", "", str(col)).strip()
        for m in metrics.values():
            if base in (m["label_zh"], *m.get("variants", [])):
                label_to_metric[col] = m["id"]
    long = df.melt(id_vars=["行政区划代码", "报告期"], value_vars=list(label_to_metric), var_name="col", value_name="value").dropna()
    long["metric"] = long["col"].map(label_to_metric)
    long["region"] = long["行政区划代码"].str.strip()
    long["period"] = long["报告期"].astype(str).str.strip()
    last = last_ended_by(as_of)
    long = long[long["period"].map(q_index) <= q_index(last)]
    read_at = time.perf_counter()

    # Roll up: every ancestor gets the sum of its counties (stocks and flows).
    summed = {m for m, d in metrics.items() if d["kind"] in ("stock", "flow")}
    own = long[["region", "metric", "period", "value"]]
    frames = [own]
    level = own[own.metric.isin(summed)]
    for _ in range(3):
        level = level.assign(region=level.region.map(parent)).query("region != ''").dropna(subset=["region"])
        level = level.groupby(["region", "metric", "period"], as_index=False)["value"].sum()
        frames.append(level)
    rolled = pd.concat(frames).drop_duplicates(["region", "metric", "period"], keep="first")
    table = rolled.set_index(["region", "metric", "period"])["value"]
    series_cache = {}

    def metric_series(region, metric):
        key = (region, metric)
        if key not in series_cache:
            try:
                series_cache[key] = table.loc[(region, metric)].sort_index()
            except KeyError:
                series_cache[key] = pd.Series(dtype=float)
        return series_cache[key]

    def indicator(ind, region, annual):
        if "metric" in ind:
            s = metric_series(region, ind["metric"])
            return ytd(s, ind["metric"]) if annual else s
        n, d = metric_series(region, ind["numerator"]), metric_series(region, ind["denominator"])
        if annual:
            n, d = ytd(n, ind["numerator"]), ytd(d, ind["denominator"])
        both = pd.concat([n, d], axis=1, join="inner").dropna()
        both = both[both.iloc[:, 1] != 0]
        return (both.iloc[:, 0] / both.iloc[:, 1] * ind.get("factor", 1.0)).sort_index()

    def ytd(s, metric):
        if s.empty:
            return s
        kind = metrics[metric]["kind"]
        years = s.index.str[:4]
        if kind == "flow":
            return s.groupby(years).cumsum()
        if kind == "checklist":
            return s.groupby(years).cummax()
        return s

    def deadline_status(s, cmp, goal, deadline):
        if s.empty:
            return "no_data"
        if as_of > deadline:
            before = s[[quarter_end(p) <= deadline for p in s.index]]
            if before.empty:
                return "missed"
            return "achieved" if holds(cmp, before.iloc[-1], goal) else "missed"
        yt = s.iloc[-1]
        if holds(cmp, yt, goal):
            return "achieved"
        if len(s) == 1:
            return "insufficient_data"
        y0, t0, t = s.iloc[0], quarter_end(s.index[0]), quarter_end(s.index[-1])
        if holds(cmp, y0, goal):
            return "moving_away"
        span = (deadline - t0).days
        f = 1.0 if span <= 0 else min(max((t - t0).days / span, 0.0), 1.0)
        e = y0 + f * (goal - y0)
        if e == y0:
            return "insufficient_data"
        return classify((yt - y0) / (e - y0))

    def annual_status(s, cmp, goal):
        if s.empty:
            return "no_data"
        this_year = s[s.index.str[:4] == last[:4]]
        if not this_year.empty:
            p, closed = this_year.index[-1], last[5] == "4"
        else:
            prev = s[s.index.str[:4] == str(int(last[:4]) - 1)]
            if prev.empty:
                return "no_data"
            p, closed = prev.index[-1], True
        v = s.loc[p]
        if holds(cmp, v, goal):
            return "achieved"
        if closed:
            return "missed"
        expected = goal * int(p[5]) / 4
        if cmp != ">=" or expected == 0:
            return "off_track"
        return classify(v / expected)

    def check_status(t, check, region):
        annual = t.get("recurrence") == "annual"
        s = indicator(check["indicator"], region, annual)
        if annual:
            return annual_status(s, check["comparator"], check["goal"])
        if "deadline" in t:
            return deadline_status(s, check["comparator"], check["goal"], dt.date.fromisoformat(t["deadline"]))
        return "no_data" if s.empty else ("achieved" if holds(check["comparator"], s.iloc[-1], check["goal"]) else "off_track")

    def target_status(t, region):
        checks = [{"indicator": t["indicator"], "comparator": t["comparator"], "goal": t["goal"]}]
        checks += [{"indicator": {"metric": a["metric"]}, "comparator": a["comparator"], "goal": a["goal"]} for a in t.get("also", [])]
        statuses = [check_status(t, c, region) for c in checks]
        return max(statuses, key=lambda x: (SEVERITY.index(x), -statuses.index(x)))

    rows = []
    for t in catalog["targets"]:
        region = t["region"]
        if t.get("scope") == "each_child":
            zones = t.get("zones", "counted") == "counted"
            kids = [c for c, opt, unit in children.get(region, []) if not opt or (unit and zones)]
            sts = [target_status(t, c) for c in kids]
            final = "missed" in sts or ("deadline" in t and as_of > dt.date.fromisoformat(t["deadline"]))
            if not kids or all(x == "no_data" for x in sts):
                status = "no_data"
            elif all(x == "achieved" for x in sts):
                status = "achieved"
            else:
                status = "missed" if final else "off_track"
        else:
            status = target_status(t, region)
        rows.append({"target": t["id"], "region": region, "region_name": names.get(region, region), "status": status})
    Path(args.statuses).write_text(json.dumps(rows, ensure_ascii=False))
    status_at = time.perf_counter()

    # The report: a summary and every value used (those inside the targets' jurisdictions, as
    # Carestaff's report lists), as an analyst would write it.
    target_regions = {t["region"] for t in catalog["targets"]}

    def in_scope(code):
        while code:
            if code in target_regions:
                return True
            code = parent.get(code, "")
        return False

    scope = {c: in_scope(c) for c in own.region.unique()}
    used = own[own.region.map(scope)].sort_values(["region", "period", "metric"])
    with pd.ExcelWriter(args.report, engine="xlsxwriter") as xw:
        pd.DataFrame(rows).to_excel(xw, sheet_name="汇总", index=False)
        used.assign(source=Path(args.file).name).to_excel(xw, sheet_name="数据来源", index=False)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done = time.perf_counter()
    steps = {"import": read_at - started, "status": status_at - read_at, "report": done - status_at}
    print(json.dumps({"seconds": done - started, "peak_kib": peak, "targets": len(rows), "steps": steps}))


if __name__ == "__main__":
    sys.exit(main())
