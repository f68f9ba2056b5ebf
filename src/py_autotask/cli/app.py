"""The root `py-autotask` click group: global options, and subcommands imported only when they run.

Commands are listed in `COMMANDS` with their one-line help, so `py-autotask --help` imports none of
them (nor httpx, rich or pyarrow); a command whose module fails to import fails alone, with a clear
message, while every other command keeps working.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ._common import EXIT_CODE_HELP, AppContext, ExitCode, fail, quiet_library_notices, report_failure

__all__ = ["COMMANDS", "cli"]

# name -> (module, attribute, one-line help): a new command is one line here and one module.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "export": ("py_autotask.cli.export", "export", "Export entities to CSV, JSON, NDJSON, Excel or Parquet."),
    "query": ("py_autotask.cli.query", "query", "Print the records of one entity that match a filter."),
    "count": ("py_autotask.cli.count", "count", "Count the records of one entity that match a filter."),
    "inspect": ("py_autotask.cli.inspect", "inspect", "Show an entity's fields, picklists, UDFs and routes."),
    "entities": ("py_autotask.cli.entities", "entities", "List the API's entities and what each supports."),
    "test": ("py_autotask.cli.test_cmd", "test", "Check zone, version, authentication, threshold and access."),
    "sandbox": ("py_autotask.cli.sandbox_cmd", "sandbox", "Run the local Autotask sandbox server."),
    "bulk": ("py_autotask.cli.bulk", "bulk", "Create, update or delete records in bulk from a file."),
    "attachments": ("py_autotask.cli.attachments", "attachments", "Download or upload attachments and invoice PDFs."),
    "mcp": ("py_autotask.cli.mcp_cmd", "mcp", "Serve Autotask to AI agents over MCP (read-only by default)."),
    "webhooks": ("py_autotask.cli.webhooks", "webhooks", "Create, list or delete Autotask webhooks."),
    "listen": ("py_autotask.cli.webhooks", "listen", "Receive webhook callouts; write verified events as NDJSON."),
    "report": ("py_autotask.cli.report", "report", "MSP metrics (SLA, utilization, CSAT...) from the mirror or exports."),
    "sync": ("py_autotask.cli.sync", "sync", "Mirror entities into DuckDB, PostgreSQL or any dlt destination."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            return _unavailable(cmd_name, exc)
        command = getattr(module, attribute, None)
        if not isinstance(command, click.Command):
            # Tolerate a differently named attribute: any click command of that name in the module.
            command = next((v for v in vars(module).values()
                            if isinstance(v, click.Command) and v.name == cmd_name), None)
        if command is None:
            return _unavailable(cmd_name, f"{module_name} defines no click command {cmd_name!r}")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; any exception it raises becomes one line on stderr and the table's exit code."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit):
            raise  # usage errors (click prints them, exit 2) and explicit exits (--version)
        except (KeyboardInterrupt, Exception) as exc:  # KeyboardInterrupt: Ctrl-C, and SIGTERM (see main)
            app = ctx.find_object(AppContext)
            ctx.exit(report_failure(exc, app.verbose if app is not None else 0))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from the table, so listing commands imports none of them.
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry[2]) for name, entry in COMMANDS.items()])


def _version(ctx: click.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib import metadata

    try:
        version = metadata.version("py-autotask")
    except metadata.PackageNotFoundError:  # running from a source checkout (PYTHONPATH=src)
        version = "unknown (not installed)"
    click.echo(f"py-autotask {version}")
    ctx.exit(0)


def _unavailable(name: str, reason: object) -> click.Command:
    """A stand-in that explains why a command cannot run (e.g. its optional dependency is missing)."""

    @click.command(name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   add_help_option=False)
    def command() -> None:
        fail(f"the {name!r} command is not available: {reason}", ExitCode.ERROR)

    return command


@click.group(cls=LazyGroup, epilog=EXIT_CODE_HELP, context_settings={"help_option_names": ["-h", "--help"],
                                                                      "max_content_width": 110})
@click.option("--profile", metavar="NAME", envvar="AUTOTASK_PROFILE", help="Profile from the config file.")
@click.option("--config", type=click.Path(dir_okay=False), metavar="FILE",
              help="Profile file (default: the user config dir's py-autotask/config.toml; env AUTOTASK_CONFIG).")
@click.option("--username", metavar="USER", help="API user name (env AUTOTASK_USERNAME).")
@click.option("--secret", metavar="SECRET", help="API user secret (env AUTOTASK_SECRET; prefer the keyring).")
@click.option("--secret-from-keyring", is_flag=True,
              help="Read the secret from the system keyring (service 'py-autotask', the username).")
@click.option("--integration-code", metavar="CODE", help="API tracking identifier (env AUTOTASK_INTEGRATION_CODE).")
@click.option("--base-url", metavar="URL",
              help="API root, e.g. https://webservices15.autotask.net/ATServicesRest/ (default: zone discovery).")
@click.option("--impersonate", "impersonation_resource_id", type=int, metavar="RESOURCE_ID",
              help="Resource id to act as on writes.")
@click.option("--sandbox", is_flag=True,
              help="Run against an embedded sandbox on a free loopback port (no credentials needed).")
@click.option("--sandbox-tickets", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Tickets to seed the embedded sandbox with.")
@click.option("--sandbox-seed", type=int, default=1, show_default=True, help="Seed of the embedded sandbox.")
@click.option("--sandbox-now", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), envvar="AUTOTASK_SANDBOX_NOW",
              help="Start of the embedded sandbox's clock, UTC (default: now); its seeded data follows it.")
@click.option("-v", "--verbose", count=True, help="Show tracebacks and client debug logs (-vv).")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=lambda c, p, v: _version(c, v),
              help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, **options: Any) -> None:
    """Export, query and inspect Autotask PSA data; run a local sandbox.

    Credentials come from options, the AUTOTASK_* environment, or a profile (--profile); add --sandbox to
    try any command without an Autotask account.
    """
    app = AppContext(options=options, verbose=verbose)
    ctx.obj = app
    ctx.call_on_close(app.close)
    if not verbose:  # for this command only: the process may run more than one (tests, embedding)
        quiet_library_notices(True)
        ctx.call_on_close(lambda: quiet_library_notices(False))
    if verbose >= 2:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
