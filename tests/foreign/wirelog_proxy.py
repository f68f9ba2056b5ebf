"""A transparent recording reverse proxy: every exchange a foreign client has with the sandbox, as JSONL.

Third-party clients cannot be instrumented without editing them, so each one talks to the sandbox
through this proxy. It forwards bytes unchanged (the Host header too, so the URLs the sandbox builds —
zoneInformation's ``url``, ``nextPageUrl`` — point back at the proxy and the whole session stays
recorded) and appends one JSON line per exchange *before* answering, so a driver that has its response
in hand can already read the record. Secrets are redacted in the log.

Run: ``python wirelog_proxy.py --upstream http://127.0.0.1:8765 --log wire.jsonl [--port 0]``;
it prints ``PROXY_PORT=<port>`` once it listens. Standard library only (it runs under any venv).
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
REDACTED_HEADERS = {"secret"}
BODY_HEAD, BODY_TAIL = 3000, 1500  # a long body keeps its head and its tail (where pageDetails is)


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    if len(text) <= BODY_HEAD + BODY_TAIL:
        return text
    return f"{text[:BODY_HEAD]}…({len(text) - BODY_HEAD - BODY_TAIL} chars)…{text[-BODY_TAIL:]}"


class _Recorder:
    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by the process exit
        self._seq = 0

    def write(self, record: dict) -> None:
        with self._lock:
            self._seq += 1
            record["seq"] = self._seq
            self._fh.write(json.dumps(record) + "\n")
            self._fh.flush()


def make_handler(upstream: str, recorder: _Recorder) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one upstream origin and one recorder."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            return  # the JSONL log is the record; keep stderr quiet

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _forward(self) -> None:
            body = self._read_body()
            headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
            if body and not any(k.lower() == "content-length" for k, _ in headers):
                headers.append(("Content-Length", str(len(body))))
            started = time.monotonic()
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body or None)
                resp = conn.getresponse()
                resp_body = resp.read()
                status, resp_headers = resp.status, resp.getheaders()
            except (OSError, http.client.HTTPException) as exc:
                # The sandbox dropped the connection (an injected reset, or a crash): drop ours too.
                recorder.write({"method": self.command, "path": self.path, "error": repr(exc),
                                "request_headers": _redact(headers), "request_body": _text(body)})
                self.close_connection = True
                return
            finally:
                conn.close()
            recorder.write({
                "method": self.command, "path": self.path,
                "request_headers": _redact(headers), "request_body": _text(body),
                "status": status, "response_headers": dict(resp_headers), "response_body": _text(resp_body),
                "ms": round((time.monotonic() - started) * 1000, 1),
            })
            self.send_response_only(status)
            for name, value in resp_headers:
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(resp_body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp_body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    return Handler


def _redact(headers: list[tuple[str, str]]) -> list[list[str]]:
    return [[k, "***" if k.lower() in REDACTED_HEADERS else v] for k, v in headers]


def main(argv: list[str] | None = None) -> int:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="sandbox origin, e.g. http://127.0.0.1:8765")
    parser.add_argument("--log", required=True, help="JSONL file to append exchanges to")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.upstream, _Recorder(args.log)))
    server.daemon_threads = True
    print(f"PROXY_PORT={server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
