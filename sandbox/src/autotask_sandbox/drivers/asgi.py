"""The ASGI 3 application around the sans-I/O dispatcher (what uvicorn serves).

It waits the response's delay with ``anyio.sleep``, enacts its fault, sends it and releases its thread
slot. Faults on the wire: a ``reset`` aborts the socket without a response; a ``truncate`` sends the
headers with the full Content-Length and only half the body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import anyio

from ..wire.handlers import WireRequest

if TYPE_CHECKING:
    from ..wire.dispatch import Dispatcher

__all__ = ["AsgiApp", "query_params", "wire_from_scope"]


def query_params(raw: str) -> dict[str, str]:
    """A raw query string as ``{lower-cased name: value}`` (Autotask's parameter names are case-blind)."""
    return {k.lower(): v for k, v in parse_qsl(raw, keep_blank_values=True)} if raw else {}


def wire_from_scope(scope: dict[str, Any], body: bytes) -> WireRequest:
    """Build a :class:`WireRequest` from an ASGI HTTP scope."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    raw_query = scope.get("query_string", b"").decode("latin-1")
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    scheme = scope.get("scheme", "http")
    url_length = len(scheme) + 3 + len(host) + len(raw_path) + (1 + len(raw_query) if raw_query else 0)
    return WireRequest(
        scope["method"].upper(),
        scope["path"],
        query_params(raw_query),
        headers,
        body,
        scheme,
        host,
        raw_query,
        url_length,
        over_socket=True,
    )



class AsgiApp:
    """A plain ASGI 3 application serving the sandbox (what uvicorn runs)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks, size = [], 0
        # Read no more than one byte past the largest body the dispatcher accepts: it refuses the rest.
        cap = self._dispatcher.max_body_bytes + 1
        while size < cap:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                break
        resp = self._dispatcher.dispatch(wire_from_scope(scope, b"".join(chunks)))
        try:
            if resp.delay_s > 0:
                await anyio.sleep(resp.delay_s)
            if resp.fault == "reset":
                _drop_connection(send, abort=True)
                return
            await send({"type": "http.response.start", "status": resp.status, "headers": resp.header_list()})
            if resp.fault == "truncate":
                await send(
                    {
                        "type": "http.response.body",
                        "body": resp.body[: len(resp.body) // 2],
                        "more_body": True,
                    }
                )
                _drop_connection(send, abort=False)
                return
            await send({"type": "http.response.body", "body": resp.body})
        finally:
            resp.finish()


def _drop_connection(send: Any, *, abort: bool) -> None:
    """Close the client's socket mid-exchange (uvicorn exposes it through its ``send`` bound method)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        # Another ASGI server: an exception makes it drop the connection (or answer a bare 500).
        raise ConnectionAbortedError("sandbox fault: connection dropped")
    if abort:
        transport.abort()  # no FIN handshake, no bytes: what a crashed server looks like
    else:
        transport.close()  # flushes what was written (the partial body), then closes
    cycle.disconnected = True  # type: ignore[union-attr]  # (a cycle: it has a transport) tell uvicorn the exchange is over, so it neither logs nor answers 500
