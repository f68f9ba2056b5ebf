"""`py-autotask sandbox serve`: the local Autotask sandbox server (arguments pass through unchanged)."""

from __future__ import annotations

import click

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
    from ..sandbox.server import main

    ctx.exit(main(["serve", *args]) or 0)  # the server's own parser names the subcommand
