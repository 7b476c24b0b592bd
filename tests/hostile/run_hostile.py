#!/usr/bin/env python3
"""Runs `carestaff import --json` over the hostile files written by make_hostile.py.

usage: python3 tests/hostile/run_hostile.py BINARY OUTDIR [--time-limit 10] [--mem-mib 256]
                                             [--only SUBSTRING]... [--jobs 1]

Each case gets a fresh database. The import runs under `prlimit --as` (MEM MiB of address space)
and a wall-clock limit; on timeout the whole process group is killed. A case passes when:
  - the import finished within the time limit, exited 0 or 1 (not a signal, not 101 for a
    panic, not 2), and 0 exactly when the file was not rejected;
  - stdout is JSON {"files":[{"path","outcome","values","errors":[{"sheet","cell","message",
    "message_zh"}],"warnings":[...]}]};
  - the outcome is the case's `expect` ("either" allows imported and rejected);
  - a rejected file has at least one error, each with a message and a message_zh in Chinese;
  - no message, message_zh or stderr shows library or Rust internals (see INTERNALS);
  - the first error's message_zh contains one of the case's `words`, if it has any;
  - an error names the case's `sheet` and `cell`, if it has them; an imported file brings the
    case's `values`, if it has them;
  - `values --json` is the same after a rejected file as before it.
Prints one line per case, the slowest five and `hostile files: N passed, N failed`; exits 1 when
any failed. Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INTERNALS = [
    "panicked", "RUST_BACKTRACE", "Cfb error", "Xml error", "Zip error", "os error", "Codepage",
    "calamine", "quick_xml", "InvalidData", "Io(", "thread '",
]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
GRACE = 5.0


def run_plain(cmd, timeout=120):
    """A short helper command (values --json), its own process group, killed on timeout."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(p)
        out, err = p.communicate()
        return None, out, err
    return p.returncode, out, err


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def limited_cmd(cmd, mem_mib):
    """`cmd` under an address-space limit: prlimit when present, else setrlimit in the child."""
    limit = mem_mib * 1024 * 1024
    if shutil.which("prlimit"):
        return ["prlimit", f"--as={limit}", "--", *cmd], None

    def preexec():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cmd, preexec


def run_import(binary, db, path, time_limit, mem_mib):
    cmd, preexec = limited_cmd([binary, "--db", db, "import", path, "--json"], mem_mib)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                         preexec_fn=preexec)
    timed_out = False
    try:
        out, err = p.communicate(timeout=time_limit + GRACE)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(p)
        out, err = p.communicate()
    elapsed = time.monotonic() - t0
    # Anything the import left behind in its group (it should leave nothing).
    kill_group(p)
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), elapsed, timed_out


def describe_exit(code, stderr):
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = " (out of memory)" if "memory allocation" in stderr else ""
        return f"killed by {name}{why}"
    if code == 101:
        return "exit 101 (a Rust panic)"
    if code == 2:
        return "exit 2 (usage error)"
    return f"exit {code}"


def check_shape(doc):
    """The JSON report's shape; returns (entry, problems)."""
    problems = []
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list) or len(doc["files"]) != 1:
        return None, ["JSON is not {\"files\": [one entry]}"]
    e = doc["files"][0]
    if not isinstance(e, dict):
        return None, ["files[0] is not an object"]
    for key, typ in (("path", str), ("outcome", str), ("values", int), ("errors", list), ("warnings", list)):
        if not isinstance(e.get(key), typ):
            problems.append(f"files[0].{key} missing or not {typ.__name__}")
    if problems:
        return None, problems
    if e["outcome"] not in ("imported", "unchanged", "rejected"):
        problems.append(f"unknown outcome {e['outcome']!r}")
    for kind in ("errors", "warnings"):
        for i, err in enumerate(e[kind]):
            if not isinstance(err, dict) or not all(isinstance(err.get(k), str)
                                                    for k in ("sheet", "cell", "message", "message_zh")):
                problems.append(f"{kind}[{i}] lacks string sheet/cell/message/message_zh")
    return (None if problems else e), problems


