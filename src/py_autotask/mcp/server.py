"""The MCP server: `AutotaskTools` registered on the official SDK's `MCPServer`, over stdio or HTTP.

Few tools, each described for a model: find entities, describe one, search (with a cursor), count,
get (by id or ticket number), translate labels, and — registered always so a client can see them, but
refused at dispatch unless the operator named the entity with `--allow-write` — create, update, delete.
Refusals and Autotask's own errors come back as tool errors with the reason; credentials never reach a
result (they live in the client, whose repr and errors omit the secret).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import Field

from .._exceptions import AutotaskError
from .shaping import UNTRUSTED_NOTICE
from .tools import DEFAULT_LIMIT, MAX_LIMIT, AutotaskTools, ToolRefused

__all__ = ["INSTRUCTIONS", "build_server", "tool_names"]

INSTRUCTIONS = f"""Autotask PSA data of one tenant, read through py-autotask.
Start with autotask_entities or autotask_describe to learn names, fields and picklists; filters use
py-autotask's grammar: `status=Complete and priority in (1,2)`, `title~printer`, `createDate>=2024-01-01`
(picklist labels allowed). autotask_search returns at most {MAX_LIMIT} records a call and a next_cursor
to continue; autotask_count gives exact totals. Writes are refused unless the operator allowed the entity.
{UNTRUSTED_NOTICE}"""

T = TypeVar("T")

Entity = Annotated[str, Field(description="Entity name, e.g. Tickets, Companies, TimeEntries (any case)")]
Filter = Annotated[str | None, Field(description="Filter, e.g. `status=Complete and title~printer`; empty: all")]


def build_server(tools: AutotaskTools) -> Any:
    """An `MCPServer` exposing `tools` (imports the `mcp` SDK: install `py-autotask[mcp]`)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp_types import ToolAnnotations

    def guarded(call: Callable[[], T]) -> T:
        try:
            return call()
        except ToolRefused as exc:
            raise ToolError(str(exc)) from None
        except AutotaskError as exc:  # Autotask's own message; never a secret (see _exceptions.py)
            raise ToolError(f"Autotask refused: {exc}") from None

    # WARNING: at the SDK's default (INFO) every HTTP request of ours would be logged to stderr.
    server = MCPServer(name="py-autotask", instructions=INSTRUCTIONS, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=True)
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)

    @server.tool(annotations=read_only)
    def autotask_entities(
        can: Annotated[str | None, Field(description="Only entities supporting: query, get, create, update, "
                                                     "delete")] = None,
    ) -> dict[str, Any]:
        """List Autotask entities with what each supports and which this server may write."""
        return guarded(lambda: tools.entities(can))

    @server.tool(annotations=read_only)
    def autotask_describe(entity: Entity) -> dict[str, Any]:
        """Fields of an entity: type, required, read-only, picklist values and labels, references, UDFs."""
        return guarded(lambda: tools.describe(entity))

    @server.tool(annotations=read_only)
    def autotask_search(
        entity: Entity,
        filter: Filter = None,
        fields: Annotated[list[str] | None, Field(description="Fields to return (default: all)")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Records in this call")] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Field(description="next_cursor of an earlier call, to continue it")] = None,
    ) -> dict[str, Any]:
        """Search records in id order; ids come with picklist labels and the names of referenced records.

        The first call reports `total`; pass `next_cursor` back to read on (same entity, filter and fields).
        """
        return guarded(lambda: tools.search(entity, filter, fields, limit, cursor))

    @server.tool(annotations=read_only)
    def autotask_count(entity: Entity, filter: Filter = None) -> dict[str, Any]:
        """Count the records that match a filter (exact, one request)."""
        return guarded(lambda: tools.count(entity, filter))

    @server.tool(annotations=read_only)
    def autotask_get(entity: Entity, id: Annotated[int, Field(description="Record id")]) -> dict[str, Any]:
        """One record by its id."""
        return guarded(lambda: tools.get(entity, id))

    @server.tool(annotations=read_only)
    def autotask_get_ticket(
        ticket_number: Annotated[str, Field(description="Ticket number, e.g. T20240615.0042")],
    ) -> dict[str, Any]:
        """One ticket by its ticket number, whatever its status (completed tickets included)."""
        return guarded(lambda: tools.get_ticket(ticket_number))

    @server.tool(annotations=read_only)
    def autotask_labels(
        entity: Entity,
        field: Annotated[str, Field(description="A picklist field, e.g. status, priority, queueID")],
        value: Annotated[str | None, Field(description="A value to translate to its label")] = None,
        label: Annotated[str | None, Field(description="A label to translate to its value")] = None,
    ) -> dict[str, Any]:
        """Translate picklist values and labels of this tenant (with neither: list them all)."""
        return guarded(lambda: tools.labels(entity, field, value, label))

    if tools.report_source is not None:

        @server.tool(annotations=read_only)
        def autotask_report(
            name: Annotated[str, Field(description="volume, backlog, response, resolution, sla, first-touch, "
                                                   "utilization, csat, projects, profitability, ar-aging")],
            by: Annotated[str | None, Field(description="Grouping, e.g. month, week, priority, queue, "
                                                        "resource, company (default: the report's own)")] = None,
            since: Annotated[str | None, Field(description="First day, YYYY-MM-DD")] = None,
            until: Annotated[str | None, Field(description="Last day, YYYY-MM-DD")] = None,
        ) -> dict[str, Any]:
            """An MSP metric (SLA, response times, utilization, CSAT, profitability…) from the local mirror.

            Computed from the synced copy, not the live API: it costs no requests. Formulas: docs/metrics.md.
            """
            return guarded(lambda: tools.report(name, by, since, until))

    allowed = ", ".join(tools.allow_write) or "none (read-only server)"

    @server.tool(annotations=writes, description=f"Create a record. Writable entities: {allowed}.")
    def autotask_create(
        entity: Entity,
        fields: Annotated[dict[str, Any], Field(description="Field values (labels allowed for picklists)")],
        parent_id: Annotated[int | None, Field(description="Parent id for entities created under one")] = None,
    ) -> dict[str, Any]:
        return guarded(lambda: tools.create(entity, fields, parent_id))

    @server.tool(annotations=writes, description=f"Change fields of a record. Writable entities: {allowed}.")
    def autotask_update(
        entity: Entity,
        id: Annotated[int, Field(description="Record id")],
        fields: Annotated[dict[str, Any], Field(description="Only the fields to change")],
        parent_id: Annotated[int | None, Field(description="Parent id for entities updated under one")] = None,
    ) -> dict[str, Any]:
        return guarded(lambda: tools.update(entity, id, fields, parent_id))

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=True),
                 description=f"Delete a record where Autotask allows it. Writable entities: {allowed}.")
    def autotask_delete(
        entity: Entity,
        id: Annotated[int, Field(description="Record id")],
        parent_id: Annotated[int | None, Field(description="Parent id for entities deleted under one")] = None,
    ) -> dict[str, Any]:
        return guarded(lambda: tools.delete(entity, id, parent_id))

    return server


def tool_names(*, reports: bool = False) -> list[str]:
    """The tools a server exposes, in registration order (for `--doctor` and the docs)."""
    return ["autotask_entities", "autotask_describe", "autotask_search", "autotask_count", "autotask_get",
            "autotask_get_ticket", "autotask_labels", *(["autotask_report"] if reports else []),
            "autotask_create", "autotask_update", "autotask_delete"]
