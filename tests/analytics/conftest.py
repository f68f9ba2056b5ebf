"""The analytics tests' tenant: the session sandbox, exported to Parquet and read through the API once.

``tenant.directory`` is what the metrics read (the SQL path); ``tenant.records`` and
``tenant.labels`` are the same data as the API returns it, for the independent plain-Python path.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient
from py_autotask.analytics.schema import ENTITIES

if any(importlib.util.find_spec(m) is None for m in ("duckdb", "pyarrow")):
    # The analytics extra is not installed (say, in `make matrix`): none of these tests can run. A skip here,
    # at import, would be a collection error instead.
    collect_ignore_glob = ["test_*.py"]
from py_autotask.export.engine import ExportEngine, ExportRequest  # noqa: E402

# Picklist fields the independent path labels groups with.
LABELLED = {("Tickets", "priority"), ("Tickets", "queueID"), ("TimeOffRequests", "status"),
            ("InternalLocationWithBusinessHours", "timeZoneID")}


@dataclass
class Tenant:
    """One exported tenant and its records as read through the API."""

    directory: Path
    records: dict[str, list[dict[str, Any]]]  # entity -> records (API form)
    labels: dict[tuple[str, str], dict[str, str]]  # (entity, field) -> value -> label


@pytest.fixture(scope="session")
def tenant(sandbox_template: Any, _sandbox_http: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenant]:
    sandbox_template.control.reset()  # whatever earlier tests changed, start from the seeded tenant
    directory = tmp_path_factory.mktemp("analytics-export")
    creds = sandbox_template.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=_sandbox_http.base_url, cache=False) as client:
        entities = [spec.entity for spec in ENTITIES.values() if client.entity(spec.entity).count() > 0]
        request = ExportRequest(entities=entities, format="parquet", labels=True,
                                outputs={name: directory / f"{name}.parquet" for name in entities})
        summary = ExportEngine(client, request).run()
        assert all(entity.status == "ok" for entity in summary.entities), summary.entities
        records = {name: [dict(record) for record in client.entity(name).query()] for name in entities}
        labels = {}
        for entity, field in LABELLED:
            if entity in records:
                labels[(entity, field)] = {str(v["value"]): v["label"]
                                           for v in client.entity(entity).picklist(field)}
    yield Tenant(directory, records, labels)
