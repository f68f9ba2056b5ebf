"""Export planning: change fields, deletion logs, entity selection, output files, and id-range work stealing."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from py_autotask._catalog import find_entity, load_catalog
from py_autotask.export.plan import (
    RangeScheduler,
    change_field,
    deletion_logs_for,
    is_modification_field,
    output_paths,
    queryable_entities,
    select_entities,
)

CATALOG = load_catalog()


def _types(entity: str) -> dict[str, str]:
    return CATALOG[entity]["fields"]


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("Tickets", "lastActivityDate"),  # the exception table: not lastTrackedModificationDateTime
        ("Companies", "lastActivityDate"),
        ("Contacts", "lastModifiedDate"),  # a modification stamp beats an activity stamp
        ("TimeEntries", "lastModifiedDateTime"),
        ("Projects", "lastActivityDateTime"),
        ("ConfigurationItems", "lastModifiedTime"),
        ("Invoices", "createDateTime"),  # only a creation stamp
        ("ActionTypes", None),  # no date at all
    ],
)
def test_change_field_from_metadata(entity: str, expected: str | None) -> None:
    assert change_field(entity, _types(entity)) == expected


def test_change_field_ignores_non_datetime_fields_and_accepts_plain_names() -> None:
    assert change_field("X", {"lastActivityDate": "string", "createDate": "datetime"}) == "createDate"
    assert change_field("X", ["id", "LASTMODIFIEDDATE"]) == "LASTMODIFIEDDATE"


def test_modification_fields_are_told_from_creation_fields() -> None:
    assert is_modification_field("lastActivityDate")
    assert not is_modification_field("createDateTime")
    assert not is_modification_field(None)


def test_every_queryable_entity_gets_a_change_field_or_none_without_error() -> None:
    chosen = {name: change_field(name, _types(name)) for name in queryable_entities(CATALOG)}
    assert len(chosen) == 221
    assert sum(1 for v in chosen.values() if v) >= 45


def test_deletion_logs_follow_the_catalogue() -> None:
    tickets = deletion_logs_for("Tickets", CATALOG)
    assert [(log.log, log.id_field) for log in tickets] == [("DeletedTicketLogs", "ticketID")]
    assert [log.log for log in deletion_logs_for("TicketNotes", CATALOG)] == ["DeletedTicketActivityLogs"]
    assert [log.log for log in deletion_logs_for("TimeEntries", CATALOG)] == [
        "DeletedTaskActivityLogs", "DeletedTicketActivityLogs"]
    assert deletion_logs_for("Companies", CATALOG) == []


def test_select_entities_accepts_commas_globs_any_case_and_drops_repeats() -> None:
    resolve = lambda n: find_entity(n)["name"]  # noqa: E731
    assert select_entities(["tickets,Companies", "ticket_notes", "Tickets"], CATALOG, resolve) == [
        "Tickets", "Companies", "TicketNotes"]
    deleted = select_entities(["Deleted*"], CATALOG, resolve)
    assert deleted == ["DeletedTaskActivityLogs", "DeletedTicketActivityLogs", "DeletedTicketLogs"]
    with pytest.raises(ValueError, match="no queryable entity"):
        select_entities(["Nothing*"], CATALOG, resolve)


def test_output_paths(tmp_path: Path) -> None:
    assert output_paths(["Tickets"], str(tmp_path / "t.parquet"), None) == ("parquet", {"Tickets": tmp_path / "t.parquet"})
    assert output_paths(["Tickets"], str(tmp_path / "t.jsonl"), None)[0] == "ndjson"
    fmt, paths = output_paths(["Tickets", "Companies"], str(tmp_path), "xlsx")
    assert fmt == "xlsx" and paths == {"Tickets": tmp_path / "Tickets.xlsx", "Companies": tmp_path / "Companies.xlsx"}
    assert output_paths(["Tickets"], "-", "ndjson") == ("ndjson", {"Tickets": None})
    assert output_paths(["Tickets"], None, None) == ("csv", {"Tickets": Path("Tickets.csv")})
    with pytest.raises(ValueError, match="stdout"):
        output_paths(["Tickets"], "-", "parquet")
    with pytest.raises(ValueError, match="exactly one entity"):
        output_paths(["Tickets", "Companies"], "-", "csv")
    with pytest.raises(ValueError, match="file name"):
        output_paths(["Tickets", "Companies"], str(tmp_path / "x.csv"), None)
    with pytest.raises(ValueError, match="contradicts"):
        output_paths(["Tickets"], str(tmp_path / "x.csv"), "json")


# --- the scheduler, driven by threads against an in-memory id set ------------------------------------


class _IdServer:
    """Answers `id >= lo and id < hi` pages of ascending ids, like Autotask's query endpoint."""

    def __init__(self, ids: list[int], page_size: int) -> None:
        self.ids = sorted(ids)
        self.page_size = page_size
        self.requests = 0
        self._lock = threading.Lock()

    def page(self, lo: int, hi: int | None) -> list[int]:
        time.sleep(0.002)  # a request takes time, and the other workers run meanwhile
        with self._lock:
            self.requests += 1
        out = [i for i in self.ids if i >= lo and (hi is None or i < hi)]
        return out[: self.page_size]


