#!/usr/bin/env python3
"""Lists functions longer than a screen (150 lines by default) outside tests, and fails when
there are any: ARCHITECTURE.md promises that none exists. `make lint` runs it.

usage: python3 tools/long-functions.py [--max N] [DIR...]   (default: crates src src-tauri/src)
A function is counted from its `fn` line to the closing brace at the same indentation; test
modules (`#[cfg(test)]`) and the tests/ folders are left out.
"""
import re
import sys
from pathlib import Path

FN = re.compile(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")


def long_functions(path: Path, limit: int):
    lines = path.read_text(encoding="utf-8").splitlines()
    skip_until = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if skip_until is not None:
            if line == skip_until:
                skip_until = None
            i += 1
            continue
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines):
            nxt = lines[i + 1]
            if re.match(r"^(\s*)(pub\s+)?mod\s+\w+\s*\{", nxt):
                indent = re.match(r"^(\s*)", nxt).group(1)
                skip_until = indent + "}"
                i += 2
                continue
        m = FN.match(line)
        if m and not line.rstrip().endswith(";"):
            indent, name = m.group(1), m.group(2)
            end = i
            while end < len(lines) and lines[end] != indent + "}" and not (
                end == i and line.rstrip().endswith("}")
            ):
                end += 1
            length = end - i + 1
            if length > limit:
                yield name, i + 1, length
        i += 1


def main(argv):
    limit = 150
    if "--max" in argv:
        k = argv.index("--max")
        limit = int(argv[k + 1])
        del argv[k : k + 2]
    roots = argv or ["crates", "src", "src-tauri/src"]
    found = []
    for root in roots:
        for path in sorted(Path(root).rglob("*.rs")):
            if "tests" in path.parts:
                continue
            for name, line, length in long_functions(path, limit):
                found.append(f"{path}:{line}: fn {name} is {length} lines (at most {limit})")
    for f in found:
        print(f)
    if found:
        print(f"{len(found)} function(s) longer than {limit} lines: split them along what each part does")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