def check_case(case, binary, outdir, time_limit, mem_mib):
    tmp = tempfile.mkdtemp(prefix="hostile-")
    result = {"file": case["file"], "elapsed": 0.0, "outcome": "-", "zh": "", "problems": []}
    problems = result["problems"]
    try:
        db = os.path.join(tmp, "h.db")
        code, before, err = run_plain([binary, "--db", db, "values", "--json"])
        if code != 0:
            problems.append(f"`values --json` on a fresh database failed ({code}): {err.decode(errors='replace')[-200:]}")
            return result
        path = str(Path(outdir) / case["file"])
        code, out, err, elapsed, timed_out = run_import(binary, db, path, time_limit, mem_mib)
        result["elapsed"] = elapsed
        if timed_out:
            problems.append(f"timed out: killed after {elapsed:.1f} s (limit {time_limit:g} s)")
            return result
        if elapsed > time_limit:
            problems.append(f"took {elapsed:.1f} s (limit {time_limit:g} s)")
        if code not in (0, 1):
            problems.append(f"{describe_exit(code, err)}: {err.strip()[-240:]!r}")
        for word in INTERNALS:
            if word in err:
                problems.append(f"stderr shows internals ({word!r}): {err.strip()[-200:]!r}")
                break
        try:
            doc = json.loads(out)
        except ValueError:
            problems.append(f"stdout is not JSON: {out.strip()[:120]!r}")
            return result
        entry, shape = check_shape(doc)
        problems += shape
        if entry is None:
            return result
        outcome = entry["outcome"]
        result["outcome"] = outcome
        errors = entry["errors"]
        if errors:
            result["zh"] = errors[0]["message_zh"]
        expect = case["expect"]
        if expect == "rejected" and outcome != "rejected":
            problems.append(f"expected rejected, got {outcome} ({entry['values']} values)")
        if expect == "imported" and outcome != "imported":
            first = f": {errors[0]['message_zh'][:100]}" if errors else ""
            problems.append(f"expected imported, got {outcome}{first}")
        if code in (0, 1) and (code == 1) != (outcome == "rejected"):
            problems.append(f"exit {code} does not match outcome {outcome}")
        if outcome == "rejected":
            if not errors:
                problems.append("rejected without any error")
            for i, e in enumerate(errors):
                if not e["message"].strip():
                    problems.append(f"errors[{i}] has an empty message")
                if not CJK.search(e["message_zh"]):
                    problems.append(f"errors[{i}].message_zh has no Chinese: {e['message_zh'][:80]!r}")
        for kind in ("errors", "warnings"):
            for i, e in enumerate(entry[kind]):
                for field in ("message", "message_zh"):
                    hit = next((w for w in INTERNALS if w in e[field]), None)
                    if hit:
                        problems.append(f"{kind}[{i}].{field} shows internals ({hit!r}): {e[field][:120]!r}")
        if errors and case.get("words"):
            zh = errors[0]["message_zh"].lower()
            if not any(w.lower() in zh for w in case["words"]):
                problems.append(f"first message_zh says none of {case['words']}")
        if outcome == "rejected" and case.get("cell"):
            if not any(e["sheet"] == case.get("sheet", e["sheet"]) and e["cell"] == case["cell"] for e in errors):
                named = ", ".join(f"{e['sheet']}!{e['cell']}" for e in errors[:5]) or "none"
                problems.append(f"no error names {case.get('sheet', '?')}!{case['cell']} (named: {named})")
        if outcome == "imported" and "values" in case and entry["values"] != case["values"]:
            problems.append(f"imported {entry['values']} values, expected {case['values']}")
        if outcome == "rejected":
            code2, after, err2 = run_plain([binary, "--db", db, "values", "--json"])
            if code2 != 0:
                problems.append(f"`values --json` after the import failed ({code2}): {err2.decode(errors='replace')[-200:]}")
            elif after != before:
                problems.append("a rejected file changed the database (values --json differs)")
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary")
    ap.add_argument("outdir")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per import (default 10)")
    ap.add_argument("--mem-mib", type=int, default=256, help="address-space limit in MiB (default 256)")
    ap.add_argument("--only", action="append", default=[], help="run only cases whose file contains this")
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (timings are fairer with 1)")
    a = ap.parse_args()
    binary = str(Path(a.binary).resolve())
    if not os.access(binary, os.X_OK):
        sys.exit(f"{a.binary}: not an executable")
    cases = json.loads((Path(a.outdir) / "cases.json").read_text(encoding="utf-8"))
    if a.only:
        cases = [c for c in cases if any(o in c["file"] for o in a.only)]

    def one(case):
        try:
            return check_case(case, binary, a.outdir, a.time_limit, a.mem_mib)
        except Exception as e:  # the runner's own failure is the case's failure, not a crash
            return {"file": case["file"], "elapsed": 0.0, "outcome": "-", "zh": "",
                    "problems": [f"runner error: {type(e).__name__}: {e}"]}

    width = max((len(c["file"]) for c in cases), default=10)
    results = []
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for r in pool.map(one, cases):
            results.append(r)
            ok = not r["problems"]
            zh = " ".join(r["zh"].split())
            zh = zh[:80] + ("…" if len(zh) > 80 else "")
            print(f"{'ok  ' if ok else 'FAIL'} {r['file']:<{width}} {r['elapsed']:7.2f}s {r['outcome']:<9} {zh}", flush=True)
            for p in r["problems"]:
                print(f"     - {p}", flush=True)
    passed = sum(1 for r in results if not r["problems"])
    failed = len(results) - passed
    print("slowest:")
    for r in sorted(results, key=lambda r: -r["elapsed"])[:5]:
        print(f"  {r['elapsed']:7.2f}s {r['file']}")
    print(f"hostile files: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
