"""Autotask for AI agents: an MCP server on the official `mcp` SDK (`pip install 'py-autotask[mcp]'`).

    from py_autotask import AutotaskClient
    from py_autotask.mcp import AutotaskTools, build_server

    with AutotaskClient.from_env() as client:
        build_server(AutotaskTools(client, allow_write=["TicketNotes"])).run("stdio")

`AutotaskTools` (no MCP import) holds the behaviour; `build_server` registers it on `MCPServer`.
Usually started as `py-autotask mcp`; see docs/mcp.md for client configuration.
"""

from .server import INSTRUCTIONS, build_server, tool_names
from .shaping import UNTRUSTED_KEY, UNTRUSTED_NOTICE, shape_record
from .tools import AutotaskTools, ToolRefused

__all__ = [
    "INSTRUCTIONS",
    "UNTRUSTED_KEY",
    "UNTRUSTED_NOTICE",
    "AutotaskTools",
    "ToolRefused",
    "build_server",
    "shape_record",
    "tool_names",
]
