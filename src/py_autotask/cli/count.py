"""`py-autotask count ENTITY [FILTER]`: how many records match (one request)."""

from __future__ import annotations

import click

from ._common import AppContext, pass_app

__all__ = ["count"]


@click.command("count", epilog='Example: py-autotask count Tickets "status!=5 and createDate>=2024-01-01"')
@click.argument("entity")
@click.argument("filter_text", metavar="[FILTER]", required=False)
@pass_app
def count(app: AppContext, entity: str, filter_text: str | None) -> None:
    """Print how many ENTITY records match FILTER (all records without one)."""
    from .._catalog import find_entity

    name = find_entity(entity)["name"]
    click.echo(app.client().entity(name).count(filter_text or None))
