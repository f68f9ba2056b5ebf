"""`py-autotask sandbox serve`: the `autotask-sandbox serve` server of the autotask-sandbox distribution
(arguments pass through unchanged)."""

from __future__ import annotations

import click

from ._common import SANDBOX_INSTALL_HINT, ExitCode, fail

__all__ = ["sandbox"]


@click.group("sandbox")
def sandbox() -> None:
    """Run the local Autotask sandbox (a faithful fake of the REST API, for tests and demos)."""


@sandbox.command("serve", add_help_option=False,
                 context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def serve(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Serve the sandbox on loopback; `py-autotask sandbox serve --help` lists its options."""
    try:
        from autotask_sandbox.drivers.cli import main
    except ImportError:
        fail(f"the sandbox is not installed: {SANDBOX_INSTALL_HINT}", ExitCode.USAGE)

    ctx.exit(main(["serve", *args]) or 0)  # the server's own parser names the subcommand
