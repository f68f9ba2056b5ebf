"""Fixtures for bulk tests: clients on the reset in-process sandbox, row builders, key counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from autotask_sandbox import RunningServer, Sandbox

from py_autotask._client import AutotaskClient

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"

# Every 20th row is invalid (5 %), each for a different reason the report must name.
INVALID_KINDS = [
    ({"status": "Bogus"}, "status: 'Bogus' is neither a value nor a label"),
    ({"title": "x" * 300}, "title is 300 characters long; at most 255 allowed"),
    ({"dueDateTime": "next tuesday"}, "dueDateTime: expected an ISO 8601"),
    ({"priority": None}, "priority is required and cannot be cleared"),
]


def no_sleep(seconds: float) -> None:
    """Retries and pacing wait for nothing in tests."""


def ticket_rows(n: int, prefix: str, *, invalid_every: int = 20, company: int = 0) -> tuple[list[dict], dict]:
    """`n` ticket rows keyed `prefix-i`; returns the rows and {row number: expected problem} of invalid ones."""
    rows, invalid = [], {}
    for i in range(n):
        row: dict[str, Any] = {"companyID": company, "title": f"{prefix} ticket {i}", "status": "New",
                               "priority": "Medium", "dueDateTime": "2026-03-01T09:00", "externalID": f"{prefix}-{i}"}
        if invalid_every and i % invalid_every == invalid_every - 1:
            change, reason = INVALID_KINDS[(i // invalid_every) % len(INVALID_KINDS)]
            row.update(change)
            invalid[i + 1] = reason
        rows.append(row)
    return rows, invalid


def tickets_by_key(client: AutotaskClient, prefix: str) -> Counter[str]:
    """How many Tickets exist per externalID starting with `prefix-` (queried through the API)."""
    records = client.entity("Tickets").query([{"op": "beginsWith", "field": "externalID", "value": f"{prefix}-"}],
                                             fields=["id", "externalID"]).to_list()
    return Counter(r["externalID"] for r in records)


@pytest.fixture
def make_client(sandbox: Sandbox) -> Iterator[Callable[..., AutotaskClient]]:
    """Build sync clients on the sandbox (in-process transport unless given); all closed at the end."""
    with ExitStack() as stack:
        def make(**overrides: Any) -> AutotaskClient:
            options: dict[str, Any] = {"base_url": BASE_URL, "transport": sandbox.transport(), "cache": False,
                                       "sleep": no_sleep, **sandbox.credentials}
            options.update(overrides)
            return stack.enter_context(AutotaskClient(**options))

        yield make


@pytest.fixture
def client(make_client: Callable[..., AutotaskClient]) -> AutotaskClient:
    return make_client()


@pytest.fixture(name="ticket_rows")
def _ticket_rows() -> Callable[..., tuple[list[dict], dict]]:
    return ticket_rows


@pytest.fixture(name="tickets_by_key")
def _tickets_by_key(client: AutotaskClient) -> Callable[[str], Counter[str]]:
    return lambda prefix: tickets_by_key(client, prefix)


@pytest.fixture
def env(sandbox_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunningServer:
    """The reset sandbox on loopback, with AUTOTASK_* pointing `py-autotask bulk` at it (no config, no cache)."""
    creds = sandbox_server.sandbox.credentials
    for key, value in (("USERNAME", creds["username"]), ("SECRET", creds["secret"]),
                       ("INTEGRATION_CODE", creds["integration_code"]), ("BASE_URL", sandbox_server.base_url),
                       ("CONFIG", str(tmp_path / "none.toml")), ("CACHE", "off")):
        monkeypatch.setenv(f"AUTOTASK_{key}", value)
    return sandbox_server
