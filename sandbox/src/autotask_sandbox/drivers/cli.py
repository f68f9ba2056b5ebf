"""``autotask-sandbox serve [--host …] [--port …] …``: the sandbox as a server process until interrupted.

Once the server answers it prints ``export AUTOTASK_…=…`` lines (shell-quoted, so ``eval`` takes them)
and, with ``--env-file``, writes the same lines to a file (mode 0600, removed when the server stops) that
a script can wait for and ``source``. Exit status: 0 when stopped by Ctrl-C or SIGTERM, 2 for bad
arguments, a port in use or a refused non-loopback bind (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ..config import DATETIME_FORMS
from .server import is_loopback

if TYPE_CHECKING:
    from .server import RunningServer

__all__ = ["build_parser", "environment", "export_lines", "main", "read_environment", "serve_parser"]

PROG = "autotask-sandbox"
EPILOG = """\
Once the server answers, stdout carries `export AUTOTASK_…=…` lines for a shell (the full-access API
user) and comments naming the read-only user and the control API (/_sandbox/…).

exit status: 0 stopped by Ctrl-C or SIGTERM; 2 bad arguments, port in use, or a non-loopback --host
without --allow-remote.
"""


def environment(server: RunningServer) -> dict[str, str]:
    """The ``AUTOTASK_*`` variables that point a client at ``server`` as its full-access API user."""
    creds = server.credentials
    return {
        "AUTOTASK_BASE_URL": server.base_url,
        "AUTOTASK_ZONE_LOOKUP_URL": server.zone_lookup_url,
        "AUTOTASK_USERNAME": creds["username"],
        "AUTOTASK_SECRET": creds["secret"],
        "AUTOTASK_INTEGRATION_CODE": creds["integration_code"],
    }


def export_lines(variables: dict[str, str]) -> str:
    """``export NAME=value`` lines a POSIX shell can ``eval`` or ``source``."""
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())


def read_environment(lines: Iterable[str]) -> dict[str, str]:
    """The variables of `export_lines` read back from `serve`'s output (its stdout, line by line).

    Reading stops at the last variable `environment` names, so a caller reading a running server's pipe
    has them all as soon as they are printed; other lines (comments) are passed over. Fewer than all:
    the output ended first (the server exited).
    """
    found: dict[str, str] = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            found[name] = (shlex.split(value) or [""])[0]
            if name == _LAST_VARIABLE:
                break
    return found


_LAST_VARIABLE = "AUTOTASK_INTEGRATION_CODE"  # environment()'s last: serve has printed them all


def build_parser() -> argparse.ArgumentParser:
    """The command line (``py-autotask sandbox serve`` passes its arguments through to it)."""
    parser = argparse.ArgumentParser(prog=PROG, description="A local, faithful Autotask PSA REST API sandbox.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="serve the sandbox over HTTP until interrupted",
        description="Serve a seeded Autotask tenant over HTTP until Ctrl-C or SIGTERM.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; non-loopback needs --allow-remote)")
    add("--port", type=int, default=8765, help="TCP port; 0 picks a free one (default 8765)")
    add("--allow-remote", action="store_true", help="allow a non-loopback --host (the sandbox has no real security)")
    add("--seed", type=int, default=1, help="seed of the generated tenant: same seed, same data (default 1)")
    add("--tickets", type=int, default=2000, help="tickets in the tenant; other tables scale with it (default 2000)")
    add("--now", type=_parse_now, default=None,
        help="start of the sandbox clock, ISO 8601 (default: the real UTC now); the seeded data follows it")
    add("--latency-ms", type=float, default=0.0, help="fixed latency added to every API response (default 0)")
    add("--jitter-ms", type=float, default=0.0, help="random extra latency, uniform in [0, N] ms (default 0)")
    add("--faults", default="",
        help="fault rates, e.g. 500=0.05,429=0.02,reset=0.01,truncate=0.01,slow=0.01 (default none)")
    add("--threshold", type=int, default=10_000, help="requests per hour per database (default 10000)")
    add("--thread-limit", type=int, default=3, help="concurrent requests per integration code and endpoint (default 3)")
    add("--attachment-envelope", choices=("items_list", "items_object", "item"), default="items_list",
        help="body of GET /{Parent}/{id}/Attachments/{id} (the live shape is unsettled; default items_list)")
    add("--datetime-form", choices=DATETIME_FORMS, default="naive",
        help="response times without an offset as Autotask sends them (naive, default) or with a Z suffix (z)")
    add("--env-file", type=Path, default=None,
        help="also write the export lines to this file (mode 0600) once the server answers; removed on exit")
    return parser


def serve_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``serve`` subcommand's parser inside :func:`build_parser`'s."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices["serve"]
    raise LookupError("no serve subcommand")


def _parse_now(text: str) -> datetime:
    """An ISO 8601 instant for ``--now``; a naive one is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2


def _port_free(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, or None (checked before the tenant is built)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            return "address already in use" if exc.errno in (98, 48, 10048) else (exc.strerror or str(exc))
    return None


def _write_env_file(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (the file holds the API secret): a reader never sees half of it."""
    path = path.expanduser()
    fd, tmp = tempfile.mkstemp(prefix=".autotask-sandbox-", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``autotask-sandbox`` (and ``python -m autotask_sandbox``); returns the exit status."""
    from ..app import Sandbox, SandboxConfig
    from ..policy.faults import parse_fault_spec

    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        return _fail(
            f"refusing to bind non-loopback address {args.host!r} without --allow-remote "
            "(the sandbox has no real security)"
        )
    try:
        faults = parse_fault_spec(args.faults)
    except ValueError as exc:
        return _fail(f"--faults: {exc}")
    if args.env_file is not None and not args.env_file.expanduser().parent.is_dir():
        return _fail(f"--env-file: no such directory: {str(args.env_file.expanduser().parent)!r}")
    busy = _port_free(args.host, args.port) if args.port else None
    if busy:
        return _fail(f"cannot listen on {args.host}:{args.port}: {busy}")
    try:
        config = SandboxConfig(
            seed=args.seed,
            tickets=args.tickets,
            now=args.now,
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            faults=faults,
            threshold=args.threshold,
            thread_limit=args.thread_limit,
            attachment_envelope=args.attachment_envelope,
            datetime_form=args.datetime_form,
        )
        sandbox = Sandbox(config)
    except ValueError as exc:
        return _fail(str(exc))
    sandbox.build_all()  # a served tenant answers every first query at full speed
    stop = threading.Event()
    # Both signals just end the serve loop (no KeyboardInterrupt racing the shutdown).
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    env_file = args.env_file.expanduser() if args.env_file is not None else None
    wrote_env_file = False
    try:
        try:
            server = sandbox.serve(host=args.host, port=args.port, log_level="warning").start()
        except RuntimeError:
            return _fail(f"cannot listen on {args.host}:{args.port}")
        with server:
            # Only announce once the server really answers.
            with httpx.Client(trust_env=False, timeout=10) as probe:
                probe.get(f"{server.base_url}VersionInformation").raise_for_status()
            lines = export_lines(environment(server))
            if env_file is not None:
                _write_env_file(env_file, lines)
                wrote_env_file = True
            readonly = sandbox.readonly_credentials
            print(lines, end="")
            print(f"# read-only API user: {readonly['username']} / {readonly['secret']}")
            print(f"# control API: {server.origin}/_sandbox/stats   (Ctrl-C to stop)", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        if env_file is not None and wrote_env_file:
            env_file.unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
