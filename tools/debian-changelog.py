#!/usr/bin/env python3
"""Writes a package's Debian changelog (changelog.Debian) from CHANGELOG.md.

    tools/debian-changelog.py PACKAGE REVISION CHANGELOG.md OUT VERSION

Each `## VERSION — YYYY-MM-DD` section becomes one entry `PACKAGE (VERSION-REVISION)`, its
`- ` items the entry's lines (markdown emphasis dropped, wrapped at 80 columns). An
`## Unreleased` section is refused: a package is built from a released version; so is a newest
section that is not VERSION (the version the binaries print).
"""
import datetime
import re
import sys
import textwrap

MAINTAINER = "Carestaff <packages@carestaff.cn>"


def sections(text):
    current = None
    for line in text.splitlines():
        m = re.match(r"^## (\S+)(?: — (\d{4}-\d{2}-\d{2}))?\s*$", line)
        if m:
            current = {"version": m.group(1), "date": m.group(2), "items": []}
            yield current
        elif current is not None:
            if line.startswith("- "):
                current["items"].append(line[2:].strip())
            elif line.startswith("  ") and current["items"]:
                current["items"][-1] += " " + line.strip()


def plain(item):
    return re.sub(r"\*\*|`", "", item)


def main() -> int:
    package, revision, source, out, version = sys.argv[1:6]
    entries = []
    all_sections = list(sections(open(source, encoding="utf-8").read()))
    for index, section in enumerate(all_sections):
        if section["version"].lower() == "unreleased":
            print("debian-changelog: CHANGELOG.md has an Unreleased section: give it a version",
                  file=sys.stderr)
            return 1
        date = section["date"]
        if date is None:
            print(f"debian-changelog: {section['version']} has no date: ## VERSION — YYYY-MM-DD",
                  file=sys.stderr)
            return 1
        # Releases made the same day get later hours, newest last, so that every entry is
        # newer than the one below it (lintian: latest-changelog-entry-without-new-date).
        same_day_older = sum(1 for s in all_sections[index + 1:] if s["date"] == date)
        when = datetime.datetime.strptime(date + " 12:00 +0800", "%Y-%m-%d %H:%M %z")
        when += datetime.timedelta(hours=same_day_older)
        lines = [f"{package} ({section['version']}-{revision}) stable; urgency=medium", ""]
        for item in section["items"] or ["Release."]:
            lines += textwrap.wrap(plain(item), 78, initial_indent="  * ",
                                   subsequent_indent="    ", break_on_hyphens=False)
        lines += ["", f" -- {MAINTAINER}  {when.strftime('%a, %d %b %Y %H:%M:%S %z')}", ""]
        entries.append("\n".join(lines))
    if not entries:
        print("debian-changelog: no version in CHANGELOG.md", file=sys.stderr)
        return 1
    newest = entries[0].split("(", 1)[1].split("-", 1)[0].split(")", 1)[0]
    if newest != version:
        print(f"debian-changelog: the newest section of CHANGELOG.md is {newest}, the binaries "
              f"say {version}: add a section for {version}", file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
