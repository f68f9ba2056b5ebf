"""Shared by the Python drivers: environment, an oracle that asks the sandbox directly, the wire log, checks.

The drivers run in a separate virtualenv with third-party Autotask clients installed (one of them is
the old PyPI ``py-autotask`` 2.3.0, whose import name collides with ours), so this module uses the
standard library only and never imports the project's package.

Verdicts of one check:
    PASS    the client did what its users expect and the sandbox answered as Autotask does
    FAIL    the sandbox answered differently from Autotask (or broke) — a sandbox discrepancy
    CLIENT  the client has a bug of its own; the sandbox answered as Autotask does (the evidence says so)
    SKIP    the client cannot do this at all (no such feature), nothing was sent
    NOTE    real Autotask's answer is not known (docs/autotask-facts.md, "Not published"); what happened is recorded
A driver exits 1 when any check is FAIL, else 0.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

VERDICTS = ("PASS", "FAIL", "CLIENT", "SKIP", "NOTE")


class Env:
    """What ``run_all.sh`` hands every driver through the environment."""

    def __init__(self) -> None:
        self.username = os.environ["AUTOTASK_USERNAME"]
        self.secret = os.environ["AUTOTASK_SECRET"]
        self.integration_code = os.environ["AUTOTASK_INTEGRATION_CODE"]
        self.root = os.environ["FOREIGN_ROOT"]                    # proxy: http://127.0.0.1:P/ATServicesRest/
        self.sandbox_root = os.environ["FOREIGN_SANDBOX_ROOT"]    # the sandbox itself, for the oracle
        self.wirelog = Path(os.environ["FOREIGN_WIRELOG"])
        self.out_dir = Path(os.environ.get("FOREIGN_OUT", "."))
        parts = urlsplit(self.root)
        self.origin = f"{parts.scheme}://{parts.netloc}"          # http://127.0.0.1:P
        self.host = parts.netloc

    @property
    def zone_lookup_url(self) -> str:
        """The proxy's zoneInformation URL (what a client's hard-coded discovery URL is replaced with)."""
        return f"{self.root}V1.0/zoneInformation"


class Oracle:
    """Ground truth: plain HTTP straight to the sandbox (not through the proxy, not through a client)."""

    def __init__(self, env: Env) -> None:
        self._env = env
        self._base = env.sandbox_root + "V1.0/"

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One authenticated call; returns (status, parsed JSON or raw text)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self._base + path.lstrip("/"), data=data, method=method, headers={
            "ApiIntegrationCode": self._env.integration_code, "UserName": self._env.username,
            "Secret": self._env.secret, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def count(self, entity: str, filters: list[dict]) -> int:
        """``POST /{entity}/query/count``."""
        status, doc = self.request("POST", f"{entity}/query/count", {"filter": filters})
        if status != 200:
            raise AssertionError(f"oracle count {entity} failed: {status} {doc}")
        return int(doc["queryCount"])

    def ids(self, entity: str, filters: list[dict]) -> list[int]:
        """Every matching id, by the documented id-cursor loop (``id gt <last>``)."""
        found: list[int] = []
        last = -1
        while True:
            body = {"filter": [*filters, {"op": "gt", "field": "id", "value": last}], "includeFields": ["id"]}
            status, doc = self.request("POST", f"{entity}/query", body)
            if status != 200:
                raise AssertionError(f"oracle query {entity} failed: {status} {doc}")
            page = [item["id"] for item in doc["items"]]
            found += page
            if len(page) < 500:
                return found
            last = page[-1]

    def get(self, entity: str, record_id: int) -> dict | None:
        """``GET /{entity}/{id}`` → the item, or None on 404."""
        status, doc = self.request("GET", f"{entity}/{record_id}")
        if status == 404:
            return None
        if status != 200:
            raise AssertionError(f"oracle get {entity}/{record_id} failed: {status} {doc}")
        return doc["item"]

    def fields(self, entity: str) -> list[dict]:
        """``GET /{entity}/entityInformation/fields``."""
        status, doc = self.request("GET", f"{entity}/entityInformation/fields")
        if status != 200:
            raise AssertionError(f"oracle fields {entity} failed: {status} {doc}")
        return doc["fields"]

    def picklist(self, entity: str, field: str, *, active_only: bool = True) -> dict[str, str]:
        """Picklist values of one field (active ones unless ``active_only=False``), value → label."""
        for f in self.fields(entity):
            if f["name"].lower() == field.lower():
                values = f["picklistValues"] or []
                return {p["value"]: p["label"] for p in values if p["isActive"] or not active_only}
        raise AssertionError(f"{entity} has no field {field}")

    def first_id(self, entity: str, filters: list[dict]) -> int:
        """The lowest id matching ``filters``."""
        status, doc = self.request("POST", f"{entity}/query",
                                   {"filter": filters, "includeFields": ["id"], "maxRecords": 1})
        if status != 200 or not doc["items"]:
            raise AssertionError(f"oracle found no {entity} for {filters}: {status} {doc}")
        return int(doc["items"][0]["id"])

    def fixtures(self) -> dict[str, int]:
        """Ids every driver needs: an active resource with its default role, a company, a ticket."""
        status, doc = self.request("POST", "ResourceRoleDepartments/query", {
            "filter": [{"op": "eq", "field": "isActive", "value": True},
                       {"op": "eq", "field": "isDefault", "value": True}], "maxRecords": 1})
        if status != 200 or not doc["items"]:
            raise AssertionError(f"oracle found no resource role: {status} {doc}")
        resource, role = doc["items"][0]["resourceID"], doc["items"][0]["roleID"]
        company = self.first_id("Companies", [{"op": "gt", "field": "id", "value": 0},
                                              {"op": "eq", "field": "isActive", "value": True}])
        ticket = self.first_id("Tickets", [{"op": "gt", "field": "id", "value": 0}])
        return {"resource": resource, "role": role, "company": company, "ticket": ticket}


class Wire:
    """Reads the proxy's JSONL log: what the client really sent and what the sandbox answered."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def _lines(self) -> list[str]:
        return self._path.read_text(encoding="utf-8").splitlines() if self._path.exists() else []

    def mark(self) -> int:
        """Position to read from later."""
        return len(self._lines())

    def since(self, mark: int) -> list[dict]:
        """Exchanges logged after ``mark``."""
        return [json.loads(line) for line in self._lines()[mark:]]


