"""The I/O drivers around the sans-I/O dispatcher: ASGI, in-process httpx transports, uvicorn, CLI.

All four share :meth:`Dispatcher.dispatch`; each only waits the response's delay its own way
(``anyio.sleep`` / ``time.sleep``), enacts its fault, sends it and releases its thread slot.

Faults on the wire: a ``reset`` closes the connection without a response (under uvicorn the socket is
aborted; in-process transports raise ``httpx.RemoteProtocolError`` as httpx does for a dropped
connection); a ``truncate`` sends the headers with the full Content-Length and only half the body.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import anyio
import httpx

from .handlers import WireRequest, WireResponse

if TYPE_CHECKING:
    from .app import Dispatcher, Sandbox

RESET_MESSAGE = "Server disconnected without sending a response."


def _query(raw: str) -> dict[str, str]:
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
        _query(raw_query),
        headers,
        body,
        scheme,
        host,
        raw_query,
        url_length,
    )


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
        _query(raw_query),
        headers,
        body,
        url.scheme,
        host,
        raw_query,
        url_length,
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
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
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
    cycle.disconnected = True  # tell uvicorn the exchange is over, so it neither logs nor answers 500


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
        self._thread = threading.Thread(target=self._server.run, name="py-autotask-sandbox", daemon=True)
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


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    """The ``serve`` command line (shared with ``py-autotask sandbox serve``)."""
    parser = argparse.ArgumentParser(
        prog="python -m py_autotask.sandbox", description="A local, faithful Autotask REST API sandbox."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the sandbox over HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (loopback unless --allow-remote)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--tickets", type=int, default=2000)
    serve.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        help="start of the sandbox clock, ISO 8601 (default: the real UTC now); the seeded data follows it",
    )
    serve.add_argument("--latency-ms", type=float, default=0.0)
    serve.add_argument("--jitter-ms", type=float, default=0.0)
    serve.add_argument(
        "--faults", default="", help="e.g. 500=0.05,429=0.02,reset=0.01,truncate=0.01,slow=0.01"
    )
    serve.add_argument("--threshold", type=int, default=10_000, help="requests per hour per database")
    serve.add_argument("--thread-limit", type=int, default=3, help="concurrent requests per endpoint")
    serve.add_argument("--allow-remote", action="store_true", help="allow binding a non-loopback address")
    serve.add_argument(
        "--attachment-envelope",
        choices=("items_list", "items_object", "item"),
        default="items_list",
        help="body of GET /{Parent}/{id}/Attachments/{id} (the live shape is unsettled; see child_reads.py)",
    )
    return parser


def _parse_now(text: str) -> datetime:
    """An ISO 8601 instant for ``--now``; a naive one is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m py_autotask.sandbox serve …``; returns the exit status."""
    from .app import Sandbox, SandboxConfig
    from .faults import parse_fault_spec

    args = build_parser().parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_remote:
        print(
            f"refusing to bind non-loopback address {args.host!r} without --allow-remote "
            "(the sandbox has no real security)",
            file=sys.stderr,
        )
        return 2
    try:
        faults = parse_fault_spec(args.faults)
    except ValueError as exc:
        print(f"--faults: {exc}", file=sys.stderr)
        return 2
    sandbox = Sandbox(
        SandboxConfig(
            seed=args.seed,
            tickets=args.tickets,
            now=args.now,
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            faults=faults,
            threshold=args.threshold,
            thread_limit=args.thread_limit,
            attachment_envelope=args.attachment_envelope,
        )
    )
    sandbox.build_all()  # a served tenant answers every first query at full speed
    stop = threading.Event()
    # Both signals just end the serve loop (no KeyboardInterrupt racing the shutdown).
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with sandbox.serve(host=args.host, port=args.port, log_level="info") as server:
            # Only announce once the server really answers.
            with httpx.Client(trust_env=False, timeout=10) as probe:
                probe.get(f"{server.base_url}VersionInformation").raise_for_status()
            creds, readonly = sandbox.credentials, sandbox.readonly_credentials
            print(f"AUTOTASK_BASE_URL={server.base_url}")
            print(f"AUTOTASK_ZONE_LOOKUP_URL={server.zone_lookup_url}")
            print(f"AUTOTASK_USERNAME={creds['username']}")
            print(f"AUTOTASK_SECRET={creds['secret']}")
            print(f"AUTOTASK_INTEGRATION_CODE={creds['integration_code']}")
            print(f"# read-only API user: {readonly['username']} / {readonly['secret']}")
            print(f"# control API: {server.origin}/_sandbox/stats   (Ctrl-C to stop)", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
