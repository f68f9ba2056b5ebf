"""`py-autotask mcp`: the Autotask MCP server for AI agents — stdio by default, HTTP with `--http PORT`.

Credentials come from the usual places (options, `AUTOTASK_*`, a profile, the keyring) and stay in this
process: the model sees tool results only. Read-only unless `--allow-write Tickets,TicketNotes,…`.
`--doctor` checks what the server would need and prints what it would expose, then exits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._exceptions import AutotaskError, PermissionDeniedError
from ._common import AppContext, ExitCode, describe_error, exit_code_for, fail, pass_app, stdout_console

if TYPE_CHECKING:
    from ..mcp import AutotaskTools

__all__ = ["mcp"]

DEFAULT_MIRROR = "autotask_mirror.duckdb"  # what `py-autotask sync` and `report` use by default
_DOCTOR_ENTITIES = ("Tickets", "TicketNotes", "Companies", "Contacts", "Resources", "TimeEntries", "Projects")

_EPILOG = """\b
Examples:
  py-autotask --profile acme mcp                          # stdio, for Claude Desktop, Cursor, VS Code…
  py-autotask mcp --http 8808                             # streamable HTTP on 127.0.0.1:8808/mcp
  py-autotask mcp --allow-write Tickets,TicketNotes       # these two may be created/updated
  py-autotask mcp --doctor                                # check credentials, zone, access, budget
"""


@click.command("mcp", epilog=_EPILOG)
@click.option("--http", "http_port", type=click.IntRange(0, 65535), metavar="PORT",
              help="Serve streamable HTTP on this port instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for --http (keep it on loopback).")
@click.option("--allow-write", metavar="ENTITY,…", default="",
              help="Entities the model may create, update or delete (default: none, read-only).")
@click.option("--report-source", metavar="FILE|DIR",
              help="The mirror (py-autotask sync) or Parquet export directory the autotask_report tool reads "
                   "(default: ./autotask_mirror.duckdb when it exists; without one there is no report tool).")
@click.option("--doctor", is_flag=True, help="Check credentials, zone, permissions and budget; print the tools.")
@pass_app
def mcp(app: AppContext, http_port: int | None, host: str, allow_write: str, report_source: str | None,
        doctor: bool) -> None:
    """Serve Autotask to AI agents over the Model Context Protocol (read-only by default)."""
    try:
        from ..mcp import AutotaskTools, build_server
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        fail(f"the MCP server needs the 'mcp' extra: pip install 'py-autotask[mcp]' ({exc})", ExitCode.ERROR)
    names = [n.strip() for n in allow_write.split(",") if n.strip()]
    if report_source is None and Path(DEFAULT_MIRROR).exists():
        report_source = DEFAULT_MIRROR
    elif report_source is not None and not Path(report_source).exists():
        fail(f"--report-source: no mirror file or Parquet directory at {report_source}", ExitCode.USAGE)
    try:
        tools = AutotaskTools(app.client(), allow_write=names, report_source=report_source)
    except AutotaskError as exc:
        fail(f"--allow-write: {exc}", ExitCode.USAGE)
    if doctor:
        _doctor(app, tools)
        return
    server = build_server(tools)
    if http_port is None:
        server.run("stdio")
    else:
        click.echo(f"MCP server on http://{host}:{http_port}/mcp (Ctrl-C to stop)", err=True)
        server.run("streamable-http", host=host, port=http_port)


def _doctor(app: AppContext, tools: AutotaskTools) -> None:
    from ..mcp import tool_names
    from .test_cmd import access_label

    console = stdout_console()
    client = app.client()
    settings = app.settings()
    console.print(f"credentials   {settings.username} (from {settings.source or 'options'})", markup=False)
    try:
        zone = client.detect_zone()
        console.print(f"zone          {zone.name or '(base URL given)'}  {zone.url}", markup=False)
        client.request("GET", "Version")
        threshold = client.threshold_information()
    except AutotaskError as exc:
        console.print(f"FAILED        {describe_error(exc)}", markup=False)
        fail(describe_error(exc), exit_code_for(exc))
    console.print("authenticated yes", markup=False)
    used, limit = threshold.get("currentTimeframeRequestCount"), threshold.get("externalRequestThreshold")
    console.print(f"budget        {used} of {limit} requests used this hour", markup=False)
    problems = 0
    for name in _DOCTOR_ENTITIES:
        try:
            access = access_label(client.entity(name).info().get("userAccessForQuery"))
        except PermissionDeniedError:
            access = "none"
        except AutotaskError as exc:
            access, problems = f"error: {describe_error(exc)}", problems + 1
        console.print(f"read access   {name}: {access}", markup=False)
    allowed = tools.allow_write
    console.print(f"tools         {', '.join(tool_names(reports=tools.report_source is not None))}", markup=False)
    console.print(f"reports       {tools.report_source or 'none (no --report-source, no ./' + DEFAULT_MIRROR + ')'}",
                  markup=False)
    console.print(f"writes        {', '.join(allowed) if allowed else 'none (read-only)'}", markup=False)
    if problems:
        fail(f"{problems} entity check(s) failed", ExitCode.PARTIAL)
