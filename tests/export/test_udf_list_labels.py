"""`--labels` and UDF list picklists: the exported UDF value already is the label, so no label column is added.

If the sandbox (or Autotask) ever stored list UDFs by item id, the first assertion fails and a
`udf:<Name>_label` column becomes necessary (see export/labels.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient
from py_autotask.export.engine import ExportEngine, ExportRequest

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    creds = sandbox.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


def test_udf_list_values_are_their_labels(client: AutotaskClient, tmp_path: Path) -> None:
    ranking = next(u for u in client.companies.udfs() if u["name"] == "Customer Ranking")
    assert ranking["isPickList"] and all(e["value"] == e["label"] for e in ranking["picklistValues"])
    labels = {e["label"] for e in ranking["picklistValues"]}

    output = tmp_path / "Companies.ndjson"
    request = ExportRequest(entities=["Companies"], outputs={"Companies": output}, format="ndjson", labels=True,
                            fields=["companyName", "classification", "udf:Customer Ranking"])
    summary = ExportEngine(client, request).run()
    assert summary.entities[0].status == "ok"
    rows = [json.loads(line) for line in output.read_bytes().splitlines() if line.strip()]
    assert list(rows[0]) == ["companyName", "classification", "classification_label", "udf:Customer Ranking"]
    written = {r["udf:Customer Ranking"] for r in rows} - {None, ""}
    assert written and written <= labels  # readable as is
