"""Zone detection against the sandbox's zoneInformation, zone caching, and the secret staying secret."""

from __future__ import annotations

import logging

import pytest

from py_autotask import AuthenticationError, AutotaskError, known_zones
from py_autotask.cache import LayeredCache, MemoryLayer

from .conftest import SANDBOX_BASE_URL, Api


def zone_requests(api: Api) -> int:
    return sum("zoneinformation" in e["path"].lower() for e in api.sandbox.control.request_log)


def detecting(api: Api, **overrides: object) -> Api:
    """A client with no base URL that must find the zone through the sandbox's zoneInformation."""
    root = api.client.base_url if api.wire == "http" else SANDBOX_BASE_URL
    return api.make(base_url=None, zone_lookup_url=root + "V1.0/zoneInformation", **overrides)


def test_zone_detection(api: Api) -> None:
    expected_root = api.client.base_url
    other = detecting(api)
    try:
        assert other.client.base_url is None
        assert other(lambda c: c.tickets.count()) > 0
        assert other.client.base_url == expected_root
        assert zone_requests(api) == 1
        other(lambda c: c.companies.count())
        assert zone_requests(api) == 1  # detected once per client
        zone = other(lambda c: c.detect_zone())
        assert zone.url == expected_root and zone_requests(api) == 1
        other(lambda c: c.detect_zone(force=True))
        assert zone_requests(api) == 2
    finally:
        other.close()


def test_a_second_start_makes_no_zone_call(api_local: Api) -> None:
    cache = LayeredCache([MemoryLayer()])
    for _ in range(2):
        other = detecting(api_local, cache=cache)
        try:
            other(lambda c: c.tickets.count())
        finally:
            other.close()
    assert zone_requests(api_local) == 1


def test_unknown_user_fails_zone_detection_clearly(api_local: Api) -> None:
    other = detecting(api_local, username="nobody@example.com", max_retries=0)
    try:
        with pytest.raises(AuthenticationError):
            other(lambda c: c.tickets.count())
    finally:
        other.close()


def test_all_22_zones_are_known() -> None:
    zones = known_zones()
    assert len(zones) == 22 and len({z.url for z in zones}) == 22
    assert all(z.url.startswith("https://") and z.url.endswith(".autotask.net/ATServicesRest/") for z in zones)
    assert {"webservices15.autotask.net", "prde.autotask.net"} <= {z.url.split("/")[2] for z in zones}


def test_secret_absent_from_logs_reprs_and_errors(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    secret = api.sandbox.credentials["secret"]
    code = api.sandbox.credentials["integration_code"]
    caplog.set_level(logging.DEBUG)
    texts: list[str] = [repr(api.client), repr(api.client.tickets), repr(api.client.config)]
    api.sandbox.control.set_faults({"500": 0.3, "reset": 0.2}, seed=5)
    api.list(lambda c: c.tickets.query(limit=600))
    api.sandbox.control.set_faults({})
    failures: list[AutotaskError] = []
    for change in ({"secret": secret + "x"}, {"integration_code": code + "x"}):
        other = api.make(**{**api.sandbox.credentials, **change}, max_retries=0)
        try:
            other(lambda c: c.tickets.count())
        except AutotaskError as exc:
            failures.append(exc)
        finally:
            other.close()
    with pytest.raises(AutotaskError) as info:
        api(lambda c: c.tickets.create({"title": "x"}))
    failures.append(info.value)
    assert len(failures) == 3
    for exc in failures:
        texts += [str(exc), repr(exc), repr(getattr(exc, "body", None)), repr(exc.args)]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    assert any("retry" in t for t in texts)  # the faults really produced DEBUG retry lines
    for text in texts:
        assert secret not in text and code not in text
