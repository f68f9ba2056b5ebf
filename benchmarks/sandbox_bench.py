"""Sandbox scale and speed: build time and memory at N tickets, Tickets pages/s, and the cost of a reset.

    python -m benchmarks.sandbox_bench                   # 1,000,000 tickets (a few minutes)
    python -m benchmarks.sandbox_bench --tickets 200000
    python -m benchmarks.sandbox_bench --quick           # 20,000 tickets, fewer pages

Targets (sandbox issue #2, items 7 and 11):
  build   1,000,000 tickets (with their proportional related rows) ready in <= 60 s, peak RSS <= 4 GB;
  pages   >= 100 unfiltered 500-record Tickets pages/s on one core, through the dispatch core, the
          in-process transport and uvicorn over loopback;
  reset   ``control.reset()`` after writes costs milliseconds at the test size (1,200 tickets).

All measurements run in a fresh worker process, so its peak RSS (``resource.getrusage``) is the
sandbox's; the uvicorn client is a third process. The machine may be shared, so every figure is given
twice: per wall-clock second and per CPU second (``time.process_time`` of the process doing the work —
for uvicorn, of the serving process). The three page drivers walk consecutive stretches of one
unfiltered export, so no page is served twice and no cache can flatter the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from ._clock import SANDBOX_NOW as NOW

ROOT = Path(__file__).resolve().parents[1]
try:
    import py_autotask  # noqa: F401
except ImportError:  # run from a checkout without installing: use ./src
    sys.path.insert(0, str(ROOT / "src"))

ORIGIN = "https://sandbox.autotask.local"
BASE_URL = f"{ORIGIN}/ATServicesRest/"
QUERY_PATH = "V1.0/Tickets/query"
UNFILTERED = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
TEST_SIZE = 1200  # tickets of the test suite's sandbox (tests/conftest.py)


# ------------------------------------------------------------------------------------------- timing
class Timer:
    """Wall and CPU seconds of a block (``with Timer() as t: ...; t.wall, t.cpu``)."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def next_url(body: bytes) -> str | None:
    """``nextPageUrl`` from the trailing pageDetails (parsing 1 MB of items would time the benchmark)."""
    return orjson.loads(body[body.rindex(b'"pageDetails":') + 14 : -1])["nextPageUrl"]


# ---------------------------------------------------------------------------------- page drivers
Walk = tuple[int, Timer, "str | None", dict]  # pages served, their time, the next page's URL, extra figures


def dispatch_pages(sandbox: Any, url: str, body: dict, pages: int) -> Walk:
    """Follow ``url`` for ``pages`` pages through the sans-I/O dispatcher."""
    from autotask_sandbox.wire.handlers import WireRequest

    headers = {k.lower(): v for k, v in sandbox.headers().items()}
    raw = orjson.dumps(body)
    served, cpu = 0, []
    with Timer() as timer:
        while served < pages and url is not None:
            started = time.process_time()
            parts = urlsplit(url)
            query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
            request = WireRequest(
                "POST", parts.path, query, headers, raw, parts.scheme, parts.netloc, parts.query, len(url)
            )
            resp = sandbox.dispatch(request)
            resp.finish()
            assert resp.status == 200, resp.body[:300]
            served += 1
            url = next_url(resp.body)
            cpu.append(time.process_time() - started)
    return served, timer, url, {"page_cpu": cpu}


def httpx_pages(client: Any, url: str, body: dict, pages: int) -> Walk:
    """The same through an ``httpx.Client`` (in-process transport or a socket)."""
    served, cpu = 0, []
    with Timer() as timer:
        while served < pages and url is not None:
            started = time.process_time()
            resp = client.post(url, json=body)
            assert resp.status_code == 200, resp.text[:300]
            served += 1
            url = next_url(resp.content)
            cpu.append(time.process_time() - started)
    return served, timer, url, {"page_cpu": cpu}


