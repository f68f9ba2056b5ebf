"""The incremental plan and the next watermark are pure functions of the last watermark and this run."""

from __future__ import annotations

from py_autotask.export.incremental import OVERLAP_MARGIN_S, Tracker, next_watermark, plan_entity
from py_autotask.export.state import EntityWatermark

MARK = EntityWatermark(field="lastActivityDate", since="2026-11-01T10:00:00.000Z", overlap_s=60.0,
                       recent={"7": 1_793_523_600_000, "8": 1_793_527_200_000}, max_id=8)  # 09:00, 10:00


def test_plan_follows_the_watermark_and_reaches_back_by_its_overlap() -> None:
    assert plan_entity("createDate", MARK, 5.0).mode == "snapshot"  # a creation stamp misses changes
    assert plan_entity("lastActivityDate", None, 5.0).mode == "full"
    assert plan_entity("lastModifiedDate", MARK, 5.0).mode == "full"  # the mark was kept on another field
    plan = plan_entity("lastActivityDate", MARK, 5.0)
    assert plan.mode == "incremental" and plan.started == 5.0
    assert plan.conditions == [{"op": "gte", "field": "lastActivityDate", "value": "2026-11-01T09:59:00.000Z"}]
    assert plan.skip == MARK.recent and plan.skip is not MARK.recent


def test_next_watermark_spans_a_resumed_run_from_its_first_part() -> None:
    plan = plan_entity("lastActivityDate", MARK, 100.0)
    tracker = Tracker("lastActivityDate", started_at=1_000.0)  # the interrupted first part began here
    tracker.add([{"id": 9, "lastActivityDate": "2026-11-01T11:00:00.000Z"}])
    mark = next_watermark("lastActivityDate", plan, tracker, 1, MARK, clock_now=130.0, wall_now=4_600.0)
    assert mark.since == "2026-11-01T11:00:00.000Z" and mark.max_id == 9 and mark.records == 1
    assert mark.overlap_s == 3_600.0 + OVERLAP_MARGIN_S  # the wall time since the first part, not 30 s
    assert mark.last_run == "1970-01-01T01:16:40Z"
    # The window reaches 65 min back from 11:00: id 8 (10:00) is still in it, id 7 (09:00) fell out.
    assert mark.recent == {"8": 1_793_527_200_000, "9": 1_793_530_800_000}
    quiet = next_watermark("lastActivityDate", plan, Tracker("lastActivityDate"), 0, MARK, clock_now=130.0,
                           wall_now=4_600.0)
    assert (quiet.since, quiet.recent, quiet.records) == (MARK.since, MARK.recent, 0)  # nothing changed
