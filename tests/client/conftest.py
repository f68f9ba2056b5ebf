"""One harness so every client test runs against both clients (sync and async) and both wires.

`api` is parametrized over {sync, async} x {in-process, loopback HTTP}; `api_local` over {sync, async}
in-process only (for the many tests whose wire does not matter). A test writes each call once:

    assert api(lambda c: c.tickets.count()) == 1200           # returns a value, or awaits a coroutine
    rows = api.list(lambda c: c.tickets.query(limit=5))       # list() / await .to_list()
    pages = api.pages(lambda c: c.tickets.query())            # every Page

The async client runs on an anyio blocking portal (its own event loop thread), so test bodies stay
synchronous while the code under test is really async. Sleeps are recorded, never slept.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from py_autotask import AsyncAutotaskClient, AutotaskClient, Page
from py_autotask.cache import LayeredCache

SANDBOX_BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


async def _await(awaitable: Any) -> Any:
    return await awaitable


@dataclass
class Api:
    """A client plus the glue to call it the same way whether it is sync or async."""

    client: Any
    portal: BlockingPortal | None
    sandbox: Any
    wire: str
    sleeps: list[float] = field(default_factory=list)

    @property
    def is_async(self) -> bool:
        return self.portal is not None

    def __call__(self, fn: Callable[[Any], Any]) -> Any:
        """Run `fn(client)`; a coroutine is awaited on the portal."""
        result = fn(self.client)
        if inspect.isawaitable(result):
            assert self.portal is not None
            return self.portal.call(_await, result)
        return result

    def list(self, fn: Callable[[Any], Any]) -> list[Any]:
        """Every record of a paginator."""
        paginator = fn(self.client)
        if self.portal is not None:
            return self.portal.call(paginator.to_list)
        return paginator.to_list()

    def pages(self, fn: Callable[[Any], Any]) -> list[Page]:
        """Every page of a paginator."""
        paginator = fn(self.client)
        if self.portal is not None:
            async def collect() -> list[Page]:
                return [page async for page in paginator.pages()]

            return self.portal.call(collect)
        return list(paginator.pages())

    def first_page(self, fn: Callable[[Any], Any]) -> Page:
        """`await paginator` / `paginator.first_page()`."""
        paginator = fn(self.client)
        if self.portal is not None:
            return self.portal.call(_await, paginator)
        return paginator.first_page()

    def make(self, **overrides: Any) -> Api:
        """Another client of the same flavour and wire, with other constructor arguments."""
        return _make(self.sandbox, self.wire, self.portal, self._server_url(), **overrides)

    def _server_url(self) -> str | None:
        return self.client.base_url if self.wire == "http" else None

    def close(self) -> None:
        if self.portal is not None:
            self.portal.call(self.client.aclose)
        else:
            self.client.close()


def _make(sandbox: Any, wire: str, portal: BlockingPortal | None, server_url: str | None, **overrides: Any) -> Api:
    sleeps: list[float] = []
    settings: dict[str, Any] = {**sandbox.credentials, "cache": LayeredCache()}
    if wire == "http":
        settings["base_url"] = server_url
    else:
        settings["base_url"] = SANDBOX_BASE_URL
        settings["transport"] = sandbox.async_transport() if portal is not None else sandbox.transport()
    settings.update(overrides)
    if portal is not None:
        async def record_async(seconds: float) -> None:
            sleeps.append(seconds)

        settings.setdefault("sleep", record_async)
        client = portal.call(lambda: _construct(AsyncAutotaskClient, settings))
    else:
        settings.setdefault("sleep", sleeps.append)
        client = AutotaskClient(**settings)
    return Api(client, portal, sandbox, wire, sleeps)


async def _construct(cls: type, settings: dict[str, Any]) -> Any:
    # Built inside the portal's event loop, where its connection pool will be used.
    return cls(**settings)


@pytest.fixture(scope="session")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal(backend="asyncio") as p:
        yield p


def _api(request: pytest.FixtureRequest, sandbox: Any, flavour: str, wire: str) -> Iterator[Api]:
    portal = request.getfixturevalue("portal") if flavour == "async" else None
    server_url = request.getfixturevalue("sandbox_server").base_url if wire == "http" else None
    api = _make(sandbox, wire, portal, server_url)
    try:
        yield api
    finally:
        api.close()


@pytest.fixture(params=["sync-inprocess", "async-inprocess", "sync-http", "async-http"])
def api(request: pytest.FixtureRequest, sandbox: Any) -> Iterator[Api]:
    """A client on the freshly reset sandbox: each flavour (sync/async) over each wire."""
    flavour, wire = request.param.split("-")
    yield from _api(request, sandbox, flavour, wire)


@pytest.fixture(params=["sync", "async"])
def api_local(request: pytest.FixtureRequest, sandbox: Any) -> Iterator[Api]:
    """A client on the freshly reset in-process sandbox, sync and async."""
    yield from _api(request, sandbox, request.param, "inprocess")


@pytest.fixture(params=["sync", "async"])
def api_http(request: pytest.FixtureRequest, sandbox: Any) -> Iterator[Api]:
    """A client on the freshly reset sandbox over real loopback HTTP, sync and async."""
    yield from _api(request, sandbox, request.param, "http")
