"""A local, faithful Autotask PSA REST API server for tests, demos and offline development.

    from autotask_sandbox import Sandbox, SandboxConfig

    sb = Sandbox(SandboxConfig(seed=1, tickets=2000))
    client = httpx.Client(transport=sb.transport(), base_url="https://sandbox.local/ATServicesRest/",
                          headers=sb.headers())
    with sb.serve(port=0) as server:          # real loopback HTTP (uvicorn on a thread)
        server.base_url                       # "http://127.0.0.1:<port>/ATServicesRest/"

Built like a moto backend: the tenant state (``backend``, ``tenant``, ``seed``), a wire layer speaking
Autotask's JSON (``wire``), its policies (``policy``: limits, faults, clock), ``webhooks``, a control plane
under ``/_sandbox`` (``control``) and the I/O drivers (``drivers``: ASGI, httpx transports, uvicorn, the
CLI and the pytest plugin). ``app`` wires them together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Sandbox
    from .config import SandboxConfig
    from .drivers.server import RunningServer
    from .seed.build import ApiUser

__all__ = ["ApiUser", "RunningServer", "Sandbox", "SandboxConfig", "serve"]

# Resolved on first use (PEP 562): importing one sandbox module (``.backend.store``, ``.tenant.metadata``)
# does not build the whole server stack.
_LAZY = {"Sandbox": "app", "SandboxConfig": "config", "ApiUser": "seed.build", "RunningServer": "drivers.server"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def serve(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0, **overrides: Any
) -> RunningServer:
    """Build a sandbox and serve it on a background thread: ``with serve(tickets=500) as server: ...``."""
    from .app import Sandbox

    sandbox = Sandbox(config, **overrides)
    return sandbox.serve(host, port)