def client_process(job: dict) -> dict:
    """The uvicorn client (its own process): page through the server, report its own clock."""
    import httpx

    with httpx.Client(headers=job["headers"], timeout=120) as client:
        served, timer, url, _ = httpx_pages(client, job["url"], job["body"], job["pages"])
    return {"pages": served, "wall": timer.wall, "cpu": timer.cpu, "next": url}


def uvicorn_pages(sandbox: Any, url: str, body: dict, pages: int) -> Walk:
    """Serve with uvicorn and page through it from a separate client process (timed: the server's CPU)."""
    with sandbox.serve("127.0.0.1", 0) as server:
        origin = server.base_url.split("/ATServicesRest/")[0]
        job = {"url": origin + url[len(ORIGIN) :], "body": body, "pages": pages, "headers": sandbox.headers()}
        with Timer() as timer:  # uvicorn runs on a thread of this process: its CPU time is the server's
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.sandbox_bench", "--client"],
                input=json.dumps(job),
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    follow = figures["next"] and ORIGIN + figures["next"][len(origin) :]
    return figures["pages"], timer, follow, figures


# --------------------------------------------------------------------------------------- the worker
def _first_page_url() -> str:
    return BASE_URL + QUERY_PATH


def _writes(client: Any) -> None:
    """Writes of the kinds tests make: a PATCH, a create and a delete."""
    page = client.post(QUERY_PATH, json={**UNFILTERED, "MaxRecords": 2}).json()["items"]
    ticket = page[0]
    assert client.patch("V1.0/Tickets", json={"id": ticket["id"], "title": "bench edit"}).status_code == 200
    body = {k: ticket[k] for k in ("companyID", "status", "priority", "queueID", "dueDateTime")}
    made = client.post("V1.0/Tickets", json={**body, "title": "bench create"})
    assert made.status_code == 200, made.text
    entries = client.post("V1.0/TimeEntries/query", json={**UNFILTERED, "MaxRecords": 1}).json()["items"]
    if entries:  # deleting a time entry also writes a DeletedTicketActivityLogs row
        gone = client.delete(f"V1.0/TimeEntries/{entries[0]['id']}")
        assert gone.status_code == 200, gone.text


def reset_cost(sandbox: Any, rounds: int) -> dict[str, float]:
    """Median wall/CPU ms of ``control.reset()`` after writes, and of a reset with nothing to undo."""
    import httpx

    after_writes: list[tuple[float, float]] = []
    idle: list[tuple[float, float]] = []
    with httpx.Client(transport=sandbox.transport(), base_url=BASE_URL, headers=sandbox.headers()) as client:
        for _ in range(rounds):
            _writes(client)
            with Timer() as timer:
                sandbox.control.reset()
            after_writes.append((timer.wall, timer.cpu))
            with Timer() as timer:
                sandbox.control.reset()
            idle.append((timer.wall, timer.cpu))
        # The writes are gone: the edited ticket has its seeded title again.
        first = client.post(QUERY_PATH, json={**UNFILTERED, "MaxRecords": 1}).json()["items"][0]
        assert first["title"] != "bench edit"
    return {
        "writes_wall_ms": statistics.median(w for w, _ in after_writes) * 1000,
        "writes_cpu_ms": statistics.median(c for _, c in after_writes) * 1000,
        "idle_wall_ms": statistics.median(w for w, _ in idle) * 1000,
        "idle_cpu_ms": statistics.median(c for _, c in idle) * 1000,
    }


def _filtered_body(sandbox: Any) -> dict:
    """status = X and priority = Y, with X and Y taken from the first ticket (~15 % of all tickets)."""
    first = sandbox.state.store.query("Tickets", {**UNFILTERED, "MaxRecords": 1}).items[0]
    return {
        "filter": [
            {"op": "eq", "field": "status", "value": first["status"]},
            {"op": "eq", "field": "priority", "value": first["priority"]},
        ]
    }


