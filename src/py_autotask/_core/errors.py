"""From failed HTTP exchanges to the exception tree of `_exceptions.py` (pure functions + one context manager).

Autotask's error bodies come in three shapes (docs/autotask-facts.md#responses-and-errors):
`{"errors": ["…"]}` for business errors, `{"Message": "…"}` from the ASP.NET framework (405), and IIS HTML
pages (404 for unknown routes).
The status code alone is not enough: Autotask answers 500 for unknown users, refused queries,
permission problems and validation failures alike, so the message decides the class.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import orjson

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    APIValidationError,
    AuthenticationError,
    InternalServerError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    ThreadLimitError,
    ThresholdExceededError,
)
from .retry import parse_retry_after

__all__ = ["extract_errors", "make_status_error", "map_httpx_errors", "request_was_sent"]

# Kinds of call whose refusal is a refused *query* (QueryError) rather than a rejected write.
QUERY_KINDS = frozenset({"query", "count", "list"})

_THREAD_LIMIT = ("thread threshold", "itgenatr005")
_THRESHOLD = ("request threshold", "threshold has been exceeded", "requests per hour", "hourly")
# Autotask answers 500 (not 401) for an unknown user name or integration code
# (docs/autotask-facts.md#authentication); the live texts are "Zone information could not be determined"
# and "IntegrationCode is invalid." (apigrate's README).
# The other needles keep older or paraphrased wordings recognised.
_AUTHENTICATION = (
    "zone information could not be determined",
    "integrationcode is invalid",
    "unable to authenticate",
    "user name",
    "username",
    "integration code",
    "integrationcode",
    "tracking identifier",
    "not authenticated",
    "authentication",
    "unauthorized",
    "credentials",
)
_PERMISSION = ("does not have the adequate permissions", "does not have permission", "access denied")
_NOT_FOUND = ("no matching records found",)
_NOT_FOUND_RE = re.compile(r"\bno \w+ found with id\b")
_QUERY = ("unable to find", "invalid query", "maxrecords", "'or' conditions", "user-defined field")
# 5xx bodies that describe a server-side failure rather than a problem with our request: retried.
_GENERIC = (
    "internal server error",
    "an error has occurred",
    "unexpected error",
    "something went wrong",
    "service unavailable",
    "temporarily unavailable",
    "try again",
)
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_MAX_BODY_TEXT = 2000


def _parse(content: bytes) -> Any:
    try:
        return orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return content[:_MAX_BODY_TEXT].decode("utf-8", "replace")


def extract_errors(body: Any) -> list[str]:
    """Autotask's messages from any of its error body shapes (JSON `errors`, `Message`, HTML, text)."""
    if isinstance(body, dict):
        found: list[str] = []
        for key, value in body.items():
            if key.lower() == "errors" and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        item = item.get("message") or item.get("Message") or orjson.dumps(item).decode()
                    found.append(str(item))
            elif key.lower() in ("message", "exceptionmessage") and isinstance(value, str):
                found.append(value)
        return found
    if isinstance(body, str) and body.strip():
        match = _HTML_TITLE.search(body)
        text = match.group(1) if match else _TAGS.sub(" ", body)
        text = " ".join(html.unescape(text).split())
        return [text[:300]] if text else []
    return []


def _has(text: str, needles: tuple[str, ...]) -> bool:
    return any(n in text for n in needles)


def _status_class(status: int, errors: list[str], kind: str) -> type[APIStatusError]:
    """The exception class for one error answer; order matters (most specific evidence first)."""
    text = " ".join(errors).lower()
    if 300 <= status < 400:
        # Redirects are never followed (they could carry the credentials elsewhere), and repeating the
        # request gets the same redirect: not retried, whatever the kind of call.
        return APIStatusError
    if _has(text, _THREAD_LIMIT):
        return ThreadLimitError  # whatever the status: Autotask has sent it with non-429 codes
    if status == 429:
        return ThresholdExceededError if _has(text, _THRESHOLD) else RateLimitError
    if status == 401:
        return AuthenticationError
    if status == 403 or _has(text, _PERMISSION):
        return PermissionDeniedError
    if status == 404 or _has(text, _NOT_FOUND) or _NOT_FOUND_RE.search(text):
        return NotFoundError
    if status == 405:
        return MethodNotAllowedError
    if kind == "zone" and errors:
        return AuthenticationError  # zoneInformation refuses an unknown or blank user with a 500
    if status >= 500 and (not errors or _has(text, _GENERIC)):
        return InternalServerError
    if _has(text, _QUERY):
        return QueryError
    if status == 500 and _has(text, _AUTHENTICATION) and not _has(text, ("field", "value")):
        return AuthenticationError
    if kind in QUERY_KINDS:
        return QueryError
    if kind in ("create", "update", "replace", "delete") or 400 <= status < 500:
        return APIValidationError
    return InternalServerError


def make_status_error(
    status: int,
    content: bytes,
    headers: Mapping[str, str],
    *,
    method: str,
    url: str,
    kind: str,
) -> APIStatusError:
    """The one factory of status errors: status + Autotask's body -> the right exception class."""
    body = _parse(content)
    errors = extract_errors(body)
    if 300 <= status < 400 and not errors:
        where = (headers.get("location") or "(no Location)").split("?", 1)[0]
        errors = [f"redirected to {where}; redirects are not followed"]
    cls = _status_class(status, errors, kind)
    return cls(
        status,
        errors,
        method=method,
        url=url,
        body=body,
        retry_after=parse_retry_after(headers.get("retry-after")),
    )


@contextlib.contextmanager
def map_httpx_errors(method: str, url: str) -> Iterator[None]:
    """Translate httpx transport exceptions into APIConnectionError / APITimeoutError (cause kept)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise APITimeoutError(f"request timed out ({type(exc).__name__})", method=method, url=url) from exc
    except httpx.TransportError as exc:
        detail = str(exc) or type(exc).__name__
        raise APIConnectionError(f"connection failed: {detail}", method=method, url=url) from exc


def request_was_sent(error: APIConnectionError) -> bool:
    """False only when the failure proves the request never reached the server (connect phase)."""
    cause = error.__cause__
    return not isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
