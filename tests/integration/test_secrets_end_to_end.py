"""Issue #4 end to end: the secret (and the integration code) never leave the headers of requests to the
Autotask host — not in any log line at DEBUG, exception, repr, cache file or Redis entry — and the client
refuses to take them anywhere else (a foreign `nextPageUrl`, a zone or base URL over plain HTTP).
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from autotask_sandbox import Sandbox

from py_autotask import (
    AmbiguousWriteError,
    APIValidationError,
    AsyncAutotaskClient,
    AuthenticationError,
    AutotaskClient,
    AutotaskError,
    ConfigurationError,
    NotFoundError,
    ThresholdBudgetExceeded,
)
from py_autotask.cache import cache_from_env
from py_autotask.limits import ThresholdBudget

from .conftest import SANDBOX_BASE_URL, RedisServer, listed_ids, no_async_sleep, no_sleep


def forms(value: str) -> set[str]:
    """A credential as it could show up in text: raw, URL-encoded, JSON-escaped."""
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def exception_texts(exc: BaseException) -> Iterable[str]:
    """str, repr, traceback and attributes of an exception and of everything it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield "".join(traceback.format_exception(current))
        yield repr(vars(current))
        current = current.__cause__ or current.__context__


def _session(server: Any, cache: Any, errors: list[BaseException]) -> list[str]:
    """A realistic sync session; returns the reprs it met, collects the exceptions it caught."""
    sandbox = server.sandbox
    control = sandbox.control
    lookup = server.base_url + "V1.0/zoneInformation"
    client = AutotaskClient(**sandbox.credentials, zone_lookup_url=lookup, cache=cache, sleep=no_sleep)
    texts = [repr(client), repr(client.config), repr(client.config.credentials), repr(client.tickets),
             repr(client.runtime), repr(cache), repr(client.tickets.query(limit=5))]
    with client:
        client.detect_zone()
        client.tickets.fields()
        client.ticket_notes.udfs()
        client.tickets.label("status", 1)
        ticket_id = client.tickets.query(limit=1).to_list()[0]["id"]
        control.set_faults({"500": 0.1, "reset": 0.05, "429": 0.05, "truncate": 0.05}, seed=7)
        assert len(client.tickets.query(limit=600, method="GET").to_list()) == 600  # faults, retried
        assert client.companies.count() > 0
        control.set_faults({})
        note = {"ticketID": ticket_id, "title": "secret audit", "description": "d", "noteType": 1, "publish": 1}
        texts.append(repr(client.ticket_notes.get(client.ticket_notes.create(note))))
        for failing in (
            lambda: client.ticket_notes.create({"ticketID": ticket_id}),  # validation error
            lambda: client.companies.update(10**9, {"companyName": "gone"}),  # not found
        ):
            with pytest.raises((APIValidationError, NotFoundError)) as info:
                failing()
            errors.append(info.value)
        control.set_faults({"reset": 1.0})
        with pytest.raises(AmbiguousWriteError) as ambiguous:
            client.ticket_notes.create(note)
        errors.append(ambiguous.value)
        control.set_faults({})
        texts += [repr(client), repr(client.zone), json.dumps(client.runtime.budget.usage())]
    tight = ThresholdBudget(share=0.0001)  # one request per hour: the second is refused
    with AutotaskClient(**sandbox.credentials, base_url=server.base_url, cache=False, budget=tight) as capped:
        capped.companies.count()
        with pytest.raises(ThresholdBudgetExceeded) as refused:
            capped.companies.count()
        errors.append(refused.value)
    wrong = {**sandbox.credentials, "secret": sandbox.credentials["secret"] + "x"}  # contains the real one
    with AutotaskClient(**wrong, base_url=server.base_url, cache=False, max_retries=0) as other:
        with pytest.raises(AuthenticationError) as denied:
            other.tickets.count()
        errors.append(denied.value)
    return texts


