"""py-autotask: a Python SDK for the Kaseya Autotask PSA REST API.

    from py_autotask import AutotaskClient, F

    with AutotaskClient.from_env() as client:
        for ticket in client.tickets.query((F.status == 1) & F.title.contains("printer")):
            print(ticket["id"], ticket["title"])

Every one of the 241 entities is an attribute of the client (`client.ticket_notes`) or reachable by
name (`client.entity("TicketNotes")`). `AsyncAutotaskClient` offers the same API with `await` and
`async for`. Errors are documented in one tree (`py_autotask.AutotaskError` and below); the user guide
is `docs/guide.md`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    AmbiguousWriteError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    APIValidationError,
    AuthenticationError,
    AutotaskError,
    CircuitOpenError,
    ConfigurationError,
    InternalServerError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    QuerySyntaxError,
    RateLimitError,
    ThreadLimitError,
    ThresholdBudgetExceeded,
    ThresholdExceededError,
    UnsupportedOperationError,
    ValidationError,
)
from ._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._async_client import AsyncAutotaskClient
    from ._client import AutotaskClient
    from ._core.paging import Page
    from ._core.retry import RetryPolicy
    from ._core.zones import Zone, known_zones
    from ._datetime import format_datetime, parse_datetime
    from ._entity import AsyncEntity, Entity
    from ._pagination import AsyncPaginator, Paginator
    from ._records import parse_datetimes, set_udf, udf, udfs
    from .query import F

# Resolved on first use (PEP 562), so `import py_autotask` (and the CLI's `--help`) does not load httpx.
_LAZY = {
    "AsyncAutotaskClient": "._async_client",
    "AsyncEntity": "._entity",
    "AsyncPaginator": "._pagination",
    "AutotaskClient": "._client",
    "Entity": "._entity",
    "F": ".query",
    "Page": "._core.paging",
    "Paginator": "._pagination",
    "RetryPolicy": "._core.retry",
    "Zone": "._core.zones",
    "format_datetime": "._datetime",
    "known_zones": "._core.zones",
    "parse_datetime": "._datetime",
    "parse_datetimes": "._records",
    "set_udf": "._records",
    "udf": "._records",
    "udfs": "._records",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "3.0.0.dev0"

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "APIValidationError",
    "AmbiguousWriteError",
    "AsyncAutotaskClient",
    "AsyncEntity",
    "AsyncPaginator",
    "AuthenticationError",
    "AutotaskClient",
    "AutotaskError",
    "CircuitOpenError",
    "ConfigurationError",
    "Entity",
    "F",
    "InternalServerError",
    "MethodNotAllowedError",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "QueryError",
    "QuerySyntaxError",
    "RateLimitError",
    "RetryPolicy",
    "ThreadLimitError",
    "ThresholdBudgetExceeded",
    "ThresholdExceededError",
    "UnsupportedOperationError",
    "ValidationError",
    "Zone",
    "__version__",
    "format_datetime",
    "known_zones",
    "parse_datetime",
    "parse_datetimes",
    "set_udf",
    "udf",
    "udfs",
]
