"""The HTML report in a real browser: headless Chromium (Debian's `chromium`) opens `report all`'s page
from disk with the network off, and over the DevTools protocol we check that every chart rendered
(SVG elements with a size and drawn series) and that the page logged no console error or exception.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from py_autotask.cli import main

from .._clock import SANDBOX_NOW
from .conftest import Tenant

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
ws_sync = pytest.importorskip("websockets.sync.client")


class DevTools:
    """The smallest DevTools-protocol client: send a command, wait for its answer, keep the events."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self._next = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        self.socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic()))))


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[DevTools]:
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "--window-size=1200,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            assert process.poll() is None, "chromium exited before opening its DevTools port"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port within 60 s"
            time.sleep(0.1)
        port = port_file.read_text().split("\n")[0].strip()
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        with ws_sync.connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20) as socket:
            yield DevTools(socket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_report_all_renders_its_charts_offline(tenant: Tenant, tmp_path: Path, chromium: DevTools) -> None:
    page = tmp_path / "report.html"
    with pytest.raises(SystemExit) as done:
        main(["report", "all", "-o", str(page), "--source", str(tenant.directory),
              "--as-of", SANDBOX_NOW.strftime("%Y-%m-%dT%H:%M:%S")])
    assert done.value.code in (0, None)
    for domain in ("Runtime", "Log", "Page", "Network"):
        chromium.call(f"{domain}.enable")
    chromium.call("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)
    chromium.call("Page.navigate", url=page.as_uri())
    chromium.wait_for("Page.loadEventFired")
    charts = chromium.call("Runtime.evaluate", returnByValue=True, expression="""
        Array.from(document.querySelectorAll('section svg')).map(svg => {
          const box = svg.getBoundingClientRect();
          return {width: box.width, height: box.height, series: svg.querySelectorAll('.series').length,
                  title: svg.querySelector('title').textContent};
        })""")["result"]["value"]
    assert len(charts) >= 10, charts
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 100 and chart["series"] > 0, chart
    titles = " | ".join(c["title"] for c in charts)
    for expected in ("by month", "by queue", "SLA met", "Utilization", "Contract profitability", "receivable"):
        assert expected in titles
    problems = [e for e in chromium.events
                if e.get("method") == "Runtime.exceptionThrown"
                or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
                or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
                or e.get("method") == "Network.loadingFailed"]
    assert problems == []
    requested = [e["params"]["request"]["url"] for e in chromium.events if e.get("method") == "Network.requestWillBeSent"]
    assert requested == [page.as_uri()]  # the page alone: nothing else loaded, nothing from the network
    shot = base64.b64decode(chromium.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    if os.environ.get("PY_AUTOTASK_SCREENSHOT"):  # refresh docs/report-overview.png by hand
        chromium.call("Emulation.setDeviceMetricsOverride", width=1200, height=3000, deviceScaleFactor=1,
                      mobile=False)
        Path(os.environ["PY_AUTOTASK_SCREENSHOT"]).write_bytes(
            base64.b64decode(chromium.call("Page.captureScreenshot", format="png")["data"]))
