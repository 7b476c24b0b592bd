#!/usr/bin/env python3
"""Derives data/census/census2020_60plus.csv: the 2020 census population aged 60+ of every
division in the region registry (provinces, prefectures, counties and the optional members),
the fallback basis of a target split by elderly population (ARCHITECTURE.md, "Target
decomposition").

Source: the census by county of Lei Dong, Yu Du and Yu Liu ("Mapping Evolving Population
Geography in China", repository leiii/census, MIT), as tabulated in the shared data set
(census/census2020_county_age60_65_from_leiii.csv: pop_60plus summed from the age groups).

A division changed after the census takes the figures of the 2020 divisions it replaced, read
from data/regions/history.csv: a division renamed or re-coded (one successor) passes its figure
on, and divisions merged into one (its own old figure included, where its code was kept) are
summed. A division that took in part of a division that was split gets no figure (its share of
the old one is unknown), nor does one made from such a part: a split by elderly population
names it, and the user gives it a basis by hand.

    python3 tools/derive_census.py [SHARED_DATA_DIR]   (default ../shared/data)
"""

import csv
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
# (a worktree under /work/wt/NAME passes /work/shared/data)
CENSUS = os.path.join(SHARED, "census", "census2020_county_age60_65_from_leiii.csv")
REGIONS = os.path.join(ROOT, "data", "regions")
OUT = os.path.join(ROOT, "data", "census", "census2020_60plus.csv")


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main():
    # A few rows (tiny zones) carry a total but no age groups: no figure, not zero.
    census = {r["code"]: int(r["pop_60plus"]) for r in rows(CENSUS)
              if r["code"].isdigit() and r["pop_60plus"].strip()}
    registry = rows(os.path.join(REGIONS, "divisions_2024_mca.csv"))
    registry += rows(os.path.join(REGIONS, "optional_members_2023_stats.csv"))
    # Divisions abolished after the census (30 June 2020 … end 2020 counts as 2020) → successors.
    replaced = {}
    for h in rows(os.path.join(REGIONS, "history.csv")):
        if int(h["end"]) >= 2020 and h["code"] in census:
            replaced[h["code"]] = h["successors"].split(";")
    out, carried, missing = [], 0, []
    for r in registry:
        code = r["code"]
        # The 2020 divisions that became (part of) this one after the census.
        before = [c for c, succ in replaced.items() if code in succ and c != code]
        if any(len(replaced[c]) > 1 for c in before):
            # It took in part of a division that was split: its share of that is unknown, so
            # its figure is too (杭州市上城区 took most of 江干区 in 2021).
            missing.append(f"{code} {r['name']}")
            continue
        figure = census.get(code)
        if figure is None and not before:
            missing.append(f"{code} {r['name']}")
            continue
        total = (figure or 0) + sum(census[c] for c in before)
        source = "+".join(sorted(before + ([code] if figure is not None else [])))
        out.append((code, r["name"], total, "census" if not before else "via " + source))
        carried += bool(before)
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "pop_60plus", "from"])
        for row in sorted(out):
            w.writerow(row)
    print(f"{OUT}: {len(out)} divisions ({carried} through their former codes); "
          f"{len(missing)} without a figure: {', '.join(missing)}")


if __name__ == "__main__":
    main()
