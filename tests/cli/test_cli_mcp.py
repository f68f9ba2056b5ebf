"""`py-autotask mcp --doctor`: credentials, zone, access and budget checked; the tools it would expose."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("mcp", reason="the optional 'mcp' package is not installed")


def test_doctor_reports_access_budget_and_tools(cli: Any) -> None:
    code, out, err = cli("mcp", "--doctor", "--allow-write", "TicketNotes")
    assert code == 0, err
    assert "authenticated yes" in out and "budget" in out and "Tickets: " in out
    assert "autotask_search" in out and "writes        TicketNotes" in out


def test_doctor_fails_with_the_credentials_exit_code(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOTASK_SECRET", "wrong-secret-value")
    code, out, err = cli("mcp", "--doctor")
    assert code == 3, (out, err)
    assert "wrong-secret-value" not in out + err


def test_unknown_allow_write_entity_is_a_usage_error(cli: Any) -> None:
    code, out, err = cli("mcp", "--doctor", "--allow-write", "Tickts")
    assert code == 2 and "Tickts" in err and "Tickets" in err
