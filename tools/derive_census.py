#!/usr/bin/env python3
"""Derives data/census/census2020_60plus.csv: the 2020 census population aged 60+ of every
division in the region registry (provinces, prefectures, counties and the optional members),
the fallback basis of a target split by elderly population (ARCHITECTURE.md, "Target
decomposition").

Source: the census by county of Lei Dong, Yu Du and Yu Liu ("Mapping Evolving Population
Geography in China", repository leiii/census, MIT), as tabulated in the shared data set
(census/census2020_county_age60_65_from_leiii.csv: pop_60plus summed from the age groups).

A registry code the census lacks takes the figures of the 2020 divisions it replaced, read from
data/regions/history.csv: a division renamed or re-coded after 2020 (one successor) passes its
figure on; several merged into one are summed. A code that is part of a split division gets no
figure (its share of the old one is unknown): a split by elderly population names it, and the
user gives it a basis by hand.

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
        if code in census:
            out.append((code, r["name"], census[code], "census"))
            continue
        before = [c for c, succ in replaced.items() if code in succ]
        if before and all(len(replaced[c]) == 1 for c in before):
            out.append((code, r["name"], sum(census[c] for c in before), "via " + "+".join(sorted(before))))
            carried += 1
        else:
            missing.append(f"{code} {r['name']}")
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "pop_60plus", "from"])
        for row in sorted(out):
            w.writerow(row)
    print(f"{OUT}: {len(out)} divisions ({carried} through their former codes); "
          f"{len(missing)} without a figure: {', '.join(missing)}")


if __name__ == "__main__":
    main()
