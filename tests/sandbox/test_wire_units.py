"""Unit tests of the sandbox's wire-layer parts that need no tenant: routing, limits, faults, clock."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from autotask_sandbox.policy.clock import Clock, parse_when, to_wire
from autotask_sandbox.policy.faults import FaultInjector, Latency, parse_fault_spec
from autotask_sandbox.policy.limits import HourlyThreshold, ThreadLimiter
from autotask_sandbox.specdata import load_routes
from autotask_sandbox.wire.errors import ApiError
from autotask_sandbox.wire.handlers import Cursor, parse_json
from autotask_sandbox.wire.routing import (
    BadParameter,
    Match,
    MethodNotAllowed,
    NotFound,
    Router,
    dotnet_urlencode,
    endpoint_of,
    split_api_path,
)


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(load_routes())


def test_every_swagger_operation_is_routed(router: Router) -> None:
    for op in load_routes():
        concrete = "/".join("7" if s.startswith("{") else s for s in op["path"].split("/"))
        result = router.match(op["method"], concrete.lstrip("/").upper())
        assert isinstance(result, Match), op
        assert result.route.operation_id == op["operationId"]


def test_child_and_item_parameters_keep_their_template_names(router: Router) -> None:
    notes = router.match("GET", "v1.0/tickets/12/notes/34")
    assert isinstance(notes, Match) and notes.params == {"parentId": 12, "id": 34}
    assert notes.route.entity == "TicketNotes" and notes.route.parent_collection == "Tickets"
    ticket = router.match("GET", "V1.0/Tickets/12")
    assert isinstance(ticket, Match) and ticket.params == {"id": 12}
    literal = router.match("GET", "V1.0/Tickets/query")
    assert isinstance(literal, Match) and literal.route.action == "queryGet"


def test_405_404_and_400_classification(router: Router) -> None:
    assert router.match("PATCH", "V1.0/Tickets/12") == MethodNotAllowed("PATCH", ("GET",))
    assert isinstance(router.match("GET", "V1.0/Contacts"), MethodNotAllowed)  # bare collection GET
    assert isinstance(router.match("PATCH", "V1.0/Contacts"), NotFound)  # child-only writes
    assert isinstance(router.match("POST", "V1.0/Tasks"), NotFound)
    assert isinstance(router.match("GET", "V1.0/NoSuchThing/query"), NotFound)
    assert router.match("GET", "V1.0/Tickets/abc") == BadParameter("id", "abc")
    cursor = router.match("POST", "V1.0/Tickets/query/next")
    assert isinstance(cursor, Match) and cursor.route.action == "queryNext"


def test_prefix_and_endpoint_helpers() -> None:
    assert split_api_path("/atservicesrest/v1.0/Tickets") == "v1.0/Tickets"
    assert split_api_path("/ATServicesRest/VersionInformation") == "VersionInformation"
    assert split_api_path("/other/v1.0/Tickets") is None
    assert endpoint_of("V1.0/Tickets/12/Notes") == "tickets"


def test_dotnet_urlencode_matches_the_live_capture() -> None:
    # Both strings are copied from a real nextPageUrl (docs/autotask-facts.md#paging).
    assert dotnet_urlencode('{"pageSize":500,"previousIds":[-1],"nextIds":[725]}') == (
        "%7b%22pageSize%22%3a500%2c%22previousIds%22%3a%5b-1%5d%2c%22nextIds%22%3a%5b725%5d%7d"
    )
    assert dotnet_urlencode("{'filter':[{'op':'exist','field':'IsActive'}]}") == (
        "%7b%27filter%27%3a%5b%7b%27op%27%3a%27exist%27%2c%27field%27%3a%27IsActive%27%7d%5d%7d"
    )
    assert dotnet_urlencode("a b+é") == "a+b%2b%c3%a9"


def test_cursor_round_trip_and_lenient_json() -> None:
    from urllib.parse import unquote

    cursor = Cursor(100, -1, 725)
    assert Cursor.parse(unquote(cursor.encode())) == cursor
    assert parse_json("{'filter':[{'op':'eq','field':'Title','value':'it\\'s \"x\"'}]}", lenient=True) == {
        "filter": [{"op": "eq", "field": "Title", "value": 'it\'s "x"'}]
    }
    with pytest.raises(ApiError) as err:
        parse_json(b"{nope")
    assert err.value.status == 500 and err.value.errors


def test_hourly_threshold_window_latency_and_limit() -> None:
    clock = Clock(datetime(2024, 1, 1, tzinfo=timezone.utc), frozen=True)
    limit = HourlyThreshold(8, 3600, clock.timestamp, latency_scale=0.01)
    delays = [limit.hit() for _ in range(8)]
    assert [d.allowed for d in delays] == [True] * 8
    assert [d.delay_s for d in delays] == [0, 0, 0, 0.005, 0.005, 0.01, 0.01, 0.01]
    assert not limit.hit().allowed and limit.current() == 8
    clock.advance(1800)
    assert not limit.hit().allowed  # still inside the sliding hour
    clock.advance(1801)
    assert limit.hit().allowed and limit.current() == 1


def test_thread_limiter_is_per_key() -> None:
    threads = ThreadLimiter(2)
    key = ("code", "tickets")
    assert threads.acquire(key) and threads.acquire(key) and not threads.acquire(key)
    assert threads.acquire(("code", "companies"))
    threads.release(key)
    assert threads.acquire(key) and threads.in_flight() == 3
    assert "thread threshold of 2 threads has been exceeded" in threads.message()


def test_faults_are_deterministic_per_seed() -> None:
    rates = parse_fault_spec("500=0.2,429=0.1,reset=0.1,truncate=0.1,slow=0.1")
    one = FaultInjector(rates, seed=7)
    two = FaultInjector(rates, seed=7)
    draws = [one.draw() for _ in range(200)]
    assert draws == [two.draw() for _ in range(200)]
    assert {"500", "429", "reset", "truncate", "slow", None} == set(draws)
    with pytest.raises(ValueError):
        parse_fault_spec("boom=0.1")
    with pytest.raises(ValueError):
        parse_fault_spec("500=0.7,429=0.7")
    jitter = Latency(10, 5, seed=1)
    assert all(0.010 <= jitter.draw() <= 0.015 for _ in range(50))


def test_clock_controls() -> None:
    start = datetime(2024, 1, 31, 15, 4, 5, 307000, tzinfo=timezone.utc)
    clock = Clock(start, frozen=True)
    assert to_wire(clock.now()) == "2024-01-31T15:04:05.307"
    clock.advance(60)
    assert clock.now() == parse_when("2024-01-31T15:05:05.307Z")
    clock.set(datetime(2025, 1, 1))
    assert clock.now().year == 2025
    clock.freeze(False)
    barrier = threading.Event()
    barrier.wait(0.01)
    assert clock.now() > datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31T15:04:05.3Z", datetime(2024, 1, 31, 15, 4, 5, 300000, timezone.utc)),
        ("2024-01-31T15:04:05.30", datetime(2024, 1, 31, 15, 4, 5, 300000, timezone.utc)),
        ("2024-01-31T15:04:05.1234567Z", datetime(2024, 1, 31, 15, 4, 5, 123000, timezone.utc)),
        ("2024-01-31T15:04:05+0200", datetime(2024, 1, 31, 13, 4, 5, tzinfo=timezone.utc)),
        ("2024-01-31T15:04:05.307-05:30", datetime(2024, 1, 31, 20, 34, 5, 307000, timezone.utc)),
    ],
)
def test_parse_when_accepts_any_fraction_and_offset_on_every_python(text: str, expected: datetime) -> None:
    assert abs(parse_when(text) - expected).total_seconds() < 0.001


def test_request_repr_hides_the_secret() -> None:
    from autotask_sandbox.wire.handlers import WireRequest

    req = WireRequest("GET", "/x", {}, {"secret": "hunter2"}, b'{"secret": "hunter2"}', "http", "h")
    assert "hunter2" not in repr(req)
