"""The route table: every swagger operation, matched in O(path depth) on lower-cased segments.

Routes come from ``spec/routes.json`` (generated from the real swagger), plus two cursor routes per
queryable entity that the swagger does not list but the live API hands out in ``pageDetails``:
``/{Entity}/query/next`` and ``/{Entity}/query/prev``. Matching is a trie walk (a dict per path level),
so a request costs a handful of dict lookups, never a scan of 3,009 patterns. Autotask runs on IIS /
ASP.NET, whose routing is case-insensitive; so is this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

API_PREFIX = "/atservicesrest/"
VERSION_SEGMENT = "v1.0"

# Synthetic actions added next to each ``…/query`` route (see module docstring).
CURSOR_ACTIONS = {"next": "queryNext", "prev": "queryPrev"}


@dataclass(frozen=True)
class Route:
    """One operation: a verb on a path template, tagged with the entity and action it serves."""

    method: str
    path: str
    operation_id: str
    entity: str
    collection: str | None
    action: str
    child: bool
    parent_collection: str | None  # the first path segment of a child route (``Tickets`` for …/Notes)
    synthetic: bool = False

    @property
    def param_names(self) -> tuple[str, ...]:
        """The template's ``{param}`` names, in path order."""
        return tuple(s[1:-1] for s in self.path.split("/") if s.startswith("{"))


@dataclass(frozen=True)
class Match:
    """A matched operation and its path parameters (ints, keyed by the template's names)."""

    route: Route
    params: dict[str, int]


@dataclass(frozen=True)
class MethodNotAllowed:
    """The path exists but not for this verb (ASP.NET answers 405)."""

    method: str
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class BadParameter:
    """The path matched a template but a ``{param}`` is not an integer (ASP.NET answers 400)."""

    name: str
    value: str


@dataclass(frozen=True)
class NotFound:
    """No route: IIS answers with its HTML 404 page."""


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    ops: dict[str, Route] = field(default_factory=dict)


RouteResult = Match | MethodNotAllowed | BadParameter | NotFound


class Router:
    """Trie of all operations; ``match(method, path)`` classifies a request path."""

    def __init__(self, operations: Iterable[dict]) -> None:
        self._root = _Node()
        self._routes: list[Route] = []
        self._root_collections: set[str] = set()
        for op in operations:
            self._add(self._route_from(op))
        for route in list(self._routes):
            if route.action == "queryGet":
                for suffix, action in CURSOR_ACTIONS.items():
                    for method in ("GET", "POST"):
                        self._add(
                            Route(
                                method=method,
                                path=f"{route.path}/{suffix}",
                                operation_id=f"{route.entity}_Query{suffix.title()}Page",
                                entity=route.entity,
                                collection=route.collection,
                                action=action,
                                child=False,
                                parent_collection=None,
                                synthetic=True,
                            )
                        )

    @staticmethod
    def _route_from(op: dict) -> Route:
        parts = op["path"].strip("/").split("/")
        parent = parts[1] if op.get("child") and len(parts) > 1 else None
        return Route(
            method=op["method"].upper(),
            path=op["path"],
            operation_id=op["operationId"],
            entity=op["entity"],
            collection=op.get("collection"),
            action=op["action"],
            child=bool(op.get("child")),
            parent_collection=parent,
        )

    def _add(self, route: Route) -> None:
        node = self._root
        segments = route.path.strip("/").split("/")
        for seg in segments:
            if seg.startswith("{") and seg.endswith("}"):
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                node = node.literals.setdefault(seg.lower(), _Node())
        if route.method in node.ops:
            raise ValueError(f"duplicate route {route.method} {route.path}")
        node.ops[route.method] = route
        self._routes.append(route)
        if len(segments) >= 2 and segments[0].lower() == VERSION_SEGMENT:
            self._root_collections.add(segments[1].lower())

    @property
    def routes(self) -> list[Route]:
        """Every route, swagger operations first, then the synthetic cursor routes."""
        return list(self._routes)

    def _walk(
        self,
        node: _Node,
        segments: list[str],
        i: int,
        params: list[str],
        found: list[tuple[_Node, list[str]]],
    ) -> None:
        # Depth-first, literals before parameters, collecting every node the path reaches: the first
        # node that allows the verb wins, otherwise the first reached node answers 405.
        if i == len(segments):
            if node.ops:
                found.append((node, params))
            return
        seg = segments[i]
        child = node.literals.get(seg.lower())
        if child is not None:
            self._walk(child, segments, i + 1, params, found)
        if node.param is not None and seg:
            self._walk(node.param, segments, i + 1, [*params, seg], found)

    def match(self, method: str, rel_path: str) -> RouteResult:
        """Classify ``rel_path`` (the part after ``/ATServicesRest/``) for ``method``."""
        segments = [s for s in rel_path.split("/") if s]
        if not segments:
            return NotFound()
        found: list[tuple[_Node, list[str]]] = []
        self._walk(self._root, segments, 0, [], found)
        method = method.upper()
        for node, raw in found:
            route = node.ops.get(method)
            if route is None:
                continue
            params: dict[str, int] = {}
            # Several templates share one trie level ({id} vs {parentId}); names come from the route.
            for name, value in zip(route.param_names, raw, strict=True):
                try:
                    params[name] = int(value)
                except ValueError:
                    return BadParameter(name, value)
            return Match(route, params)
        if found:
            return MethodNotAllowed(method, tuple(sorted(found[0][0].ops)))
        # ``GET /V1.0/Contacts`` is no route, yet ASP.NET answers 405 (its catch-all controller
        # route matches the collection and finds no parameterless GET action).
        if (
            method == "GET"
            and len(segments) == 2
            and segments[0].lower() == VERSION_SEGMENT
            and segments[1].lower() in self._root_collections
        ):
            return MethodNotAllowed(method, ())
        return NotFound()


def endpoint_of(rel_path: str) -> str:
    """The thread-limit endpoint of a path: its collection segment, lower-cased (``tickets``)."""
    segments = [s for s in rel_path.split("/") if s]
    if len(segments) >= 2 and segments[0].lower() == VERSION_SEGMENT:
        return segments[1].lower()
    return segments[0].lower() if segments else ""


def split_api_path(path: str) -> str | None:
    """Strip the ``/ATServicesRest/`` prefix (any case); None when the path is outside the API."""
    if len(path) > len(API_PREFIX) and path[: len(API_PREFIX)].lower() == API_PREFIX:
        return path[len(API_PREFIX) :]
    return None


# .NET's HttpUtility.UrlEncode (which produced the captured nextPageUrl): alphanumerics and ``-_.!*()``
# stay, space becomes ``+``, everything else is percent-encoded UTF-8 with lower-case hex.
_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!*()")
_ESCAPES = [chr(b) if b in _SAFE else ("+" if b == 0x20 else f"%{b:02x}") for b in range(256)]


def dotnet_urlencode(text: str) -> str:
    """Percent-encode like .NET ``HttpUtility.UrlEncode`` (lower-case hex, ``+`` for space)."""
    return "".join([_ESCAPES[b] for b in text.encode("utf-8")])
