#!/usr/bin/env python3
"""Screenshots of the real desktop app for a review: every page asked for, in Chinese and
English, at 1366×768 and 1920×1080, at the normal size and at A+.

    xvfb-run -a -s "-screen 0 1920x1080x24" tools/review_shots.py APP OUT_DIR [PAGE ...]

APP is the carestaff-desktop binary; PAGE a hash such as '#/overview' or '#/target/CQ-9'
(default: overview, two targets, import, reports). Drives the app through tauri-driver and
WebKitWebDriver with the WebDriver protocol (standard library only); a fresh database each
run, so the app starts on the demonstration data. Writes OUT_DIR/WxH-LANG-SIZE-PAGE.png.
With REVIEW_OFFICE=CODE the office's jurisdiction is set first (as a county office would),
so '#/home' shows that region.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PAGES = ["#/overview", "#/target/CQ-9", "#/target/ZB-1", "#/import", "#/reports"]
SIZES = [(1366, 768), (1920, 1080)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}").get("value")

    def start(self, app):
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry",
                                                 "tauri:options": {"application": app}}}}
        for _ in range(120):
            try:
                self.session = self.call("POST", "/session", caps)["sessionId"]
                return
            except OSError:
                time.sleep(0.25)
        raise SystemExit("no WebDriver session with tauri-driver")

    def js(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync",
                         {"script": script, "args": []})

    def wait(self, css, seconds=30):
        for _ in range(seconds * 10):
            if self.js(f"return !!document.querySelector({json.dumps(css)});"):
                return
            time.sleep(0.1)
        raise SystemExit(f"{css} did not appear")

    def shot(self, path):
        png = self.call("GET", f"/session/{self.session}/screenshot")
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def close(self):
        if self.session:
            try:
                self.call("DELETE", f"/session/{self.session}")
            except OSError:
                pass


def main():
    app, out = sys.argv[1], sys.argv[2]
    pages = sys.argv[3:] or PAGES
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp()
    port, native = free_port(), free_port()
    env = dict(os.environ, CARESTAFF_DB=os.path.join(work, "review.db"))
    driver_bin = shutil.which("tauri-driver") or os.path.expanduser("~/.cargo/bin/tauri-driver")
    proc = subprocess.Popen([driver_bin, "--port", str(port), "--native-port", str(native)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    d = Driver(port)
    try:
        d.start(app)
        d.wait("body[data-ready='1']")
        office = os.environ.get("REVIEW_OFFICE")
        if office:
            d.call("POST", f"/session/{d.session}/execute/async",
                   {"script": "const done = arguments[arguments.length - 1]; "
                              f"window.__TAURI__.core.invoke('set_office_region', {{code: {json.dumps(office)}}}).then(done, done);",
                    "args": []})
            d.js("document.getElementById('office-banner').hidden = true;")
        for (w, h) in SIZES:
            d.call("POST", f"/session/{d.session}/window/rect", {"x": 0, "y": 0, "width": w, "height": h})
            for lang in ["zh", "en"]:
                if d.js("return document.documentElement.lang.startsWith('zh') ? 'zh' : 'en';") != lang:
                    d.js("document.getElementById('lang-toggle').click();")
                    time.sleep(0.5)
                for large in [False, True]:
                    if d.js("return document.documentElement.classList.contains('large');") != large:
                        d.js("document.getElementById('zoom-toggle').click();")
                    for page in pages:
                        name = page.strip("#/").replace("/", "-") or "overview"
                        d.js(f"const h = {json.dumps(page)}; document.getElementById('main').replaceChildren(); "
                             "if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange')); "
                             "else location.hash = h;")
                        kind = page.strip("#/").split("/")[0] or "overview"
                        d.wait(f"#page-{kind}[data-ready='1']")
                        time.sleep(0.6)
                        path = os.path.join(out, f"{w}x{h}-{lang}-{'large' if large else 'normal'}-{name}.png")
                        d.shot(path)
                        print(path)
        # Leave the app as it started: Chinese, normal size.
        if d.js("return document.documentElement.classList.contains('large');"):
            d.js("document.getElementById('zoom-toggle').click();")
        if d.js("return document.documentElement.lang.startsWith('zh');") is False:
            d.js("document.getElementById('lang-toggle').click();")
    finally:
        d.close()
        os.killpg(proc.pid, 15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
