"""In-process ``httpx`` transports (sync and async) around the sans-I/O dispatcher.

Each waits the response's delay its own way (``time.sleep`` / ``anyio.sleep``) while holding the thread
slot, then answers like a socket would: a ``reset`` fault raises ``httpx.RemoteProtocolError`` as httpx
does for a dropped connection; a ``truncate`` fault yields half the body, then that error.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import anyio
import httpx

from ..wire.handlers import WireRequest, WireResponse
from .asgi import query_params

if TYPE_CHECKING:
    from ..wire.dispatch import Dispatcher

__all__ = ["AsyncSandboxTransport", "SandboxTransport", "wire_from_httpx"]

RESET_MESSAGE = "Server disconnected without sending a response."

def wire_from_httpx(request: httpx.Request, body: bytes) -> WireRequest:
    """Build a :class:`WireRequest` from an httpx request (in-process transports)."""
    url = request.url
    headers = {k.lower(): v for k, v in request.headers.items()}
    host = headers.get("host") or url.netloc.decode("ascii")
    raw_query = url.query.decode("ascii")
    url_length = len(url.scheme) + 3 + len(host) + len(url.raw_path)
    return WireRequest(
        request.method.upper(),
        url.path,
        query_params(raw_query),
        headers,
        body,
        url.scheme,
        host,
        raw_query,
        url_length,
    )



class _TruncatedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Half a body, then the error httpx raises when the peer closes before Content-Length is met."""

    def __init__(self, body: bytes, request: httpx.Request) -> None:
        self._part = body[: len(body) // 2]
        self._total = len(body)
        self._request = request

    def _error(self) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body "
            f"(received {len(self._part)} bytes, expected {self._total})",
            request=self._request,
        )

    def __iter__(self) -> Iterator[bytes]:
        yield self._part
        raise self._error()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._part
        raise self._error()


def _to_httpx(resp: WireResponse, request: httpx.Request) -> httpx.Response:
    if resp.fault == "reset":
        raise httpx.RemoteProtocolError(RESET_MESSAGE, request=request)
    stream = _TruncatedStream(resp.body, request) if resp.fault == "truncate" else httpx.ByteStream(resp.body)
    return httpx.Response(resp.status, headers=resp.header_list(), stream=stream, request=request)


class SandboxTransport(httpx.BaseTransport):
    """In-process sync transport: ``httpx.Client(transport=sb.transport(), base_url=...)``."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Dispatch, hold the thread slot through the delay, then answer (or fail) like a socket."""
        resp = self._dispatcher.dispatch(wire_from_httpx(request, request.read()))
        try:
            if resp.delay_s > 0:
                time.sleep(resp.delay_s)
        finally:
            resp.finish()
        return _to_httpx(resp, request)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """In-process async transport: ``httpx.AsyncClient(transport=sb.async_transport(), ...)``."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """As :meth:`SandboxTransport.handle_request`, waiting with ``anyio.sleep``."""
        resp = self._dispatcher.dispatch(wire_from_httpx(request, await request.aread()))
        try:
            if resp.delay_s > 0:
                await anyio.sleep(resp.delay_s)
        finally:
            resp.finish()
        return _to_httpx(resp, request)
