"""Errors follow the README's exit-code table, each one line naming what is wrong (issue 15, items 3 and 9)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Run

BIG = "99999999999999999999"  # 2**66 and a bit: no Autotask id, and orjson cannot encode it


@pytest.mark.parametrize("args", [["query", "Tickets", f"id={BIG}"], ["count", "Tickets", f"id={BIG}"],
                                  ["export", "Tickets", "--filter", f"id={BIG}", "-o", "-"],
                                  ["query", "Tickets", f"id in (1, {BIG})"]])
def test_an_integer_beyond_64_bits_in_a_filter_is_a_usage_error(cli: Run, sandbox_server: Any,
                                                                args: list[str]) -> None:
    code, out, err = cli(*args)
    assert code == 2, err
    assert f"{BIG} is beyond the 64-bit integer range" in err
    assert "unexpected" not in err and "Traceback" not in err and out == ""
