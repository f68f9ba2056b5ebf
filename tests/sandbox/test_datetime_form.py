"""``SandboxConfig.datetime_form``: Autotask's responses carry times without an offset
(``2023-12-07T04:31:36.684``, as a live probe returned them), but ``Z`` forms are seen too; the switch
serves every response time with ``Z`` so a client can be tested against both."""

from __future__ import annotations

import re

import httpx
import pytest
from autotask_sandbox import Sandbox, SandboxConfig

from .._clock import SANDBOX_NOW

BASE = "https://sandbox.autotask.local/ATServicesRest/"
NAIVE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")
ZULU = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sb.transport(), base_url=BASE, headers=sb.headers())


def test_z_form_serves_the_same_times_with_a_z() -> None:
    naive = Sandbox(SandboxConfig(seed=4, tickets=40, now=SANDBOX_NOW))
    zulu = Sandbox(SandboxConfig(seed=4, tickets=40, now=SANDBOX_NOW, datetime_form="z"))
    query = {"filter": [{"op": "exist", "field": "id"}]}
    with _client(naive) as a, _client(zulu) as b:
        plain = a.post("V1.0/Tickets/query", json=query).json()["items"]
        with_z = b.post("V1.0/Tickets/query", json=query).json()["items"]
        assert len(plain) == len(with_z) == 40
        compared = 0
        for left, right in zip(plain, with_z, strict=True):
            for key, value in left.items():
                if isinstance(value, str) and NAIVE.match(value):
                    assert right[key] == value + "Z" and ZULU.match(right[key])
                    compared += 1
                else:
                    assert right[key] == value
        assert compared > 80
        # Filters take either form, and a written time comes back in the sandbox's form.
        ticket = with_z[0]
        since = {"filter": [{"op": "gte", "field": "createDate", "value": ticket["createDate"]}]}
        assert b.post("V1.0/Tickets/query/count", json=since).json() == a.post(
            "V1.0/Tickets/query/count", json={"filter": [{**since["filter"][0], "value": plain[0]["createDate"]}]}
        ).json()
        b.patch("V1.0/Tickets", json={"id": ticket["id"], "dueDateTime": "2025-07-01T10:00:00"}).raise_for_status()
        assert b.get(f"V1.0/Tickets/{ticket['id']}").json()["item"]["dueDateTime"] == "2025-07-01T10:00:00.000Z"


def test_the_form_is_checked() -> None:
    with pytest.raises(ValueError, match="datetime_form"):
        SandboxConfig(datetime_form="utc")
