#!/usr/bin/env python3
"""Derives data/regions/history.csv from the GB/T 2260 change history (CC0, yescallop/areacodes,
as copied in ../shared/data/divisions/history/codes.json).

usage: python3 tools/derive_history.py ../shared/data/divisions/history/codes.json data/regions/divisions_2024_mca.csv > data/regions/history.csv

One row per abolished division (a record with an `end` year): its code and name, the years it
was valid, its parent's name at the time, and its successors as they are today, found by
following each successor (the `succ` entries without a `time`, which are the divisions it
became when it ended) until a division of the current list is reached. A division that became
exactly one current division was renamed or re-coded; one that became several was split.
"""
import csv, json, sys

codes_path, current_path = sys.argv[1], sys.argv[2]
current = {}
for row in csv.DictReader(open(current_path, encoding="utf-8")):
    current[int(row["code"])] = row["name"]

items = json.load(open(codes_path, encoding="utf-8"))["items"]
records = []  # (code, name, start, end, succ codes, parent name)


def walk(nodes, parent_name):
    for n in nodes:
        records.append((n["code"], n["name"], n.get("start"), n.get("end"),
                        [s["code"] for s in n.get("succ", []) if "time" not in s], parent_name))
        walk(n.get("children", []), n["name"])


walk(items, "")
by_code = {}
for r in records:
    by_code.setdefault(r[0], []).append(r)


def valid_at(code, year):
    """The record of `code` in force just after `year` (when a predecessor ended)."""
    for r in by_code.get(code, []):
        start, end = r[2] or 0, r[3]
        if start <= year and (end is None or end > year):
            return r
    return None


def today(code, year, depth=0):
    """The current divisions that `code`, valid after `year`, became."""
    if depth > 20:
        return set()
    r = valid_at(code, year)
    if r is None:
        return {code} if code in current else set()
    if r[3] is None:
        return {code} if code in current else set()
    out = set()
    for s in r[4]:
        out |= today(s, r[3], depth + 1)
    return out


w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["code", "name", "start", "end", "parent_name", "successors"])
for code, name, start, end, succ, parent in sorted(records, key=lambda r: (r[0], r[2] or 0)):
    if end is None:
        continue
    now = set()
    for s in succ:
        now |= today(s, end)
    if not now:
        continue
    # A record whose code and name are both current is only a change of level or parent: the
    # registry resolves it already.
    if code in current and current[code] == name and now == {code}:
        continue
    w.writerow([code, name, start or "", end, parent, ";".join(str(c) for c in sorted(now))])