def summarize(exchanges: list[dict], limit: int = 6, body_chars: int = 400) -> list[str]:
    """One line per exchange: ``METHOD path [headers] body → status response`` (shortened)."""
    lines = []
    for ex in exchanges[:limit]:
        req_body = ex.get("request_body") or ""
        req = f"{ex['method']} {ex['path']}" + (f"  body={req_body[:body_chars]}" if req_body else "")
        if "error" in ex:
            lines.append(f"{req}  → connection error {ex['error']}")
            continue
        resp = (ex.get("response_body") or "")[:body_chars].replace("\n", " ")
        lines.append(f"{req}  → {ex['status']} {resp}")
    if len(exchanges) > limit:
        lines.append(f"… {len(exchanges) - limit} more exchange(s)")
    return lines


class Report:
    """Collects verdicts of one driver, prints them and writes ``<out>/<client>.json``."""

    def __init__(self, client: str, env: Env) -> None:
        self.client = client
        self.env = env
        self.wire = Wire(env.wirelog)
        self.results: list[dict] = []
        self._step_mark = 0

    def exchanges(self) -> list[dict]:
        """What went over the wire since the current step began."""
        return self.wire.since(self._step_mark)

    def last(self) -> dict:
        """The newest exchange of the current step (``{}`` when nothing was sent)."""
        ex = self.exchanges()
        return ex[-1] if ex else {}

    def check(self, name: str, verdict: str, detail: str = "", evidence: list[dict] | None = None) -> None:
        """Record one verdict (see the module docstring)."""
        assert verdict in VERDICTS, verdict
        entry = {"check": name, "verdict": verdict, "detail": detail,
                 "wire": summarize(evidence or [])}
        self.results.append(entry)
        print(f"[{self.client}] {verdict:6} {name}: {detail}", flush=True)
        if verdict in ("FAIL", "CLIENT", "NOTE"):
            for line in entry["wire"]:
                print(f"           {line}", flush=True)

    def step(self, name: str, fn: Callable[[], tuple[str, str]]) -> None:
        """Run ``fn`` and record its (verdict, detail); an exception in the driver itself is a FAIL."""
        mark = self._step_mark = self.wire.mark()
        try:
            verdict, detail = fn()
        except Exception as exc:  # noqa: BLE001 - any crash of a step is reported, the run goes on
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
            verdict, detail = "FAIL", f"unexpected {type(exc).__name__}: {exc} | {''.join(tb[-3:]).strip()}"
        self.check(name, verdict, detail, self.wire.since(mark))

    async def astep(self, name: str, fn: Callable[[], Awaitable[tuple[str, str]]]) -> None:
        """:meth:`step` for a coroutine function."""
        mark = self._step_mark = self.wire.mark()
        try:
            verdict, detail = await fn()
        except Exception as exc:  # noqa: BLE001 - any crash of a step is reported, the run goes on
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
            verdict, detail = "FAIL", f"unexpected {type(exc).__name__}: {exc} | {''.join(tb[-3:]).strip()}"
        self.check(name, verdict, detail, self.wire.since(mark))

    def finish(self) -> int:
        """Write the JSON result file; exit status 1 if any FAIL."""
        self.env.out_dir.mkdir(parents=True, exist_ok=True)
        out = self.env.out_dir / f"{self.client}.json"
        out.write_text(json.dumps({"client": self.client, "results": self.results}, indent=1))
        counts = {v: sum(r["verdict"] == v for r in self.results) for v in VERDICTS}
        print(f"[{self.client}] " + ", ".join(f"{n} {v}" for v, n in counts.items()), flush=True)
        return 1 if counts["FAIL"] else 0


def quote_user(name: str) -> str:
    """URL-encode a username as a query value."""
    return quote(name, safe="")


def exit_with(report: Report) -> None:
    """Finish and exit with the driver's status."""
    sys.exit(report.finish())
