"""A local, faithful Autotask PSA REST API server for tests, demos and offline development.

    from py_autotask.sandbox import Sandbox, SandboxConfig

    sb = Sandbox(SandboxConfig(seed=1, tickets=2000))
    client = httpx.Client(transport=sb.transport(), base_url="https://sandbox.local/ATServicesRest/",
                          headers=sb.headers())
    with sb.serve(port=0) as server:          # real loopback HTTP (uvicorn on a thread)
        server.base_url                       # "http://127.0.0.1:<port>/ATServicesRest/"

Built like moto: tenant state (``metadata``, ``seed``, ``store``, ``query_engine``), a wire layer speaking
Autotask's JSON (``app``, ``handlers``, ``routing``, ``auth``, ``limits``, ``faults``), I/O drivers
(``server``) and a control plane under ``/_sandbox`` (``control``). It imports nothing from the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Sandbox, SandboxConfig
    from .seed import ApiUser
    from .server import RunningServer

__all__ = ["ApiUser", "RunningServer", "Sandbox", "SandboxConfig", "serve"]

# Resolved on first use (PEP 562): importing one sandbox module (``.store``, ``.metadata``) does not
# build the whole server stack, and the tenant modules stay importable on their own.
_LAZY = {"Sandbox": "app", "SandboxConfig": "app", "ApiUser": "seed", "RunningServer": "server"}


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
