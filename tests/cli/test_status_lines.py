"""Status lines (runs without a terminal): what they say, and that they fit the width whatever the numbers."""

from __future__ import annotations

import pytest

from py_autotask.cli._status_lines import StatusLines, status_interval


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _usage(percent: float, pacing: float = 0.0) -> dict[str, float]:
    return {"percent": percent, "pacing_interval_seconds": pacing}


def test_a_line_says_records_eta_threshold_pacing_and_rate() -> None:
    clock, written = _Clock(), []
    lines = StatusLines("export", interval=0, write=written.append, width=100, entities=3, clock=clock)
    # (no budget: no threshold part)
    with lines:
        lines.add("Tickets", 1000)
        lines.add("Companies", 200)
        clock.now += 10
        lines.advance("Tickets", 600)
        lines.finish("Companies", "ok")  # nothing written: its total becomes 0
        lines.report()
    assert written == ["export 0:10: 600/1,000 records (60%), eta 0:07, 60/s, 1/3 entities"]


def test_pacing_is_announced_once_with_the_wait_it_adds() -> None:
    clock, written = _Clock(), []
    usage = _usage(38.0)
    lines = StatusLines("export", interval=0, write=written.append, usage=lambda: usage, width=80, clock=clock)
    lines.add("Tickets", None)
    lines.report()
    usage = _usage(41.0, pacing=1.25)
    lines.report()
    lines.report()
    assert written[0] == "export 0:00: 0 records, threshold 38%, 0/s"
    assert written[1] == "export: pacing: 41% of the hourly threshold used, each request now waits +1.2s"
    assert written[2].endswith("threshold 41%, pacing +1.2s/req, 0/s") and written[3] == written[2]


def test_lines_fit_80_columns_with_large_numbers() -> None:
    clock, written = _Clock(), []
    lines = StatusLines("export", interval=0, write=written.append, usage=lambda: _usage(88.0, pacing=83.0),
                        width=80, entities=241, clock=clock)
    lines.add("TimeEntries", 123_456_789)
    clock.now += 3 * 3600 + 7
    lines.advance("TimeEntries", 98_765_432)
    lines.report()
    assert all(len(line) <= 80 for line in written), written
    # What gives way first: the entity count, then the rate; records, ETA and the threshold stay.
    assert written[-1] == "export 3:00:07: 98,765,432/123,456,789 records (80%), eta 45:02, threshold 88%"


@pytest.mark.parametrize(("value", "seconds"), [("", 10.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_interval_comes_from_the_environment(value: str, seconds: float) -> None:
    assert status_interval({"AUTOTASK_PROGRESS_INTERVAL": value}) == seconds


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_interval_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="AUTOTASK_PROGRESS_INTERVAL"):
        status_interval({"AUTOTASK_PROGRESS_INTERVAL": value})
