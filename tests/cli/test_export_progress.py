"""Progress bars (real totals, drawn only on a terminal) and the final summary."""

from __future__ import annotations

import io

from rich.console import Console

from py_autotask.cli._export_progress import RichExportProgress, render_summary
from py_autotask.export.progress import EntitySummary, RunSummary


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bars_show_totals_rate_and_finish_on_a_terminal() -> None:
    out = io.StringIO()
    clock = _Clock()
    console = Console(file=out, force_terminal=True, width=140, color_system=None)
    with RichExportProgress(console, get_time=clock) as progress:
        assert progress.active
        progress.add("Tickets", 1000)
        for _ in range(4):
            clock.now += 1.0
            progress.advance("Tickets", 100)
        progress.finish("Tickets", "ok")
    text = out.getvalue()
    assert "Tickets" in text and "0/1000" in text  # the real total, from count
    assert "100 rec/s" in text
    assert "400/400" in text.split("\r")[-1]  # finished: the total becomes what was written


def test_bars_are_off_when_stderr_is_not_a_terminal() -> None:
    out = io.StringIO()
    with RichExportProgress(Console(file=out, force_terminal=False)) as progress:
        assert not progress.active
        progress.add("Tickets", 10)
        progress.advance("Tickets", 10)
        progress.finish("Tickets", "ok")
    assert out.getvalue() == ""


def test_summary_names_records_files_requests_threshold_and_time() -> None:
    out = io.StringIO()
    summary = RunSummary(
        [EntitySummary("Tickets", "ok", 1234, ["out/Tickets.csv"], deletions=2, seconds=3.5, mode="incremental"),
         EntitySummary("Companies", "failed", 10, [], seconds=1.0, error="boom")],
        seconds=4.0, requests=17,
        threshold={"currentTimeframeRequestCount": 2500, "externalRequestThreshold": 10000,
                   "requestThresholdTimeframe": 60})
    render_summary(summary, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    for part in ("Tickets", "ok (incremental)", "1,234", "Tickets.csv", "files in out/", "failed", "boom",
                 "1,244 records in 4.0s",
                 "17 requests", "2,500 of 10,000 requests per 60 min used (25%)"):
        assert part in text, part


def test_bars_on_a_terminal_say_once_when_pacing_starts() -> None:
    from py_autotask.cli._status_lines import StatusLines

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    usage = {"percent": 12.0, "pacing_interval_seconds": 0.0}
    pacing = StatusLines("export", interval=0, usage=lambda: usage, pacing_only=True,
                         write=lambda line: console.print(line, markup=False, highlight=False))
    with RichExportProgress(console, enabled=True, pacing=pacing) as progress:
        progress.add("Tickets", 1000)
        pacing.report()  # what its thread does every PACING_CHECK_SECONDS
        usage = {"percent": 43.0, "pacing_interval_seconds": 2.5}
        pacing.report()
        pacing.report()
    text = out.getvalue()
    assert text.count("export: pacing: 43% of the hourly threshold used, each request now waits +2.5s") == 1
    assert "records" not in text  # the bars say the rest
