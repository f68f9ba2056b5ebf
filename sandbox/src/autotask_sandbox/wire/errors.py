"""The one exception the sandbox raises to produce an Autotask-shaped error response.

Autotask answers with three body shapes (see docs/autotask-facts.md#responses-and-errors):

* ``{"errors": ["…", …]}`` — validation, business rules, query errors (usually HTTP 500);
* ``{"Message": "…"}`` — ASP.NET framework errors such as 405 "does not support http method";
* an IIS HTML page — 404 for paths that are not routes.
"""

from __future__ import annotations

__all__ = ["ApiError"]


class ApiError(Exception):
    """An error response: status, Autotask ``errors`` list, framework ``Message`` or IIS HTML page."""

    def __init__(
        self,
        status: int,
        errors: list[str] | None = None,
        *,
        message: str | None = None,
        html: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.errors = list(errors) if errors is not None else None
        self.message = message
        self.html = html
        self.headers = dict(headers) if headers else {}
        super().__init__(self._describe())

    def _describe(self) -> str:
        if self.errors:
            return f"{self.status}: " + " | ".join(self.errors)
        if self.message is not None:
            return f"{self.status}: {self.message}"
        return f"{self.status}: {'HTML page' if self.html else 'error'}"

    def body(self) -> dict[str, object] | None:
        """The JSON body Autotask would send (``None`` for an HTML page)."""
        if self.html:
            return None
        if self.message is not None and not self.errors:
            return {"Message": self.message}
        return {"errors": list(self.errors or [])}

    def __repr__(self) -> str:
        return f"ApiError(status={self.status!r}, errors={self.errors!r}, message={self.message!r})"
