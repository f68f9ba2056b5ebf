"""Smaller client features against the sandbox: timeouts, pools, raw requests, thresholds, record helpers."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from py_autotask import APITimeoutError, AutotaskClient, F, parse_datetimes, set_udf, udf, udfs

from .conftest import SANDBOX_BASE_URL, Api


def test_timeouts_raise_api_timeout_error(api_http: Api) -> None:
    # Abandoned slow requests keep their server-side thread for slow_s (as in Autotask): raise the limit.
    api_http.sandbox.control.set_limits(thread_limit=20)
    api_http.sandbox.control.set_faults({"slow": 1.0}, slow_s=1.0)
    impatient = api_http.make(timeout=0.3, max_retries=1)
    try:
        with pytest.raises(APITimeoutError, match="timed out"):
            impatient(lambda c: c.tickets.count())
        assert len(impatient.sleeps) == 1  # a read timeout on a count is retried once, then raised
    finally:
        impatient.close()


def test_a_caller_supplied_pool_is_used_and_left_open(sandbox) -> None:
    pool = httpx.Client(transport=sandbox.transport())
    with AutotaskClient(**sandbox.credentials, base_url=SANDBOX_BASE_URL, http_client=pool, cache=False) as client:
        assert client.tickets.count() > 0
    assert not pool.is_closed
    pool.close()


def test_raw_requests_and_threshold_information(api_local: Api) -> None:
    version = api_local(lambda c: c.request("GET", "/V1.0/Version"))
    assert isinstance(version, dict) and version
    info = api_local(lambda c: c.threshold_information())
    assert info["externalRequestThreshold"] > 0
    usage = api_local.client.runtime.budget.usage()
    assert usage["tenant_observed"] == info["currentTimeframeRequestCount"]


def test_udf_helpers_on_real_records(api_local: Api) -> None:
    company = api_local.list(lambda c: c.companies.query(F.udf("Customer Ranking") == "Golden", limit=1))[0]
    assert udf(company, "customer ranking") == "Golden"
    assert udfs(company)["Customer Ranking"] == "Golden"
    assert udf(company, "No Such UDF", "n/a") == "n/a"
    changed = set_udf(dict(company), "Number of Employees", 42)
    assert udf(changed, "Number of Employees") == "42"  # UDF values travel as strings
    fresh = set_udf({}, "Contract Renewal Date", datetime(2027, 1, 2, tzinfo=timezone.utc))
    assert fresh == {"userDefinedFields": [{"name": "Contract Renewal Date", "value": "2027-01-02T00:00:00Z"}]}


def test_parse_datetimes_of_a_real_record(api_local: Api) -> None:
    ticket = api_local.list(lambda c: c.tickets.query(limit=1))[0]
    parsed = parse_datetimes(ticket, api_local.client.tickets)
    assert isinstance(parsed["createDate"], datetime) and parsed["createDate"].tzinfo == timezone.utc
    assert parsed["title"] == ticket["title"] and isinstance(ticket["createDate"], str)  # original untouched
    assert parse_datetimes(ticket, "Tickets") == parsed
