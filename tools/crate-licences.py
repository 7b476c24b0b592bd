#!/usr/bin/env python3
"""Lists the crates compiled into a package's binaries, with their versions and licences.

    tools/crate-licences.py PACKAGE OUT.txt

Reads `cargo metadata` for Linux on x86_64 and follows only normal dependencies from PACKAGE
(build scripts and tests are not linked in), so the list is what the .deb really ships.
"""
import json
import subprocess
import sys


def main() -> int:
    package, out = sys.argv[1], sys.argv[2]
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked",
         "--filter-platform", "x86_64-unknown-linux-gnu"],
        check=True, capture_output=True, text=True).stdout)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    roots = [p["id"] for p in meta["packages"] if p["name"] == package and p["source"] is None]
    if not roots:
        print(f"crate-licences: no workspace package named {package}", file=sys.stderr)
        return 1
    seen, todo = set(), list(roots)
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    rows = sorted(
        (packages[i]["name"], packages[i]["version"], packages[i].get("license") or "see its source")
        for i in seen if packages[i]["source"] is not None)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"Crates compiled into {package} (name, version, licence), from Cargo.lock:\n\n")
        width = max(len(n) for n, _, _ in rows)
        for name, version, licence in rows:
            f.write(f"{name:<{width}}  {version:<10}  {licence}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
