"""The pytest plugin (entry point ``pytest11``): an Autotask sandbox per test, in-process or on a port.

Installed with ``autotask-sandbox``; nothing to configure::

    def test_in_process(autotask_sandbox):          # a freshly reset Sandbox
        client = httpx.Client(transport=autotask_sandbox.transport(),
                              base_url="https://sandbox.local/ATServicesRest/",
                              headers=autotask_sandbox.headers())

    def test_over_http(autotask_sandbox_server):    # RunningServer: .base_url, .credentials
        ...

    def test_subprocess(autotask_sandbox_env):      # {"AUTOTASK_BASE_URL": …, "AUTOTASK_USERNAME": …}
        subprocess.run([...], env={**os.environ, **autotask_sandbox_env})

One sandbox is built per session and ``control.reset()`` before every test that asks for it (milliseconds:
writes are undone, counters, faults, latency and the clock go back to their start). Its clock is pinned by
default (``--autotask-sandbox-now``), so the seeded data is the same on any date. Change the tenant with
``--autotask-sandbox-seed`` / ``--autotask-sandbox-tickets``, or override the ``autotask_sandbox_config``
fixture in a ``conftest.py`` for any other :class:`~autotask_sandbox.SandboxConfig` field.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..config import SandboxConfig
    from .server import RunningServer

__all__ = [
    "DEFAULT_NOW",
    "autotask_sandbox",
    "autotask_sandbox_config",
    "autotask_sandbox_env",
    "autotask_sandbox_http",
    "autotask_sandbox_server",
    "autotask_sandbox_session",
]

# The pinned start of the sandbox clock: the seeded tenant (dates, counts) depends on the seed alone.
DEFAULT_NOW = "2025-06-02T09:00:00Z"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autotask-sandbox", "Autotask sandbox (autotask_sandbox fixtures)")
    group.addoption("--autotask-sandbox-seed", type=int, default=1, help="seed of the sandbox tenant (default 1)")
    group.addoption(
        "--autotask-sandbox-tickets", type=int, default=1000, help="tickets in the sandbox tenant (default 1000)"
    )
    group.addoption(
        "--autotask-sandbox-now",
        default=DEFAULT_NOW,
        help=f"start of the sandbox clock, ISO 8601, or 'real' for the wall clock (default {DEFAULT_NOW})",
    )


def _now(text: str) -> datetime | None:
    if text.lower() == "real":
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise pytest.UsageError(f"--autotask-sandbox-now: not an ISO 8601 date-time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def autotask_sandbox_config(pytestconfig: pytest.Config) -> SandboxConfig:
    """The session sandbox's configuration (override this fixture to change any field)."""
    from ..config import SandboxConfig

    return SandboxConfig(
        seed=pytestconfig.getoption("--autotask-sandbox-seed"),
        tickets=pytestconfig.getoption("--autotask-sandbox-tickets"),
        now=_now(pytestconfig.getoption("--autotask-sandbox-now")),
    )


@pytest.fixture(scope="session")
def autotask_sandbox_session(autotask_sandbox_config: SandboxConfig) -> Sandbox:
    """The session's one sandbox, not reset between tests (prefer ``autotask_sandbox``)."""
    from ..app import Sandbox

    return Sandbox(autotask_sandbox_config)


@pytest.fixture
def autotask_sandbox(autotask_sandbox_session: Sandbox) -> Sandbox:
    """A freshly reset in-process sandbox: ``.transport()``, ``.async_transport()``, ``.headers()``."""
    autotask_sandbox_session.control.reset()
    return autotask_sandbox_session


@pytest.fixture(scope="session")
def autotask_sandbox_http(autotask_sandbox_session: Sandbox) -> Iterator[RunningServer]:
    """The session sandbox served by uvicorn on a free loopback port, not reset between tests."""
    with autotask_sandbox_session.serve(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def autotask_sandbox_server(autotask_sandbox_http: RunningServer, autotask_sandbox: Sandbox) -> RunningServer:
    """The freshly reset sandbox on loopback HTTP: ``.base_url``, ``.zone_lookup_url``, ``.credentials``."""
    return autotask_sandbox_http


@pytest.fixture
def autotask_sandbox_env(autotask_sandbox_server: RunningServer) -> dict[str, str]:
    """The ``AUTOTASK_*`` variables a client reads, pointing at ``autotask_sandbox_server``."""
    from .cli import environment

    return environment(autotask_sandbox_server)
