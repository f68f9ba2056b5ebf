"""The control plane refuses bad input (400, nothing changed), a failing request always releases its thread
slot, bodies above the documented size are refused, and over a socket the control API answers only for a
loopback Host header (a DNS-rebinding page cannot drive it)."""

from __future__ import annotations

import httpx
import pytest
from autotask_sandbox import RunningServer, Sandbox

from .._clock import SANDBOX_NOW

CONTROL = "https://sandbox.autotask.local/_sandbox/"
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}

BAD = [
    ("clock", {"advance": 1e308}),
    ("clock", {"advance": "soon"}),
    ("clock", {"advance": True}),
    ("clock", {"set": "not a date"}),
    ("clock", {"set": "0001-01-01T00:00:00Z"}),
    ("clock", {"freeze": "yes"}),
    ("clock", {"advance": 60, "bogus": 1}),
    ("clock", {"set": "2024-01-01T00:00:00Z", "advance": 1e308}),
    ("latency", {"latency_ms": -1}),
    ("latency", {"latency_ms": "x"}),
    ("latency", {"latency_ms": 1e12}),
    ("latency", {"latency_ms": 5, "jitter_ms": -5}),
    ("latency", {"latency": 5}),
    ("faults", {"rates": {"500": 2}}),
    ("faults", {"rates": {"boom": 0.1}}),
    ("faults", {"rates": {"500": True}}),
    ("faults", {"rates": {"500": 0.1}, "seed": "x"}),
    ("faults", {"rates": {"500": 0.1}, "slow_s": -1}),
    ("faults", {"rates": {"500": 0.1}, "slow_s": 1e308}),
    ("limits", {"thread_limit": 0}),
    ("limits", {"threshold": -5}),
    ("limits", {"threshold_window_s": 0}),
    ("limits", {"max_url_length": "long"}),
    ("limits", {"nope": 1}),
    ("limits", {"threshold": 5, "thread_limit": 0}),
    ("limits", {"threshold_latency": "on"}),
    ("reseed", {"seed": "x"}),
    ("reseed", {"tickets": -1}),
    ("delete", {"id": 1}),
]


def _state(client: httpx.Client) -> dict:
    return {name: client.get(CONTROL + name).json() for name in ("faults", "latency", "limits")}


@pytest.mark.parametrize(("endpoint", "body"), BAD, ids=[f"{e}-{i}" for i, (e, _) in enumerate(BAD)])
def test_bad_control_input_is_a_400_and_changes_nothing(
    sandbox: Sandbox, sandbox_client: httpx.Client, endpoint: str, body: dict
) -> None:
    before, clock_before = _state(sandbox_client), sandbox.clock.timestamp()
    seed_before = (sandbox.control.seed, sandbox.control.tickets)

    resp = sandbox_client.post(CONTROL + endpoint, json=body)

    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"] and all(isinstance(e, str) for e in resp.json()["errors"])
    assert _state(sandbox_client) == before
    assert abs(sandbox.clock.timestamp() - clock_before) < 60
    assert (sandbox.control.seed, sandbox.control.tickets) == seed_before
    ok = sandbox_client.post("V1.0/Tickets/query/count", json=ALL)
    assert ok.status_code == 200 and ok.json()["queryCount"] > 0


def test_the_python_control_api_refuses_the_same_values(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="clock"):
        sandbox.control.clock.advance(1e308)
    with pytest.raises(ValueError, match="latency"):
        sandbox.control.set_latency(float("nan"))
    with pytest.raises(ValueError, match="thread_limit"):
        sandbox.control.set_limits(threshold=5, thread_limit=0)
    assert sandbox.control.limits()["threshold"] == sandbox.config.threshold
    assert sandbox.clock.now().year == SANDBOX_NOW.year


def test_after_refused_input_requests_keep_answering_and_hold_no_slots(
    sandbox: Sandbox, sandbox_client: httpx.Client
) -> None:
    assert sandbox_client.post(CONTROL + "clock", json={"advance": 1e308}).status_code == 400
    for _ in range(2 * sandbox.config.thread_limit):
        assert sandbox_client.post("V1.0/Tickets/query/count", json=ALL).status_code == 200
    assert sandbox.control.stats()["in_flight"] == 0


def test_bodies_above_the_limits_are_refused() -> None:
    sb = Sandbox(tickets=20, now=SANDBOX_NOW, max_body_bytes=2000)
    with httpx.Client(transport=sb.transport(), base_url="https://sandbox.autotask.local/ATServicesRest/",
                      headers=sb.headers()) as client:
        big = {**ALL, "IncludeFields": ["x" * 3000]}
        resp = client.post("V1.0/Tickets/query", json=big)
        assert resp.status_code == 413
        assert "2000" in resp.json()["errors"][0]
        control = client.post(CONTROL + "latency", content=b'{"latency_ms": 1' + b" " * (1 << 20) + b"}")
        assert control.status_code == 413
        assert sb.control.set_latency(0) == {"latency_ms": 0.0, "jitter_ms": 0.0}
        with sb.serve() as server:
            over = httpx.post(f"{server.base_url}V1.0/Tickets/query", json=big, headers=sb.headers(),
                              trust_env=False)
            assert over.status_code == 413
            assert sb.control.stats()["in_flight"] == 0


def test_over_a_socket_the_control_api_answers_only_for_loopback_hosts(sandbox_server: RunningServer) -> None:
    url = f"{sandbox_server.origin}/_sandbox/stats"
    assert httpx.get(url, trust_env=False).status_code == 200
    assert httpx.get(url, headers={"Host": f"localhost:{sandbox_server.port}"}, trust_env=False).status_code == 200
    rebound = httpx.get(url, headers={"Host": "attacker.example"}, trust_env=False)
    assert rebound.status_code == 403
    assert "loopback" in rebound.json()["errors"][0]
    posted = httpx.post(f"{sandbox_server.origin}/_sandbox/reset", headers={"Host": "attacker.example:80"},
                        trust_env=False)
    assert posted.status_code == 403
