"""Exactly once under faults: 10,000 rows, 5 % invalid, 5 % 5xx/resets; crashes and resumes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest
from autotask_sandbox import Sandbox

from py_autotask._client import AutotaskClient
from py_autotask.bulk import BulkEngine, JournalError
from py_autotask.limits import ThresholdBudget


# ~5 % of requests fail after or instead of being handled: 500s (not applied), resets and truncated answers
# (applied, answer lost), plus 429s to exercise the adaptive concurrency.
def _no_sleep(seconds: float) -> None:
    """Engine pauses take no time in tests."""


FAULTS = {"500": 0.025, "reset": 0.0125, "truncate": 0.0125, "429": 0.01}


@pytest.mark.slow
def test_ten_thousand_rows_with_faults_land_exactly_once(sandbox: Sandbox, client: AutotaskClient, ticket_rows,
                                                         tickets_by_key, tmp_path: Path) -> None:
    rows, invalid = ticket_rows(10_000, "BIG")
    # 10,000 creates are the whole hourly threshold of a real tenant (the budget would pace them over an
    # hour — see benchmarks/bulk_bench.py); this test is about faults, so the sandbox tenant gets more.
    sandbox.control.set_limits(threshold=1_000_000)
    sandbox.control.set_faults(FAULTS, seed=11)
    run = BulkEngine(client, sleep=_no_sleep).create("Tickets", rows, key=["externalID"], reconcile_delay=0,
                                                    journal=tmp_path / "big.journal.sqlite")
    results = {r.row_number: r for r in run}
    stats = sandbox.control.stats()
    sandbox.control.set_faults({})

    assert len(results) == 10_000
    for number, reason in invalid.items():
        assert results[number].outcome == "invalid"
        assert any(reason in m for m in results[number].messages), results[number]
    outcomes = Counter(r.outcome for r in results.values())
    assert outcomes["invalid"] == 500
    failed = [r for r in results.values() if r.outcome == "failed"]
    assert outcomes["created"] + outcomes["reconciled"] == 9_500, (outcomes, failed)
    assert outcomes["reconciled"] > 0 and stats["faults"]["reset"] > 0 and stats["faults"]["500"] > 0
    assert run.summary.throttled > 0  # the 429s reached the AIMD controller
    assert stats["thread_limit_rejections"] == 0

    existing = tickets_by_key("BIG")
    valid_keys = {rows[n - 1]["externalID"] for n in range(1, 10_001) if n not in invalid}
    assert set(existing) == valid_keys
    assert set(existing.values()) == {1}  # every valid row exactly once
    ids = {r.id for r in results.values() if r.ok}
    assert len(ids) == 9_500


def test_unkeyed_creates_reconcile_by_every_field(sandbox: Sandbox, client: AutotaskClient, ticket_rows,
                                                   tickets_by_key) -> None:
    rows, _ = ticket_rows(300, "NOKEY", invalid_every=0)
    sandbox.control.set_faults({"reset": 0.08, "500": 0.04}, seed=3)
    run = BulkEngine(client, sleep=_no_sleep).create("Tickets", rows, reconcile_delay=0)
    outcomes = Counter(r.outcome for r in run)
    sandbox.control.set_faults({})
    assert outcomes["created"] + outcomes["reconciled"] == 300 and outcomes["reconciled"] > 0
    assert set(tickets_by_key("NOKEY").values()) == {1}


class _Crash(BaseException):
    """Stands for the process dying: raised after the sandbox applied a request, before its answer is read."""


class CrashAfterSend(httpx.BaseTransport):
    """Forwards every request; the `after`-th ticket create is applied by the sandbox, then the 'process dies'."""

    def __init__(self, inner: httpx.BaseTransport, after: int) -> None:
        self.inner, self.after, self.creates = inner, after, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/V1.0/Tickets"):
            self.creates += 1
            if self.creates == self.after:
                response.read()
                raise _Crash
        return response


def test_crash_between_send_and_journal_then_resume(sandbox: Sandbox, make_client, ticket_rows, tickets_by_key,
                                                    tmp_path: Path) -> None:
    """The 150th create reaches the sandbox, then the 'process dies': that row stays `sent` in the journal."""
    rows, invalid = ticket_rows(400, "CRASH")
    journal = tmp_path / "crash.journal.sqlite"
    transport = CrashAfterSend(sandbox.transport(), after=150)
    crashing = make_client(transport=transport)
    first = BulkEngine(crashing, sleep=_no_sleep).create("Tickets", rows, key=["externalID"], journal=journal,
                                                       reconcile_delay=0)
    seen = []
    with pytest.raises(_Crash):
        for result in first:
            seen.append(result)
    client = make_client()
    with pytest.raises(JournalError, match="pass --resume"):
        BulkEngine(client).create("Tickets", rows, key=["externalID"], journal=journal).wait()
    second = BulkEngine(client, sleep=_no_sleep).create("Tickets", rows, key=["externalID"], journal=journal,
                                                       resume=True, reconcile_delay=0)
    results = {r.row_number: r for r in second}
    assert len(results) == 400
    assert sum(r.from_journal for r in results.values()) >= len([r for r in seen if r.outcome == "created"])
    reconciled = [r for r in results.values() if r.outcome == "reconciled"]
    assert reconciled and all("interrupted run" in r.messages[-1] for r in reconciled)
    assert {n for n, r in results.items() if r.outcome == "invalid"} == set(invalid)
    counts = tickets_by_key("CRASH")
    assert len(counts) == 400 - len(invalid) and set(counts.values()) == {1}
    assert any("resumed the journal" in n for n in second.summary.notices)


def test_budget_stop_skips_rows_and_resume_finishes(make_client, ticket_rows, tickets_by_key, tmp_path: Path) -> None:
    rows, _ = ticket_rows(80, "BUDGET", invalid_every=0)
    journal = tmp_path / "budget.journal.sqlite"
    # 40 of the tenant's 10,000 requests, no pacing before the cap: the job must stop, not slow down.
    tight = ThresholdBudget(share=0.004, soft_mark=1.0)
    client = make_client(budget=tight)
    run = BulkEngine(client, sleep=_no_sleep).create("Tickets", rows, key=["externalID"], journal=journal)
    outcomes = Counter(r.outcome for r in run)
    assert outcomes["skipped"] > 0 and outcomes["created"] > 0
    assert run.summary.aborted and "threshold" in run.summary.aborted and not run.summary.ok
    client = make_client()
    resumed = BulkEngine(client, sleep=_no_sleep).create("Tickets", rows, key=["externalID"], journal=journal,
                                                        resume=True)
    again = Counter(r.outcome for r in resumed if not r.from_journal)
    assert again == {"created": outcomes["skipped"]} and resumed.summary.ok
    assert resumed.summary.from_journal == outcomes["created"]
    assert set(tickets_by_key("BUDGET").values()) == {1} and len(tickets_by_key("BUDGET")) == 80


def test_keyed_create_refuses_existing_keys(client: AutotaskClient, ticket_rows, tickets_by_key) -> None:
    rows, _ = ticket_rows(5, "TWICE", invalid_every=0)
    assert BulkEngine(client).create("Tickets", rows, key=["externalID"]).wait().ok
    results = list(BulkEngine(client).create("Tickets", rows, key=["externalID"]))
    assert {r.outcome for r in results} == {"failed"}
    assert "already exists" in results[0].messages[0] and "use upsert" in results[0].messages[0]
    assert set(tickets_by_key("TWICE").values()) == {1}
