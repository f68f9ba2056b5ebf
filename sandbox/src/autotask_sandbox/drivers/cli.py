"""``autotask-sandbox serve [--host …] [--port …] …``: the sandbox as a server process until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import httpx

from .server import is_loopback

if TYPE_CHECKING:
    from .server import RunningServer

__all__ = ["build_parser", "environment", "main"]


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


def build_parser() -> argparse.ArgumentParser:
    """The ``serve`` command line (shared with ``py-autotask sandbox serve``)."""
    parser = argparse.ArgumentParser(
        prog="autotask-sandbox", description="A local, faithful Autotask REST API sandbox."
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
        help="body of GET /{Parent}/{id}/Attachments/{id} (the live shape is unsettled; see the sandbox docs)",
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
    """Entry point of ``autotask-sandbox serve …`` (and ``python -m autotask_sandbox serve …``); returns the exit status."""
    from ..app import Sandbox, SandboxConfig
    from ..policy.faults import parse_fault_spec

    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
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
            readonly = sandbox.readonly_credentials
            for name, value in environment(server).items():
                print(f"{name}={value}")
            print(f"# read-only API user: {readonly['username']} / {readonly['secret']}")
            print(f"# control API: {server.origin}/_sandbox/stats   (Ctrl-C to stop)", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