def worker(tickets: int, pages: int, reset_rounds: int) -> Iterator[tuple[str, dict]]:
    """Every measurement, in order, as (name, figures)."""
    import httpx
    from autotask_sandbox import Sandbox, SandboxConfig

    with Timer() as timer:
        sandbox = Sandbox(SandboxConfig(seed=1, tickets=tickets, now=NOW))
    yield "ready", {"wall": timer.wall, "cpu": timer.cpu, "rss_mb": peak_rss_mb()}
    with Timer() as timer:
        dispatch_pages(sandbox, _first_page_url(), UNFILTERED, 1)
    yield "first_page", {"wall": timer.wall, "cpu": timer.cpu, "rss_mb": peak_rss_mb()}
    with Timer() as timer:
        rows = sandbox.control.stats()["rows"]  # every table counted: anything built lazily is built now
    yield (
        "all_tables",
        {
            "wall": timer.wall,
            "cpu": timer.cpu,
            "rss_mb": peak_rss_mb(),
            "rows": sum(rows.values()),
            "tickets": rows.get("Tickets", 0),
        },
    )

    url: str | None = _first_page_url()

    def walk(driver: Callable[..., Walk], *args: Any) -> Walk:
        nonlocal url
        if url is None:  # a small tenant ran out of pages: start the export over
            url = _first_page_url()
        served, timer, url, extra = driver(*args, url, UNFILTERED, pages)
        return served, timer, url, extra

    served, timer, _, extra = walk(dispatch_pages, sandbox)
    yield "dispatch", {"pages": served, "wall": timer.wall, "cpu": timer.cpu, "median": _median(extra)}
    with httpx.Client(transport=sandbox.transport(), base_url=BASE_URL, headers=sandbox.headers()) as client:
        served, timer, _, extra = walk(httpx_pages, client)
    yield "in_process", {"pages": served, "wall": timer.wall, "cpu": timer.cpu, "median": _median(extra)}
    served, timer, _, client_figures = walk(uvicorn_pages, sandbox)
    yield (
        "uvicorn",
        {
            "pages": served,
            "wall": client_figures["wall"],
            "cpu": timer.cpu,
            "client_cpu": client_figures["cpu"],
        },
    )

    body = _filtered_body(sandbox)
    with Timer() as first:  # the first equality on a big table builds that column's index
        matching = sandbox.state.store.count("Tickets", body)
        _, _, url, _ = dispatch_pages(sandbox, _first_page_url(), body, 1)
    served, timer, _, extra = dispatch_pages(sandbox, url or _first_page_url(), body, max(1, pages // 2))
    yield (
        "filtered",
        {
            "pages": served,
            "wall": timer.wall,
            "cpu": timer.cpu,
            "matching": matching,
            "first_wall": first.wall,
            "first_cpu": first.cpu,
            "median": _median(extra),
        },
    )

    yield "reset_at_n", reset_cost(sandbox, max(1, reset_rounds // 10))
    del sandbox
    small = Sandbox(SandboxConfig(seed=1, tickets=TEST_SIZE, now=NOW))
    yield "reset_test_size", reset_cost(small, reset_rounds)
    yield "end", {"rss_mb": peak_rss_mb()}


def _median(extra: dict) -> float:
    """Median CPU seconds of one page: steadier than the mean when other jobs share the cores."""
    return statistics.median(extra["page_cpu"]) if extra.get("page_cpu") else 0.0


# --------------------------------------------------------------------------------------- reporting
def _rate(doc: dict) -> str:
    wall = doc["pages"] / doc["wall"] if doc["wall"] else float("inf")
    cpu = doc["pages"] / doc["cpu"] if doc["cpu"] else float("inf")
    median = f", median page {1 / doc['median']:.0f}/CPU-s" if doc.get("median") else ""
    return f"{wall:7.1f} pages/s wall  {cpu:7.1f} pages/CPU-s   ({doc['pages']} pages{median})"


def report(name: str, doc: dict, tickets: int) -> None:
    """Print one measurement as it arrives."""
    if name == "ready":
        print(f"build  {tickets:,} tickets")
        print(
            f"  Sandbox() ready          {doc['wall']:7.2f} s wall  {doc['cpu']:7.2f} s CPU   "
            f"peak RSS {doc['rss_mb']:,.0f} MB"
        )
    elif name == "first_page":
        print(
            f"  + first Tickets page     {doc['wall']:7.2f} s wall  {doc['cpu']:7.2f} s CPU   "
            f"peak RSS {doc['rss_mb']:,.0f} MB"
        )
    elif name == "all_tables":
        print(
            f"  + every table built      {doc['wall']:7.2f} s wall  {doc['cpu']:7.2f} s CPU   "
            f"peak RSS {doc['rss_mb']:,.0f} MB   ({doc['rows']:,} rows, {doc['tickets']:,} tickets)"
        )
    elif name == "dispatch":
        print("unfiltered 500-record Tickets pages (target >= 100/s on one core)")
        print(f"  dispatch core            {_rate(doc)}")
    elif name == "in_process":
        print(f"  in-process transport     {_rate(doc)}")
    elif name == "uvicorn":
        server = doc["pages"] / doc["cpu"] if doc["cpu"] else float("inf")
        print(
            f"  uvicorn over loopback    {doc['pages'] / doc['wall']:7.1f} pages/s wall  {server:7.1f} "
            f"pages/server-CPU-s   (client process {doc['client_cpu']:.2f} s CPU)"
        )
    elif name == "filtered":
        print(f"filtered query (status = X and priority = Y: {doc['matching']:,} tickets match)")
        print(
            f"  count + first page       {doc['first_wall']:7.2f} s wall  {doc['first_cpu']:7.2f} s CPU   "
            "(builds the two columns' indexes)"
        )
        print(f"  dispatch core            {_rate(doc)}")
    elif name.startswith("reset"):
        size = f"{tickets:,}" if name == "reset_at_n" else f"{TEST_SIZE:,}"
        if name == "reset_at_n":
            print("control.reset() (median)")
        print(
            f"  at {size:>9} tickets    after writes {doc['writes_wall_ms']:8.1f} ms wall "
            f"{doc['writes_cpu_ms']:8.1f} ms CPU;  nothing to undo {doc['idle_wall_ms']:6.1f} ms wall"
        )
    elif name == "end":
        print(f"worker peak RSS {doc['rss_mb']:,.0f} MB")
    sys.stdout.flush()


@contextmanager
def _worker_process(args: list[str]) -> Iterator[Iterator[tuple[str, dict]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.sandbox_bench", "--worker", *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )

    def lines() -> Iterator[tuple[str, dict]]:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("@@ "):
                name, doc = json.loads(line[3:])
                yield name, doc

    try:
        yield lines()
    finally:
        if proc.wait() != 0:
            raise SystemExit(f"the benchmark worker failed (exit {proc.returncode})")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print what it measured."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--client"]:
        print(json.dumps(client_process(json.loads(sys.stdin.read()))))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sandbox_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--tickets", type=int, help="tenant size (default 1,000,000; --quick: 20,000)")
    parser.add_argument("--pages", type=int, help="pages per driver (default 300; --quick: 15)")
    parser.add_argument("--quick", action="store_true", help="a small tenant and few pages")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(args)
    tickets = options.tickets or (20_000 if options.quick else 1_000_000)
    pages = options.pages or (15 if options.quick else 300)
    rounds = 5 if options.quick else 20
    if options.worker:
        for name, doc in worker(tickets, pages, rounds):
            print("@@ " + json.dumps([name, doc]), flush=True)
        return 0
    forwarded = ["--tickets", str(tickets), "--pages", str(pages)] + (["--quick"] if options.quick else [])
    with _worker_process(forwarded) as measurements:
        for name, doc in measurements:
            report(name, doc, tickets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