def _drain(scheduler: RangeScheduler, server: _IdServer, workers: int, *, stop_after: int | None = None,
           origin: int = -(2**63)) -> tuple[list[int], list[int]]:
    """Run workers until done (or until `stop_after` pages were written); returns (written ids, pages per worker)."""
    written: list[int] = []
    lock = threading.Lock()
    per_worker = [0] * workers
    stop = threading.Event()

    def work(n: int) -> None:
        while not stop.is_set():
            rng = scheduler.acquire()
            if rng is None:
                return
            while not stop.is_set():
                lo, hi = scheduler.bounds(rng)
                ids = server.page(lo, hi)
                keep, done = scheduler.fetched(rng, ids, ids[0] if lo == origin and ids else lo)
                with lock:  # the writer: writes the page, then records how far the range is written
                    if stop.is_set():
                        scheduler.release(rng)
                        return
                    written.extend(ids[:keep])
                    scheduler.written(rng, ids[keep - 1] if keep else None, done)
                    per_worker[n] += 1
                    if stop_after is not None and sum(per_worker) >= stop_after:
                        stop.set()
                if done:
                    break

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return written, per_worker


@pytest.mark.parametrize("density", [1.0, 0.3, 0.02])
def test_scheduler_writes_every_id_exactly_once_and_keeps_workers_busy(density: float) -> None:
    rnd = random.Random(7)
    ids = sorted(rnd.sample(range(1, int(20_000 / density) + 1), 20_000))
    server = _IdServer(ids, page_size=100)
    scheduler = RangeScheduler([(-(2**63), None)], total=len(ids), page_size=100)
    written, per_worker = _drain(scheduler, server, workers=3)
    assert sorted(written) == ids and len(written) == len(set(written))
    assert scheduler.pending() == []
    # Planning costs nothing extra: about one request per page of 100 (split pages end a range early).
    assert server.requests <= len(ids) / 100 * 1.15 + 10
    assert min(per_worker) >= 0.2 * max(per_worker)  # nobody sat idle while the others worked


def test_scheduler_checkpoint_resumes_without_loss_or_duplicates() -> None:
    rnd = random.Random(3)
    ids = sorted(rnd.sample(range(1, 60_000), 12_000))
    server = _IdServer(ids, page_size=100)
    first = RangeScheduler([(-(2**63), None)], total=len(ids), page_size=100)
    written, _ = _drain(first, server, workers=3, stop_after=40)
    checkpoint = first.pending()
    assert 0 < len(written) < len(ids)
    # Everything written is outside the pending ranges; everything missing is inside them.
    inside = lambda i: any(lo <= i and (hi is None or i < hi) for lo, hi in checkpoint)  # noqa: E731
    assert not any(inside(i) for i in written)
    assert all(inside(i) for i in set(ids) - set(written))
    resumed = RangeScheduler(checkpoint, total=len(ids), page_size=100, already=len(written))
    rest, _ = _drain(resumed, server, workers=3)
    combined = written + rest
    assert sorted(combined) == ids and len(combined) == len(set(combined))


def test_scheduler_with_no_records_finishes_at_once() -> None:
    scheduler = RangeScheduler([(-(2**63), None)], total=0, page_size=100)
    written, _ = _drain(scheduler, _IdServer([], 100), workers=3)
    assert written == [] and scheduler.pending() == []


def test_scheduler_waits_for_a_count_on_its_way_before_splitting() -> None:
    # The count goes out with the first page. Splitting before it arrives guesses where the ids end (four
    # pages past the last one seen), so ranges beyond the end cost requests that return nothing.
    ids = list(range(1, 1_001))
    server = _IdServer(ids, page_size=100)
    scheduler = RangeScheduler([(-(2**63), None)], total=None, page_size=100, total_coming=True)
    first = scheduler.acquire()
    assert first is not None
    page = server.page(*scheduler.bounds(first))
    scheduler.fetched(first, page, page[0])
    stolen: list[Any] = []
    thief = threading.Thread(target=lambda: stolen.append(scheduler.acquire()))
    thief.start()
    thief.join(timeout=0.3)
    assert thief.is_alive() and not stolen  # waits: no split without the total
    scheduler.set_total(len(ids))
    thief.join(timeout=5)
    assert stolen and stolen[0] is not None and stolen[0].lo > page[-1]
    # The split follows the count: the stolen range ends with the ids, not four pages after the last seen.
    assert stolen[0].hi is None and first.hi == stolen[0].lo and first.hi <= len(ids)
