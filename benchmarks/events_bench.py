"""Webhook receiver acknowledgement latency and attachment folder downloads, on the sandbox (issue #12).

    python -m benchmarks.events_bench            # 3,000 callouts; 200 tickets' attachments
    python -m benchmarks.events_bench --quick    # 300 callouts; 60 tickets' attachments

(a) Acknowledgement. `WebhookReceiver` under uvicorn on loopback, with a handler that takes 20 ms per
    event (so a receiver that ran handlers on the request path would answer no faster than that). Signed
    callouts with accents, `&`, quotes and an emoji are POSTed one after another; the figures are the
    client-side answer times, the time until every event was handled, and `verify()` alone.
(b) Attachment download. One small attachment on each of N tickets, downloaded by `FolderDownload` with
    1 and with 3 workers against 50 ms of sandbox latency; the sandbox counts thread-limit rejections.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
try:
    import py_autotask  # noqa: F401
except ImportError:  # run from a checkout without installing: use ./src
    sys.path.insert(0, str(ROOT / "src"))

import uvicorn  # noqa: E402
from autotask_sandbox import Sandbox, SandboxConfig  # noqa: E402

from py_autotask import AutotaskClient  # noqa: E402
from py_autotask.attachments import Attachments, FolderDownload, attachment_jobs  # noqa: E402
from py_autotask.webhooks import WebhookEvent, WebhookReceiver, sign, verify  # noqa: E402

from ._clock import SANDBOX_NOW  # noqa: E402

SECRET = "benchmark-secret"


def _payload(n: int) -> bytes:
    return orjson.dumps({"Guid": "5f0c1c8e-7d1e-4a53-9d87-3d4f5b6a7c81", "EntityType": "Ticket", "Id": 1000 + n,
                         "EventTime": "2025-06-02T09:00:00.000", "SequenceNumber": n, "PersonID": 29682885,
                         "Action": "Update", "Fields": {"title": f'Café & "Co" #{n} 🎉', "status": 5}})


def acknowledgement(count: int) -> None:
    handled = threading.Event()
    done = [0]

    async def handler(event: WebhookEvent) -> None:
        await asyncio.sleep(0.02)
        done[0] += 1
        if done[0] == count:
            handled.set()

    server = uvicorn.Server(uvicorn.Config(WebhookReceiver(SECRET, handler), port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    bodies = [_payload(n) for n in range(1, count + 1)]
    times = []
    started = time.perf_counter()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
        for body in bodies:
            t0 = time.perf_counter()
            status = http.post("/", content=body, headers={"X-Hook-Signature": sign(SECRET, body)}).status_code
            times.append((time.perf_counter() - t0) * 1000)
            assert status == 200, status
    sent = time.perf_counter() - started
    assert handled.wait(count * 0.02 + 30)
    all_handled = time.perf_counter() - started
    server.should_exit = True
    thread.join(10)
    times.sort()
    t0 = time.perf_counter()
    for body in bodies[:200]:
        assert verify(body, sign(SECRET, body), [SECRET])
    verify_us = (time.perf_counter() - t0) / 200 * 1e6
    print(f"(a) {count} callouts, handler 20 ms each: answer p50 {statistics.median(times):.2f} ms, "
          f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms, max {times[-1]:.2f} ms; all answered in {sent:.2f} s, "
          f"all handled in {all_handled:.2f} s; sign+verify {verify_us:.0f} µs per callout")


def downloads(tickets: int) -> None:
    sandbox = Sandbox(SandboxConfig(seed=1, tickets=max(1000, tickets), now=SANDBOX_NOW))
    with AutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local/ATServicesRest/",
                        transport=sandbox.transport(), cache=False) as client:
        ids = [r["id"] for r in client.tickets.query(fields=["id"], limit=tickets)]
        files = Attachments(client)
        for ticket in ids:
            files.upload("Tickets", ticket, b"x" * 4096, name=f"{ticket}.txt")
        refs = files.list("Tickets", ids)
        sandbox.control.set_latency(50)
        for workers in (1, 3):
            sandbox.control.clear_log()
            with tempfile.TemporaryDirectory() as out:
                started = time.perf_counter()
                result = FolderDownload(out, workers=workers).run(attachment_jobs(files, refs))
                took = time.perf_counter() - started
            rejections = sandbox.control.stats()["thread_limit_rejections"]
            print(f"(b) {result.downloaded} attachments of {tickets} tickets, {workers} worker(s), 50 ms latency: "
                  f"{took:.2f} s ({result.downloaded / took:.1f} files/s), thread-limit rejections {rejections}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (what `make bench` runs)")
    args = parser.parse_args()
    acknowledgement(300 if args.quick else 3000)
    downloads(60 if args.quick else 200)


if __name__ == "__main__":
    main()
