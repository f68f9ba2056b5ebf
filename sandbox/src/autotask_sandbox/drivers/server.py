"""uvicorn serving a sandbox's ASGI app on a background thread (``with sb.serve(port=0) as server:``)."""

from __future__ import annotations

import ipaddress
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import Sandbox
    from .asgi import AsgiApp

__all__ = ["RunningServer", "is_loopback"]


class RunningServer:
    """uvicorn serving a sandbox on a background thread (``with sb.serve(port=0) as server:``)."""

    def __init__(
        self, app: AsgiApp, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
    ) -> None:
        import uvicorn  # optional dependency (extra "sandbox"); only needed to serve over a socket

        self.host = host
        self._server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off", access_log=False)
        )
        self._thread: threading.Thread | None = None
        self.port = port
        self.sandbox: Sandbox | None = None  # the sandbox being served (set by ``Sandbox.serve``)

    def start(self, timeout: float = 10.0) -> RunningServer:
        """Start serving and wait until the socket is bound."""
        self._thread = threading.Thread(target=self._server.run, name="autotask-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox server did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @property
    def origin(self) -> str:
        """``http://<host>:<port>`` (a wildcard bind address is shown as loopback)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else ("[::1]" if self.host == "::" else self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root, as zoneInformation reports it: ``http://127.0.0.1:<port>/ATServicesRest/``."""
        return f"{self.origin}/ATServicesRest/"

    @property
    def zone_lookup_url(self) -> str:
        """Where a client discovers its zone: ``<base_url>V1.0/zoneInformation``."""
        return f"{self.base_url}V1.0/zoneInformation"

    @property
    def credentials(self) -> dict[str, str]:
        """The full API user's credentials of the sandbox being served."""
        assert self.sandbox is not None
        return self.sandbox.credentials

    @property
    def readonly_credentials(self) -> dict[str, str]:
        """The read-only API user's credentials of the sandbox being served."""
        assert self.sandbox is not None
        return self.sandbox.readonly_credentials

    def __enter__(self) -> RunningServer:
        return self.start() if self._thread is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
