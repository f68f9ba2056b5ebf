"""The shared run logic (`bulk/base.py`) driven by hand, with no client: ops out, answers or errors in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from autotask_sandbox.tenant.metadata import TenantMetadata

from py_autotask._core.drive import Blocking
from py_autotask._exceptions import APIStatusError, RateLimitError, ThresholdExceededError
from py_autotask.bulk.base import JobSteps, Lookups, open_job
from py_autotask.bulk.job import BulkOptions, RowTask
from py_autotask.bulk.matching import Flow, Op
from py_autotask.bulk.results import RowResult

URL = "https://sandbox.autotask.local/ATServicesRest/V1.0/Tickets"


def _status(cls: type[APIStatusError], status: int, **extra: Any) -> APIStatusError:
    return cls(status, ["refused"], method="POST", url=URL, **extra)


def drive(flow: Flow, answer: Callable[[Op], Any], log: list[Op]) -> Any:
    """Run a flow to its end: each op goes to `answer`; what it raises is thrown back in, as the engines do.

    `Blocking` steps (journal work) run inline, as the sync client runs them.
    """
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            op = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        if isinstance(op, Blocking):
            value = op.fn()
            continue
        log.append(op)
        try:
            value = answer(op)
        except APIStatusError as exc:
            error = exc


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=1)


def _job(meta: TenantMetadata, **options: Any) -> JobSteps:
    log: list[Op] = []
    answers = {"fields": meta.fields("Tickets"), "udfs": meta.udfs("Tickets")}
    job = drive(open_job(object(), "tickets", "create", BulkOptions(key=["externalID"], **options)),
                lambda op: answers[op.kind], log)
    assert [(op.kind, op.entity) for op in log] == [("fields", "Tickets"), ("udfs", "Tickets")]
    assert job.summary.requests["metadata"] == 2
    return job


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"companyID": 0, "title": f"t{i}", "status": "New", "priority": "Medium",
             "dueDateTime": "2026-03-01T09:00", "externalID": f"K-{i}"}
            for i in range(n)]


def test_a_429_pauses_then_repeats_the_same_call(meta: TenantMetadata) -> None:
    job = _job(meta)
    steps = job.steps(_rows(1))
    lookups = next(steps)
    assert isinstance(lookups, Lookups)
    log: list[Op] = []
    drive(lookups.flow, lambda op: [], log)
    assert [op.kind for op in log] == ["query"]
    task = next(steps)
    assert isinstance(task, RowTask)
    refusals = [_status(RateLimitError, 429, retry_after=2.5)]

    def answer(op: Op) -> Any:
        if op.kind == "create" and refusals:
            raise refusals.pop()
        return 501 if op.kind == "create" else None

    log.clear()
    result = drive(job.row_flow(task), answer, log)
    assert [(op.kind, op.seconds) for op in log] == [("create", 0.0), ("sleep", 2.5), ("create", 0.0)]
    assert result == RowResult(1, "created", 501, ())
    assert job.summary.requests["create"] == 2  # every attempt is counted
    assert next(steps, None) is None
    assert job.close().aborted is None


def test_the_threshold_stops_the_job_for_every_later_row(meta: TenantMetadata) -> None:
    job = _job(meta, chunk_size=2)
    steps = job.steps(_rows(3))
    drive(next(steps).flow, lambda op: [], [])  # type: ignore[union-attr]
    first, second = next(steps), next(steps)
    assert isinstance(first, RowTask) and isinstance(second, RowTask)

    def refuse(op: Op) -> Any:
        raise _status(ThresholdExceededError, 429)

    stopped = drive(job.row_flow(first), refuse, [])
    assert stopped.outcome == "skipped" and job.stop and "hourly request threshold" in job.stop
    log: list[Op] = []
    assert drive(job.row_flow(second), refuse, log).outcome == "skipped"
    assert log == []  # a stopped job sends nothing new
    later = list(steps)  # the next chunk is never validated or looked up
    assert [(r.row_number, r.outcome) for r in later] == [(3, "skipped")]
    assert job.close().aborted == job.stop


def test_failed_lookups_fail_the_chunk_without_sending(meta: TenantMetadata) -> None:
    job = _job(meta)
    steps = job.steps(_rows(2))

    def server_error(op: Op) -> Any:
        raise _status(APIStatusError, 500)

    drive(next(steps).flow, server_error, [])  # type: ignore[union-attr]
    results = list(steps)
    assert [r.outcome for r in results] == ["failed", "failed"]  # type: ignore[union-attr]
    assert "looking up existing records failed" in results[0].messages[0]  # type: ignore[union-attr]
    assert job.close().aborted is None
