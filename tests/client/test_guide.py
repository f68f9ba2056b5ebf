"""Every `>>>` example of docs/guide.md runs against the bundled sandbox and prints what the guide says."""

from __future__ import annotations

import doctest
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def test_guide_examples_run() -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(GUIDE.read_text(encoding="utf-8"), {}, "guide.md", str(GUIDE), 0)
    assert len(test.examples) > 40
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)
