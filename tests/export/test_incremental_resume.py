"""An incremental export that was interrupted and resumed later must not lose changes made in between.

The watermark's overlap window has to reach back to when the run *first* started, not to when the
resumed part started: a record changed after the first part had written it is not fetched again by the
resumed part (its id range is done), so only the next run's window can pick it up.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient
from py_autotask.export.engine import ExportEngine, ExportRequest
from py_autotask.export.progress import ExportProgress

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
HOURS_LATER = 5 * 3600.0


class _StopAfter(ExportProgress):
    """Asks the engine to stop (as Ctrl-C does) once enough rows were written."""

    def __init__(self, stop: threading.Event, rows: int) -> None:
        super().__init__()
        self.stop, self.rows, self.seen = stop, rows, 0

    def advance(self, entity: str, records: int) -> None:
        self.seen += records
        if self.seen >= self.rows:
            self.stop.set()


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    creds = sandbox.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


def _ids(path: Path) -> set[int]:
    return {json.loads(line)["id"] for line in path.read_bytes().splitlines() if line.strip()}


def test_change_between_an_interrupted_part_and_a_later_resume_is_exported_next_run(
        client: AutotaskClient, sandbox: Any, tmp_path: Path) -> None:
    out = tmp_path / "Tickets.ndjson"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format="ndjson", incremental=True,
                            checkpoint_every=0.0, page_size=100, workers=1)
    stop = threading.Event()
    first = ExportEngine(client, request, progress=_StopAfter(stop, 300), stop=stop).run()
    assert first.entities[0].status == "interrupted"

    # After the first part: a ticket it already wrote changes, then hours pass before the resume.
    written_early = min(t["id"] for t in client.tickets.query(fields=["id"], limit=1))
    client.tickets.update(written_early, {"title": "changed after the first part"})
    sandbox.control.clock.advance(HOURS_LATER)
    last = max(t["id"] for t in client.tickets.query(fields=["id"]))
    client.tickets.update(last, {"title": "changed before the resume"})  # in a range still pending

    resumed = ExportEngine(client, ExportRequest(**{**request.__dict__, "resume": True}),
                           wall_clock=lambda: time.time() + HOURS_LATER).run()
    assert resumed.entities[0].status == "ok"

    second = ExportEngine(client, ExportRequest(**{**request.__dict__, "resume": False}),
                          wall_clock=lambda: time.time() + HOURS_LATER).run()
    assert second.entities[0].status == "ok" and second.entities[0].mode == "incremental"
    assert written_early in _ids(Path(second.entities[0].files[0]))



def test_incremental_with_fields_that_leave_out_the_change_field_stays_incremental(
        client: AutotaskClient, sandbox: Any, tmp_path: Path) -> None:
    out = tmp_path / "Tickets.ndjson"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format="ndjson", incremental=True,
                            fields=["id", "title"])
    assert ExportEngine(client, request).run().entities[0].status == "ok"
    sandbox.control.clock.advance(120)
    changed = min(t["id"] for t in client.tickets.query(fields=["id"], limit=1))
    client.tickets.update(changed, {"title": "changed"})
    second = ExportEngine(client, request).run().entities[0]
    assert second.mode == "incremental"
    changes = Path(second.files[0])
    assert _ids(changes) == {changed}
    assert set(json.loads(changes.read_bytes().splitlines()[0])) == {"id", "title"}  # the columns asked for
