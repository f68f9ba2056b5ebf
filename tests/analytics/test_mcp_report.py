"""`autotask_report` of `py-autotask mcp`: a metric over the mirror, through the MCP SDK's own client."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the optional 'mcp' package is not installed")

from mcp import Client  # noqa: E402

from py_autotask import AutotaskClient, analytics  # noqa: E402
from py_autotask.analytics.reports import run  # noqa: E402
from py_autotask.mcp import AutotaskTools, build_server  # noqa: E402

from .conftest import Tenant  # noqa: E402

pytestmark = pytest.mark.anyio


async def test_report_tool_reads_the_mirror_without_api_requests(tenant: Tenant, sandbox: Any) -> None:
    client = AutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local",
                            transport=sandbox.transport(), cache=False)
    tools = AutotaskTools(client, report_source=str(tenant.directory))
    sandbox.control.clear_log()
    async with Client(build_server(tools)) as session:
        names = [tool.name for tool in (await session.list_tools()).tools]
        result = await session.call_tool("autotask_report", {"name": "sla", "by": "priority",
                                                             "since": "2023-01-01", "until": "2025-06-01"})
        refused = await session.call_tool("autotask_report", {"name": "nps"})
    assert "autotask_report" in names
    report = json.loads(result.content[0].text)
    with analytics.open_source(tenant.directory) as source:
        expected = run(source, "sla", by="priority", since=date(2023, 1, 1), until=date(2025, 6, 1)).to_pylist()
    assert report["rows_total"] == len(expected) > 0
    assert [row["untrusted"]["priority"] for row in report["rows"]] == [row["priority"] for row in expected]
    assert [row["tickets"] for row in report["rows"]] == [row["tickets"] for row in expected]
    assert refused.is_error and "no report 'nps'" in refused.content[0].text
    assert sandbox.control.request_log == []  # a report costs no API request
    client.close()


async def test_no_report_tool_without_a_source(sandbox: Any) -> None:
    client = AutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local",
                            transport=sandbox.transport(), cache=False)
    async with Client(build_server(AutotaskTools(client))) as session:
        names = [tool.name for tool in (await session.list_tools()).tools]
    assert "autotask_report" not in names and "autotask_search" in names
    client.close()
