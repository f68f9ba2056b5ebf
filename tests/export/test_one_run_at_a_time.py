"""One export at a time per output and state directory: a second run is refused before it writes anything."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from py_autotask import AutotaskClient
from py_autotask.cli.app import cli
from py_autotask.export import ProgressEvent, RunLockedError, export

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


class _Paused:
    """A first export of Tickets held after its first page (holding its locks), released by the test."""

    def __init__(self, client: AutotaskClient, out: Path, **options: Any) -> None:
        self.started, self.go = threading.Event(), threading.Event()
        self.result: Any = None
        self.thread = threading.Thread(target=self._run, args=(client, out, options), daemon=True)

    def _on(self, event: ProgressEvent) -> None:
        if event.kind == "advance":  # the writer waits here, so the files stay as they are
            self.started.set()
            assert self.go.wait(30)

    def _run(self, client: AutotaskClient, out: Path, options: dict[str, Any]) -> None:
        self.result = export(client, "Tickets", out, format="ndjson", progress=self._on, page_size=50,
                             **options)

    def __enter__(self) -> _Paused:
        self.thread.start()
        assert self.started.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.go.set()
        self.thread.join(60)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_bytes().splitlines() if line.strip()]


def test_two_exports_to_one_directory_one_refused_the_other_exact(client: AutotaskClient, tmp_path: Path,
                                                                     sandbox_server: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    with _Paused(client, out) as first:
        before = _snapshot(out)
        with pytest.raises(RunLockedError, match="in use by another run"):
            export(client, "Tickets", out, format="ndjson")
        with pytest.raises(RunLockedError):  # the same output file through another state directory
            export(client, "Tickets", out / "Tickets.ndjson", state_dir=tmp_path / "elsewhere")
        assert _snapshot(out) == before  # the refused runs wrote nothing
        creds = sandbox_server.sandbox.credentials
        for key, value in (("USERNAME", creds["username"]), ("SECRET", creds["secret"]),
                           ("INTEGRATION_CODE", creds["integration_code"]), ("BASE_URL", sandbox_server.base_url),
                           ("CONFIG", str(tmp_path / "none.toml")), ("CACHE", "off")):
            monkeypatch.setenv(f"AUTOTASK_{key}", value)
        refused = CliRunner().invoke(cli, ["export", "Tickets", "-o", str(out), "--format", "ndjson", "-q"])
        assert refused.exit_code == 2, refused.output
        assert "in use by another run" in refused.output and "Traceback" not in refused.output
        assert _snapshot(out) == before
    assert first.result is not None and first.result.ok
    ids = _ids(out / "Tickets.ndjson")
    assert len(ids) == len(set(ids)) == client.tickets.count()
    assert sorted(p.name for p in out.iterdir()) == ["Tickets.ndjson"]  # no lock files left
    assert not (tmp_path / "elsewhere").exists() or not any((tmp_path / "elsewhere").iterdir())


def test_concurrent_incremental_runs_on_one_state_directory(client: AutotaskClient, tmp_path: Path) -> None:
    out = tmp_path / "sync"
    with _Paused(client, out, incremental=True):
        marks_before = _snapshot(out)
        with pytest.raises(RunLockedError, match="state directory"):
            export(client, "Companies", out, format="ndjson", incremental=True)
        assert _snapshot(out) == marks_before
    marks = json.loads((out / ".py-autotask" / "watermarks.json").read_text())
    assert "Tickets" in json.dumps(marks)  # the first run's watermark is kept
