"""Request building (no I/O): the `Call` every operation is described as, query bodies, httpx requests.

A `Call` is what an operation wants (method, path relative to the versioned root or an absolute
`nextPageUrl`, JSON body, kind). `build_request` turns it into an `httpx.Request` for one API root,
adding the authentication headers — and refusing any absolute URL on another origin, so credentials
only ever travel to the configured or detected Autotask host.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import quote

import httpx
import orjson

from .._constants import ALL_RECORDS_FILTER, MAX_GET_URL_LENGTH, MAX_PAGE_SIZE
from .._exceptions import ConfigurationError
from .config import ClientConfig, same_origin

__all__ = [
    "Call",
    "CallKind",
    "build_request",
    "display_url",
    "encode_json",
    "get_fits",
    "query_body",
    "resolve_field_names",
    "search_params",
]

USER_AGENT = "py-autotask/3"
#: What a call does; the retry rules and error messages depend on it (a "create" is never re-sent once
#: it may have reached Autotask, a re-sent "delete" that finds nothing succeeded).
CallKind = Literal[
    "query", "count", "list", "get", "create", "update", "replace", "delete", "metadata", "zone", "raw"
]
# Allowance for the API root (`https://webservicesNN.autotask.net/ATServicesRest/V1.0/` is 56 chars)
# when judging a GET query's URL length before the root is known.
ROOT_ALLOWANCE = 100


@dataclasses.dataclass(frozen=True)
class Call:
    """One HTTP exchange an operation needs, independent of sync/async and of the API root."""

    method: str
    path: str  # relative to `…/ATServicesRest/V1.0/`, or an absolute URL (nextPageUrl, zone lookup)
    kind: CallKind
    endpoint: str  # concurrency-limit key: the entity tag ("Tickets"), or the special endpoint name
    json: Any = None
    params: Mapping[str, str] | None = None
    impersonate: int | None = None
    authenticated: bool = True  # False only for zoneInformation, which takes no credentials


def encode_json(value: Any) -> bytes:
    """Compact JSON bytes (orjson; datetimes must already be strings in the filter)."""
    return orjson.dumps(value)


def build_request(call: Call, config: ClientConfig, api_root: str | None) -> httpx.Request:
    """The httpx request for `call` against `api_root` (`…/ATServicesRest/V1.0/`)."""
    absolute = call.path.startswith(("http://", "https://"))
    if absolute:
        url = call.path
        if call.authenticated and (api_root is None or not same_origin(url, api_root)):
            raise ConfigurationError(
                f"refusing to send credentials to {url!r}: it is not the Autotask host this client "
                f"is configured for ({api_root})"
            )
    else:
        if api_root is None:
            raise ConfigurationError("no API root known yet (zone not detected)")
        url = api_root + call.path
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if call.authenticated:
        headers.update(config.credentials.headers())
        impersonate = call.impersonate if call.impersonate is not None else config.impersonation_resource_id
        if impersonate is not None:
            headers["ImpersonationResourceId"] = str(int(impersonate))
    content = None
    if call.json is not None:
        content = encode_json(call.json)
        headers["Content-Type"] = "application/json"
    request = httpx.Request(call.method, url, params=call.params, content=content, headers=headers)
    request.extensions["timeout"] = config.timeout.as_dict()
    return request


def display_url(url: httpx.URL) -> str:
    """A URL as shown in logs and errors: without its query string (search JSON, user names)."""
    return str(url).partition("?")[0]  # API URLs carry no fragment; cheaper than url.copy_with(query=None)


def resolve_field_names(names: Iterable[str], fields: Mapping[str, str]) -> list[str]:
    """IncludeFields in Autotask's spelling (snake_case or any case accepted), `id` always first."""
    by_key: dict[str, str] = {}
    for name in fields:
        by_key.setdefault(name.lower(), name)
        by_key.setdefault(name.lower().replace("_", ""), name)
    out = ["id"]
    for name in names:
        # Unknown names pass through unchanged: IncludeFields may also name UDFs.
        resolved = by_key.get(name.lower()) or by_key.get(name.replace("_", "").lower()) or name
        if resolved.lower() not in (o.lower() for o in out):
            out.append(resolved)
    return out


def query_body(
    filters: list[dict[str, Any]] | None,
    *,
    include_fields: list[str] | None = None,
    max_records: int | None = None,
) -> dict[str, Any]:
    """A QueryModel body; no filter becomes the "all records" condition Autotask requires."""
    if max_records is not None and not 1 <= max_records <= MAX_PAGE_SIZE:
        raise ValueError(f"page size must be between 1 and {MAX_PAGE_SIZE}, got {max_records}")
    body: dict[str, Any] = {"filter": filters or [dict(ALL_RECORDS_FILTER)]}
    if include_fields:
        body["includeFields"] = include_fields
    if max_records is not None:
        body["maxRecords"] = max_records
    return body


def search_params(body: Mapping[str, Any]) -> dict[str, str]:
    """`?search=<json>` for the GET form of a query."""
    return {"search": encode_json(body).decode()}


def get_fits(path: str, body: Mapping[str, Any]) -> bool:
    """True if a GET query's URL stays under Autotask's length limit (else send it as POST)."""
    encoded = quote(encode_json(body).decode(), safe="")
    return ROOT_ALLOWANCE + len(path) + len("?search=") + len(encoded) <= MAX_GET_URL_LENGTH
