"""Project-wide fixtures: the anyio backend and ready-made sandboxes (in-process and over real HTTP).

The sandboxes are those of autotask-sandbox's pytest plugin (``autotask_sandbox``,
``autotask_sandbox_server``), configured here and named as this suite has always named them.

One small sandbox is built per test session (tickets=1200, so an unfiltered Tickets query needs three
pages of 500) and ``control.reset()`` before every test that asks for it, so each test sees the freshly
seeded tenant with default limits, no faults, no latency and an empty request log.

    def test_x(sandbox):            # autotask_sandbox.Sandbox
        client = httpx.Client(transport=sandbox.transport(), base_url=SANDBOX_BASE_URL,
                              headers=sandbox.headers())

    def test_y(sandbox_server):     # RunningServer: .base_url, .credentials, .sandbox
        httpx.get(sandbox_server.base_url + "V1.0/Version", headers=sandbox_server.sandbox.headers())
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from ._clock import SANDBOX_NOW, SHIFT_ENV, shift_clock

if TYPE_CHECKING:
    import httpx
    from autotask_sandbox import RunningServer, Sandbox, SandboxConfig

# Clients built by tests cache zones and metadata on disk by default: keep that out of the user's real
# cache directory (a test that needs a particular directory sets its own).
os.environ.setdefault("AUTOTASK_CACHE_DIR", tempfile.mkdtemp(prefix="py-autotask-test-cache-"))

# The origin in-process transports answer for (any host works; zoneInformation echoes it back).
SANDBOX_BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
SANDBOX_TICKETS = 1200
# The CLI's embedded sandbox (`--sandbox`, also in subprocesses) reads its clock from here.
os.environ.setdefault("AUTOTASK_SANDBOX_NOW", SANDBOX_NOW.strftime("%Y-%m-%dT%H:%M:%S"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-shift-days",
        type=int,
        default=0,
        help="run the whole session with the wall clock moved by this many days (time-machine, ticking)",
    )


def pytest_configure(config: pytest.Config) -> None:
    days = config.getoption("--clock-shift-days")
    if days:
        # time-machine patches this process's clock functions (time.time, datetime.now, …) for the whole
        # session; subprocesses keep the real clock unless they call `follow_session_clock()`.
        traveller = shift_clock(days)
        config.add_cleanup(traveller.stop)  # type: ignore[attr-defined]
        os.environ[SHIFT_ENV] = str(days)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption("--clock-shift-days")
    return f"wall clock shifted by {days:+d} days" if days else None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def autotask_sandbox_config() -> SandboxConfig:
    """The session sandbox of autotask-sandbox's pytest plugin, as this suite wants it."""
    from autotask_sandbox import SandboxConfig

    return SandboxConfig(seed=1, tickets=SANDBOX_TICKETS, now=SANDBOX_NOW)


@pytest.fixture(scope="session")
def sandbox_template(autotask_sandbox_session: Sandbox) -> Sandbox:
    """The session's one sandbox (the plugin's); prefer the per-test ``sandbox`` fixture, which resets it."""
    return autotask_sandbox_session


@pytest.fixture
def sandbox(autotask_sandbox: Sandbox) -> Sandbox:
    """A freshly reset in-process sandbox (credentials: ``sandbox.credentials`` / ``.headers()``)."""
    return autotask_sandbox


@pytest.fixture(scope="session")
def _sandbox_http(autotask_sandbox_http: RunningServer) -> RunningServer:
    return autotask_sandbox_http


@pytest.fixture
def sandbox_server(_sandbox_http: RunningServer, sandbox: Sandbox) -> RunningServer:
    """The same freshly reset sandbox served by uvicorn on loopback (``.base_url``, ``.credentials``)."""
    return _sandbox_http


@pytest.fixture
def sandbox_client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated in-process ``httpx.Client`` on the reset sandbox (base URL: the API root)."""
    import httpx

    with httpx.Client(
        transport=sandbox.transport(), base_url=SANDBOX_BASE_URL, headers=sandbox.headers(), timeout=30
    ) as client:
        yield client


@pytest.fixture(params=["in-process", "http"])
def wire_client(request: pytest.FixtureRequest, sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An *unauthenticated* ``httpx.Client`` on the reset sandbox: in-process, then over loopback HTTP.

    Its ``base_url`` is the API root (``…/ATServicesRest/``); add ``sandbox.headers()`` per request.
    """
    import httpx

    if request.param == "http":
        server = request.getfixturevalue("_sandbox_http")
        client = httpx.Client(base_url=server.base_url, timeout=30, trust_env=False)
    else:
        client = httpx.Client(transport=sandbox.transport(), base_url=SANDBOX_BASE_URL, timeout=30)
    with client:
        yield client
