"""The control plane over HTTP: ``/_sandbox/<name>``, JSON in and out (the API is listed in :mod:`.plane`).

Every endpoint checks its whole body before it changes anything: an unknown field, a value of the wrong
type or out of range is a 400 ``{"errors": [...]}`` and the sandbox stays as it was. Bodies above
:data:`MAX_CONTROL_BODY` bytes are refused with 413 before they are parsed. Over a socket the plane
answers only for a loopback ``Host`` header (``localhost``, ``127.0.0.1``, ``[::1]``, with any port): a
web page whose own host name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and gets 403.
In-process transports are not reachable from any other machine, so they are not checked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from ..policy.checks import flag, integer, number
from ..policy.clock import check_time, parse_when, to_wire
from ..wire.errors import ApiError
from ..wire.handlers import WireRequest, WireResponse, json_response

if TYPE_CHECKING:
    from .plane import Control

__all__ = ["MAX_CONTROL_BODY", "is_loopback_host", "serve"]

MAX_CONTROL_BODY = 65_536
_FAULT_OPTIONS = frozenset({"seed", "slow_s"})
_LIMITS = frozenset(
    {"threshold", "threshold_window_s", "threshold_latency", "threshold_latency_scale", "thread_limit",
     "max_url_length"}
)


def is_loopback_host(host: str) -> bool:
    """Whether a Host header (``name[:port]``) names this machine's loopback interface."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _errors(status: int, *messages: str) -> WireResponse:
    return json_response({"errors": list(messages)}, status)


def _only(body: dict, endpoint: str, allowed: frozenset[str] | set[str]) -> dict:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown field {unknown[0]!r} for /_sandbox/{endpoint}; expected: {', '.join(sorted(allowed))}"
        )
    return body


def serve(control: Control, req: WireRequest) -> WireResponse:
    """Answer one ``/_sandbox/…`` request."""
    if req.over_socket and not is_loopback_host(req.host):
        return _errors(
            403, f"the control API answers only for a loopback Host (localhost, 127.0.0.1, [::1]), not {req.host!r}"
        )
    if len(req.body) > MAX_CONTROL_BODY:
        return _errors(413, f"control request bodies are limited to {MAX_CONTROL_BODY} bytes; got {len(req.body)}")
    name = req.path[len("/_sandbox") :].strip("/").lower()
    routes = _routes(control)
    handler = routes.get((req.method, name))
    if handler is None:
        known = sorted({n for _, n in routes})
        return _errors(404, f"unknown control endpoint {req.method} /_sandbox/{name}; known: {', '.join(known)}")
    try:
        body = orjson.loads(req.body) if req.body.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return json_response(handler(req, body))
    except ApiError as exc:
        return json_response({"errors": exc.errors or [str(exc)]}, 404 if exc.status == 404 else 400)
    except (ValueError, TypeError, KeyError) as exc:  # orjson.JSONDecodeError is a ValueError
        return _errors(400, str(exc))


def _done(action: Callable[[], None], key: str) -> dict[str, bool]:
    action()
    return {key: True}


def _limit(req: WireRequest) -> int | None:
    """``?limit=N`` (0 or absent: everything)."""
    raw = req.query.get("limit")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"limit must be a whole number, not {raw!r}") from None
    return integer(value, "limit", 0, 10**9)


def _routes(control: Control) -> dict[tuple[str, str], Callable[[WireRequest, dict], Any]]:
    sb = control.sandbox

    def clock(body: dict) -> dict:
        _only(body, "clock", {"set", "advance", "freeze"})
        # Check everything first: a refused body must not have moved the clock half-way.
        when = parse_when(body["set"]) if isinstance(body.get("set"), str) else None
        if "set" in body and when is None:
            raise ValueError(f"set must be an ISO 8601 date-time string, not {body['set']!r}")
        advance = number(body["advance"], "advance", -1e12, 1e12) if "advance" in body else 0.0
        freeze = flag(body["freeze"], "freeze") if "freeze" in body else None
        start = when.timestamp() if when is not None else control.clock.timestamp()
        check_time(start)
        check_time(start + advance)
        if when is not None:
            control.clock.set(when)
        if advance:
            control.clock.advance(advance)
        if freeze is not None:
            control.clock.freeze(freeze)
        return {"now": to_wire(control.clock.now()), "frozen": control.clock.frozen}

    def faults(body: dict) -> dict:
        if "rates" in body:
            _only(body, "faults", _FAULT_OPTIONS | {"rates"})
            rates = body["rates"]
            if not isinstance(rates, dict):
                raise ValueError(f"rates must be an object of fault kind -> rate, not {rates!r}")
        else:
            rates = {k: v for k, v in body.items() if k not in _FAULT_OPTIONS}
        return control.set_faults(rates, seed=body.get("seed"), slow_s=body.get("slow_s"))

    def latency(body: dict) -> dict:
        _only(body, "latency", {"latency_ms", "jitter_ms"})
        return control.set_latency(body.get("latency_ms", 0), body.get("jitter_ms", 0))

    def reseed(body: dict) -> dict:
        _only(body, "reseed", {"seed", "tickets"})
        control.reseed(body.get("seed"), body.get("tickets"))
        return {"seed": control.seed, "tickets": control.tickets, **control.credentials()}

    def delete(body: dict) -> dict:
        _only(body, "delete", {"entity", "id", "resourceID"})
        for key in ("entity", "id"):
            if key not in body:
                raise ValueError(f"/_sandbox/delete needs {key!r}: {{\"entity\": \"Tickets\", \"id\": 123}}")
        return control.delete(body["entity"], body["id"], resource_id=body.get("resourceID"))

    dispatcher = sb.dispatcher
    return {
        ("GET", "stats"): lambda r, b: control.stats(),
        ("POST", "reset"): lambda r, b: _done(control.reset, "reset"),
        ("POST", "reseed"): lambda r, b: reseed(b),
        ("GET", "faults"): lambda r, b: {
            "rates": dict(dispatcher.faults.rates),
            "seed": dispatcher.faults.seed,
            "slow_s": dispatcher.faults.slow_s,
        },
        ("POST", "faults"): lambda r, b: faults(b),
        ("GET", "latency"): lambda r, b: {
            "latency_ms": dispatcher.latency.latency_ms,
            "jitter_ms": dispatcher.latency.jitter_ms,
        },
        ("POST", "latency"): lambda r, b: latency(b),
        ("GET", "clock"): lambda r, b: clock({}),
        ("POST", "clock"): lambda r, b: clock(b),
        ("GET", "limits"): lambda r, b: control.limits(),
        ("POST", "limits"): lambda r, b: control.set_limits(**_only(b, "limits", _LIMITS)),
        ("GET", "requests"): lambda r, b: {"requests": sb.monitor.entries(_limit(r))},
        ("DELETE", "requests"): lambda r, b: _done(control.clear_log, "cleared"),
        ("GET", "credentials"): lambda r, b: control.credentials(),
        ("GET", "webhooks"): lambda r, b: {
            "deliveries": control.webhook_deliveries(_limit(r)),
            "stats": control.webhook_stats(),
        },
        ("POST", "delete"): lambda r, b: delete(b),
    }
