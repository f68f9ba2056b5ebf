"""`py-autotask test`: can we reach Autotask, and what may this API user do? One clear report."""

from __future__ import annotations

from typing import Any

import click

from .._exceptions import AutotaskError, PermissionDeniedError
from ._common import (
    AppContext,
    CommandFailed,
    ExitCode,
    describe_error,
    exit_code_for,
    pass_app,
    stdout_console,
)

__all__ = ["COMMON_ENTITIES", "access_label", "test"]

# The entities most exports and integrations start from.
COMMON_ENTITIES = ("Companies", "Contacts", "Tickets", "TicketNotes", "TimeEntries", "Projects", "Tasks",
                   "Resources", "Contracts", "ConfigurationItems", "Opportunities", "Invoices")
_ACCESS = {0: "none", 1: "all", 2: "restricted", "None": "none", "All": "all", "Restricted": "restricted"}


@click.command("test")
@pass_app
def test(app: AppContext) -> None:
    """Check the connection: zone, API version, authentication, threshold usage, readable entities."""
    console = stdout_console()
    settings = app.settings()
    console.print(f"credentials   {settings.username} (from {settings.source or 'options'})", markup=False)
    client = app.client()
    try:
        zone = client.detect_zone()
        name = zone.name or "(not looked up: the base URL was given)"
        console.print(f"zone          {name}  {zone.url}", markup=False)
        version = client.request("GET", "Version")
        console.print(f"API version   V1.0, build {_version_text(version)}", markup=False)
        threshold = client.threshold_information()
    except AutotaskError as exc:
        console.print(f"FAILED        {describe_error(exc)}", markup=False)
        raise CommandFailed(exit_code=exit_code_for(exc)) from None  # reported on the line above
    console.print("authenticated yes", markup=False)
    used, limit = threshold.get("currentTimeframeRequestCount"), threshold.get("externalRequestThreshold")
    minutes = threshold.get("requestThresholdTimeframe")
    percent = f" ({100 * used / limit:.0f}%)" if used is not None and limit else ""
    console.print(f"threshold     {used} of {limit} requests per {minutes} min{percent}", markup=False)
    readable, problems = [], 0
    for name in COMMON_ENTITIES:
        try:
            info = client.entity(name).info()
        except PermissionDeniedError:
            readable.append((name, "none"))
            continue
        except AutotaskError as exc:
            readable.append((name, f"error: {describe_error(exc)}"))
            problems += 1
            continue
        readable.append((name, access_label(info.get("userAccessForQuery"))))
    import textwrap

    text = ", ".join(f"{n}: {a}" for n, a in readable)
    console.print(textwrap.fill(text, width=100, initial_indent="read access   ", subsequent_indent=" " * 14),
                  markup=False)
    if problems:
        raise CommandFailed(exit_code=ExitCode.PARTIAL)  # each problem is listed above


def access_label(value: Any) -> str:
    """`userAccessForQuery` of entityInformation as a word: none, all or restricted."""
    return _ACCESS.get(value, str(value))


def _version_text(version: Any) -> str:
    if not isinstance(version, dict):
        return str(version)
    parts = [str(version.get(k)) for k in ("majorVersion", "minorVersion", "build") if version.get(k) is not None]
    customer = version.get("customerType")
    return ".".join(parts) + (f" ({customer})" if customer else "")
