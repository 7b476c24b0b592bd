#!/usr/bin/env python3
"""Runs `carestaff import --json` over real spreadsheets written by government offices.

usage: python3 tests/real_files.py PATH/TO/carestaff FOLDER

None of these files is an elder-care return, so each must be rejected with a clear message that
names the file's problem (and, where it is about a cell, the sheet and cell), or imported; the
process must never crash (exit codes 0 or 1 only) and a rejected file must leave the database
unchanged. Prints one line per file and `N passed, N failed` last.
"""
import json, subprocess, sys, tempfile
from pathlib import Path

binary, folder = sys.argv[1], Path(sys.argv[2])
db = str(Path(tempfile.mkdtemp(prefix="real-files-")) / "r.db")
passed = failed = 0
for f in sorted(folder.iterdir()):
    if f.suffix.lower() not in (".xlsx", ".xls", ".ods", ".csv"):
        continue
    before = subprocess.run([binary, "--db", db, "values", "--json"], capture_output=True, text=True).stdout
    p = subprocess.run([binary, "--db", db, "import", str(f), "--json"], capture_output=True, text=True, timeout=300)
    problems = []
    if p.returncode not in (0, 1):
        problems.append(f"exit {p.returncode}: {p.stderr.strip()[-300:]}")
    try:
        entry = json.loads(p.stdout)["files"][0]
        if entry["outcome"] == "rejected":
            if not entry["errors"] or not all(e["message"].strip() for e in entry["errors"]):
                problems.append("rejected without a message")
            after = subprocess.run([binary, "--db", db, "values", "--json"], capture_output=True, text=True).stdout
            if after != before:
                problems.append("a rejected file changed the database")
            summary = entry["errors"][0]
            where = f"{summary['sheet']}!{summary['cell']}" if summary["cell"] else summary["sheet"] or "file"
            detail = f"rejected ({len(entry['errors'])} errors; first at {where}: {summary['message'][:90]})"
        else:
            detail = f"{entry['outcome']} ({entry['values']} values)"
    except (ValueError, KeyError, IndexError) as e:
        problems.append(f"no JSON report: {e}")
        detail = ""
    if problems:
        failed += 1
        print(f"FAIL {f.name}: {'; '.join(problems)}")
    else:
        passed += 1
        print(f"ok   {f.name}: {detail}")
print(f"real files: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
