"""Checkpoint and watermark files: atomic replacement, round trips, refusing foreign versions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from py_autotask.export.state import Checkpoint, EntityWatermark, Watermarks, atomic_write_json, options_key


def test_atomic_write_replaces_whole_file_and_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.json"
    atomic_write_json(target, {"a": 1})
    atomic_write_json(target, {"b": [1, 2]}, durable=True)
    assert json.loads(target.read_text()) == {"b": [1, 2]}
    assert os.listdir(target.parent) == ["state.json"]


def test_atomic_write_failure_keeps_the_old_state(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write_json(target, {"ok": True})
    circular: dict[str, object] = {}
    circular["self"] = circular
    with pytest.raises(ValueError, match="Circular"):
        atomic_write_json(target, circular)
    assert json.loads(target.read_text()) == {"ok": True}
    assert os.listdir(tmp_path) == ["state.json"]


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cp" / "Tickets.csv.json"
    cp = Checkpoint(path, "Tickets", "k1", "csv", "out/Tickets.csv", "out/Tickets.csv.partial", ["id", "title"],
                    [(10, 500), (500, None)], bytes=1234, rows=9, total=100, since="2024-01-01T00:00:00Z")
    cp.save()
    loaded = Checkpoint.load(path)
    assert loaded is not None
    assert loaded.ranges == [(10, 500), (500, None)]
    assert (loaded.bytes, loaded.rows, loaded.total, loaded.columns) == (1234, 9, 100, ["id", "title"])
    loaded.discard()
    assert Checkpoint.load(path) is None


def test_checkpoint_of_another_version_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    path.write_text(json.dumps({"version": 999, "entity": "Tickets"}))
    assert Checkpoint.load(path) is None


def test_options_key_is_stable_and_sensitive() -> None:
    a = options_key({"filter": [{"op": "eq", "field": "status", "value": 1}], "format": "csv"})
    assert a == options_key({"format": "csv", "filter": [{"op": "eq", "field": "status", "value": 1}]})
    assert a != options_key({"format": "csv", "filter": [{"op": "eq", "field": "status", "value": 2}]})


def test_watermarks_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "watermarks.json"
    marks = Watermarks(path)
    assert marks.get("Tickets") is None and marks.log_position("DeletedTicketLogs") is None
    marks.set("Tickets", EntityWatermark(field="lastActivityDate", since="2024-05-01T10:00:00.000Z", overlap_s=310.5,
                                         recent={"7": 1714557600000}, max_id=99, records=5))
    marks.set_log_position("DeletedTicketLogs", 42)
    again = Watermarks(path)
    mark = again.get("Tickets")
    assert mark is not None and mark.recent == {"7": 1714557600000} and mark.max_id == 99
    assert again.log_position("DeletedTicketLogs") == 42


def test_watermarks_of_another_version_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "watermarks.json"
    path.write_text(json.dumps({"version": 0, "entities": {}}))
    with pytest.raises(ValueError, match="another version"):
        Watermarks(path)