def test_the_secret_appears_nowhere(
    sandbox_server: Any, redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    creds = sandbox_server.sandbox.credentials
    disk = tmp_path / "cache"
    cache = cache_from_env({"AUTOTASK_CACHE_DIR": str(disk), "AUTOTASK_REDIS_URL": redis_server.url})
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore, redis
    errors: list[BaseException] = []
    texts = _session(sandbox_server, cache, errors)

    async def async_session() -> None:
        lookup = sandbox_server.base_url + "V1.0/zoneInformation"
        async with AsyncAutotaskClient(**creds, zone_lookup_url=lookup, cache=cache, sleep=no_async_sleep) as aclient:
            texts.append(repr(aclient))
            await aclient.tickets.fields()
            texts.append(repr(await aclient.tickets.query(limit=3)))
        bad = {**creds, "integration_code": creds["integration_code"] + "Z"}
        async with AsyncAutotaskClient(**bad, base_url=sandbox_server.base_url, cache=False, max_retries=0) as other:
            try:
                await other.companies.count()
            except AutotaskError as exc:
                errors.append(exc)

    asyncio.run(async_session())
    assert {type(e).__name__ for e in errors} >= {"APIValidationError", "NotFoundError", "AmbiguousWriteError",
                                                 "ThresholdBudgetExceeded", "AuthenticationError"}
    assert len(errors) == 6
    assert any(r.name.startswith("py_autotask") and r.levelno == logging.DEBUG and "retry" in r.getMessage()
               for r in caplog.records)  # the retries were logged at DEBUG, so the logs were really looked at

    haystacks: list[str] = [*texts, caplog.text]
    for record in caplog.records:
        haystacks += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    for exc in errors:
        haystacks += list(exception_texts(exc))
    files = [p for p in disk.rglob("*") if p.is_file()]
    assert files  # the disk layer really wrote zone and metadata
    blobs = [p.read_bytes() for p in files] + [b"".join(kv) for kv in redis_server.dump().items()]
    assert len(blobs) > len(files)  # …and so did Redis
    assert any("secret audit" in h for h in haystacks)  # the ambiguous create's payload was looked at
    for secret in (creds["secret"], creds["integration_code"]):
        for form in forms(secret):
            assert not [h for h in haystacks if form in h], "credential in a log line, exception or repr"
            assert not [b for b in blobs if form.encode() in b], "credential in the cache"
    # Cache keys, file names and Redis keys are hashes: not even the user name is readable there.
    names = [str(p.relative_to(disk)) for p in disk.rglob("*")] + [k.decode() for k in redis_server.dump()]
    assert not [n for n in names if creds["username"] in n or quote(creds["username"], safe="") in n]


class ForeignHost(httpx.BaseTransport):
    """Hands requests to the sandbox under another Host header, as a hostile proxy or server would, so the
    sandbox builds its URLs (nextPageUrl, zoneInformation's url) for that host."""

    def __init__(self, sandbox: Sandbox, host: str) -> None:
        self.inner = sandbox.transport()
        self.host = host
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        request.headers["Host"] = self.host
        return self.inner.handle_request(request)


def test_a_next_page_url_on_another_host_is_refused(sandbox: Sandbox) -> None:
    transport = ForeignHost(sandbox, "attacker.example.net")
    with AutotaskClient(**sandbox.credentials, base_url=SANDBOX_BASE_URL, transport=transport, cache=False,
                        sleep=no_sleep) as client:
        pages = client.tickets.query().pages()
        first = next(pages)
        assert len(first.items) == 500 and "attacker.example.net" in first.next_page_url
        with pytest.raises(ConfigurationError, match="refusing to send credentials"):
            next(pages)
    assert transport.urls and all(url.startswith(SANDBOX_BASE_URL) for url in transport.urls)
    assert len(sandbox.control.request_log) == 1  # the second page was never requested


def test_plain_http_is_refused_for_remote_hosts(sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    for setting in ({"base_url": "http://webservices2.autotask.net/ATServicesRest/"},
                    {"zone_lookup_url": "http://webservices2.autotask.net/atservicesrest/v1.0/zoneInformation"}):
        with pytest.raises(ConfigurationError, match="plain HTTP"):
            AutotaskClient(**creds, **setting)
    # A zone lookup answered with a plain-HTTP API root on a remote host is refused before any use of it.
    transport = ForeignHost(sandbox, "webservices9.autotask.net")
    lookup = "http://127.0.0.1:9/ATServicesRest/V1.0/zoneInformation"
    with AutotaskClient(**creds, zone_lookup_url=lookup, transport=transport, cache=False) as client:
        with pytest.raises(ConfigurationError, match="plain HTTP"):
            client.tickets.count()
    assert transport.urls == [lookup + "?user=" + quote(creds["username"], safe="")]
    assert [e["endpoint"].lower() for e in sandbox.control.request_log] == ["zoneinformation"]
    assert listed_ids(sandbox, "Tickets")  # the sandbox itself is fine
