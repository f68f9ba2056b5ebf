"""`export()` never replaces a file it did not just make: an earlier run's output needs `force=True`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from py_autotask import AutotaskClient
from py_autotask.export import OutputExistsError, export

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


def test_an_earlier_output_is_refused_before_any_request_unless_forced(client: AutotaskClient, sandbox: Any,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "Companies.parquet"
    assert export(client, "Companies", out).ok
    before = out.read_bytes()
    sandbox.control.clear_log()
    with pytest.raises(OutputExistsError) as refused:
        export(client, "Companies", out)
    assert refused.value.path == out and refused.value.checkpoint is None and str(out) in str(refused.value)
    assert sandbox.control.request_log == [] and out.read_bytes() == before
    assert export(client, "Companies", out, force=True).ok


def test_incremental_runs_write_their_own_files_and_need_no_force(client: AutotaskClient, tmp_path: Path) -> None:
    first = export(client, "Companies", tmp_path, incremental=True)
    second = export(client, "Companies", tmp_path, incremental=True)
    assert first.ok and second.ok
    assert first.files["Companies"] != second.files["Companies"]
    assert all(Path(f).exists() for f in (*first.files["Companies"], *second.files["Companies"]))
