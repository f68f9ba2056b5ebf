"""Every error py-autotask raises, in one tree.

    AutotaskError
    ├── ConfigurationError          bad or missing settings (no credentials, plain HTTP to a remote host …)
    ├── UnsupportedOperationError   the entity has no such route in the API (raised before any request)
    ├── QuerySyntaxError            a filter that cannot be sent (unknown operator, bad string grammar …)
    ├── ValidationError             a record that fails local validation before it is sent
    ├── ThresholdBudgetExceeded     our share of the tenant's hourly request threshold is used up
    ├── CircuitOpenError            an endpoint failed repeatedly; calls fail fast during the cool-down
    ├── APIConnectionError          the request did not get an HTTP answer
    │   ├── APITimeoutError
    │   └── AmbiguousWriteError     a create may or may not have reached Autotask; carries the payload
    └── APIStatusError              Autotask answered with an error status; carries its `errors` list
        ├── AuthenticationError     401, and the 500s Autotask sends for an unknown user or integration code
        ├── PermissionDeniedError   403, or a 500 saying the resource lacks permissions
        ├── NotFoundError           404 (missing record, or a route Autotask does not have)
        ├── MethodNotAllowedError   405
        ├── RateLimitError          429
        │   ├── ThreadLimitError    the per-endpoint thread threshold (Itgenatr005)
        │   └── ThresholdExceededError  the tenant's hourly request threshold
        ├── APIValidationError      500/4xx with a business-rule or validation message
        ├── QueryError              500 for a query Autotask refused (e.g. unknown field)
        └── InternalServerError     any other 5xx

`str(exc)` always carries Autotask's own message. No exception ever holds the secret: requests are kept
only as method + URL (URLs never carry credentials; they travel in headers).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "APIValidationError",
    "AmbiguousWriteError",
    "AuthenticationError",
    "AutotaskError",
    "CircuitOpenError",
    "ConfigurationError",
    "InternalServerError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "QueryError",
    "QuerySyntaxError",
    "RateLimitError",
    "ThreadLimitError",
    "ThresholdBudgetExceeded",
    "ThresholdExceededError",
    "UnsupportedOperationError",
    "ValidationError",
]


class AutotaskError(Exception):
    """Root of every py-autotask error."""


class ConfigurationError(AutotaskError):
    """Settings are missing or unsafe."""


class UnsupportedOperationError(AutotaskError):
    """The entity does not support the operation (known from the swagger; no request was sent)."""


class QuerySyntaxError(AutotaskError, ValueError):
    """A filter could not be built; `position` points at the offending column of a string filter."""

    def __init__(self, message: str, *, text: str | None = None, position: int | None = None) -> None:
        self.text = text
        self.position = position
        if text is not None and position is not None:
            message = f"{message}\n  {text}\n  {' ' * position}^"
        super().__init__(message)


class ValidationError(AutotaskError, ValueError):
    """A record failed local validation; `problems` lists each reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        super().__init__(message)


class ThresholdBudgetExceeded(AutotaskError):
    """Our configured share of the hourly request threshold is used up."""

    def __init__(self, message: str, *, usage: dict[str, Any] | None = None) -> None:
        self.usage = usage or {}
        super().__init__(message)


class CircuitOpenError(AutotaskError):
    """The endpoint's circuit breaker is open; `retry_after` seconds remain in the cool-down.

    `unreachable` is True when the failures that opened it were connections that never got through
    (refused, no route, unknown host): nothing answers at that address, a network or base-URL problem.
    """

    def __init__(self, endpoint: str, retry_after: float, last_error: str | None = None, *,
                 unreachable: bool = False) -> None:
        self.endpoint = endpoint
        self.retry_after = retry_after
        self.last_error = last_error
        self.unreachable = unreachable
        detail = f" (last error: {last_error})" if last_error else ""
        super().__init__(
            f"circuit open for {endpoint}: too many consecutive failures; "
            f"failing fast for another {retry_after:.1f}s{detail}"
        )


class APIConnectionError(AutotaskError):
    """No HTTP answer: connection refused or reset, DNS, TLS, or a truncated response."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        self.method = method
        self.url = url
        where = f" ({method} {url})" if method and url else ""
        super().__init__(f"{message}{where}")


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class AmbiguousWriteError(APIConnectionError):
    """A create may have reached Autotask, but no answer proves it; it was not re-sent.

    `payload` is the record that was sent, so the caller can look it up and reconcile.
    """

    def __init__(
        self,
        message: str,
        *,
        entity: str,
        payload: dict[str, Any],
        cause: str,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.entity = entity
        self.payload = payload
        self.cause = cause
        super().__init__(message, method=method, url=url)


class APIStatusError(AutotaskError):
    """Autotask answered with an error status."""

    def __init__(
        self,
        status_code: int,
        errors: list[str],
        *,
        method: str,
        url: str,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.errors = errors
        self.method = method
        self.url = url
        self.body = body
        self.retry_after = retry_after
        message = "; ".join(errors) if errors else "(no message in the response body)"
        super().__init__(f"{status_code} {method} {url}: {message}")

    @property
    def message(self) -> str:
        """Autotask's own message(s), joined."""
        return "; ".join(self.errors)


class AuthenticationError(APIStatusError):
    """Credentials were refused."""


class PermissionDeniedError(APIStatusError):
    """The API user (or the impersonated resource) may not do this."""


class NotFoundError(APIStatusError):
    """The record or route does not exist."""


class MethodNotAllowedError(APIStatusError):
    """The route exists but not for this HTTP method."""


class RateLimitError(APIStatusError):
    """Autotask refused the request for load reasons."""


class ThreadLimitError(RateLimitError):
    """Too many concurrent requests on one endpoint for this integration code."""


class ThresholdExceededError(RateLimitError):
    """The tenant's hourly request threshold is exhausted."""


class APIValidationError(APIStatusError):
    """Autotask rejected a write for a validation or business rule."""


class QueryError(APIStatusError):
    """Autotask refused a query (unknown field, too many OR conditions, bad value)."""


class InternalServerError(APIStatusError):
    """Any other server error."""
