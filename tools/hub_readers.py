#!/usr/bin/env python3
"""Readers of a hub at once: each signs in, then asks for pages in turn; prints the latency of
a page and of a trivial signed-in call (`me`) at p50 and p99, and how many pages a second.

    tools/hub_readers.py URL NAME PASSWORD [READERS] [ROUNDS]

Standard library only. Every reader signs in as NAME (one session each, as 20 leaders would).
The pages asked for in turn: the overview, a province's Region page, a target's page.
"""
import json
import sys
import threading
import time
import urllib.request

PAGES = [
    ("overview", {"asOf": "2026-12-03"}),
    ("region", {"code": "370000", "asOf": "2026-12-03", "rankBy": None}),
    ("target", {"id": "CQ-1", "region": None, "asOf": "2026-12-03", "lang": "zh"}),
]


def post(url, command, body, cookie=None):
    headers = {"x-carestaff": "1", "content-type": "application/json"}
    if cookie:
        headers["cookie"] = cookie
    req = urllib.request.Request(f"{url}/api/{command}", json.dumps(body).encode(), headers)
    with urllib.request.urlopen(req, timeout=120) as res:
        res.read()
        return res.headers.get("set-cookie")


def sign_in(url, name, password):
    cookie = post(url, "login", {"name": name, "password": password})
    return cookie.split(";")[0]


def main():
    url, name, password = sys.argv[1:4]
    readers = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    cookies = [sign_in(url, name, password) for _ in range(readers)]
    pages, trivial, lock = [], [], threading.Lock()

    def reader(cookie):
        for _ in range(rounds):
            for command, body in PAGES:
                t = time.perf_counter()
                post(url, command, body, cookie)
                took = time.perf_counter() - t
                t = time.perf_counter()
                post(url, "me", {}, cookie)
                me = time.perf_counter() - t
                with lock:
                    pages.append(took)
                    trivial.append(me)

    start = time.perf_counter()
    threads = [threading.Thread(target=reader, args=(c,)) for c in cookies]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start

    def pct(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000

    print(f"readers: {readers} at once, {len(pages)} pages in {wall:.1f} s ({len(pages) / wall:.1f} pages a second)")
    print(f"page: p50 {pct(pages, 50):.0f} ms, p99 {pct(pages, 99):.0f} ms, max {max(pages) * 1000:.0f} ms")
    print(f"me:   p50 {pct(trivial, 50):.0f} ms, p99 {pct(trivial, 99):.0f} ms")
    print(f"page p99 / me p99: {pct(pages, 99) / max(pct(trivial, 99), 0.001):.1f}")


if __name__ == "__main__":
    main()
