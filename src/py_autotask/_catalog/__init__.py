"""The generated entity catalogue and zone table, loaded once from package data.

`catalog.json`, `types.py`, `accessors.py` and `zones.json` are written by `tools/generate.py` from the
real swagger in `spec/`; this module only reads them. Lookups accept the entity tag in any case
("TicketNotes", "ticketnotes"), its attribute form ("ticket_notes"), its URL collection
("OrganizationalLevel1s") and the legacy name of a root entity ("Ticket").
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

import orjson

from .._exceptions import UnsupportedOperationError

__all__ = ["OPERATIONS", "capabilities", "entity_names", "find_entity", "load_catalog", "load_zones", "parent_only"]

# What a user calls an operation -> the swagger operations that provide it.
OPERATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("query", ("queryPost", "queryGet")), ("count", ("countPost", "countGet")), ("get", ("getById",)),
    ("create", ("create",)), ("update", ("update",)), ("replace", ("replace",)), ("delete", ("delete",)),
)


def _read_json(name: str) -> Any:
    # The package loader's data, so this works from a wheel or a zip, not only from a source checkout --
    # what pkgutil.get_data does, without importing pkgutil (or importlib.resources, which brings zipfile):
    # every short-lived process pays for what it imports (benchmarks/driver_bench.py).
    loader = __spec__.loader
    if loader is None or not hasattr(loader, "get_data"):
        raise FileNotFoundError(f"{name}: the loader of {__name__} cannot read package data")
    return orjson.loads(loader.get_data(os.path.join(os.path.dirname(__file__), name)))


@functools.cache
def load_catalog() -> dict[str, dict[str, Any]]:
    """Every entity of the catalogue by its tag (e.g. "TicketNotes")."""
    return {e["name"]: e for e in _read_json("catalog.json")["entities"]}


@functools.cache
def load_zones() -> tuple[dict[str, str], ...]:
    """The known zones: `{"zoneName", "host", "url"}` with `url` the API root (`…/ATServicesRest/`)."""
    return tuple(_read_json("zones.json")["zones"])


@functools.cache
def _index() -> dict[str, str]:
    """Every spelling a user may have, lower-cased and without underscores -> tag.

    In order of precedence (a spelling keeps the first entity that claims it): the tag and its
    snake_case attribute (`TicketNotes`, `ticket_notes`); the URL collection (`OrganizationalLevel1s`
    for the tag `OrganizationalLevel1`); the legacy SOAP name of a root entity (`Ticket`, `Account`).
    """
    catalog = load_catalog()
    index: dict[str, str] = {}

    def claim(key: str | None, name: str) -> None:
        if key:
            index.setdefault(key.replace("_", "").lower(), name)

    for name, ent in catalog.items():
        claim(name, name)
        claim(ent["attr"], name)
    for name, ent in catalog.items():
        if ent.get("collection") and ent.get("ops"):
            claim(ent["collection"], name)
    # Root entities first: "Account" is also the legacy name of entities under /Companies/{id}/….
    for name, ent in sorted(catalog.items(), key=lambda item: item[1].get("collection") != item[0]):
        if ent.get("collection"):
            claim(ent.get("legacy"), name)
    return index


def entity_names() -> list[str]:
    """All entity tags, sorted."""
    return sorted(load_catalog())


def find_entity(name: str) -> dict[str, Any]:
    """The catalogue entry for `name` (tag, snake_case, URL collection or legacy name, any case)."""
    tag = _index().get(name.replace("_", "").lower())
    if tag is None:
        import difflib

        close = difflib.get_close_matches(name, entity_names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnsupportedOperationError(f"unknown Autotask entity {name!r}{hint}")
    return load_catalog()[tag]


def capabilities(entry: Mapping[str, Any]) -> list[str]:
    """The operations an entity supports, at its root or under a parent (plus "under-parent" if it has one).

    TicketNotes are created only as /Tickets/{id}/Notes; they still "can create": the client routes the
    write by the parent id (`parent_only` tells which operations need one).
    """
    ops = set(entry.get("ops", ()))
    for child in entry.get("children", ()):
        ops.update(child.get("ops", ()))
    caps = [name for name, needs in OPERATIONS if ops & set(needs)]
    if entry.get("children"):
        caps.append("under-parent")
    return caps


def parent_only(entry: dict[str, Any]) -> set[str]:
    """The operations an entity supports only under a parent route (e.g. create for TicketNotes)."""
    root = set(entry.get("ops", ()))
    needs = dict(OPERATIONS)
    return {name for name in capabilities(entry) if name in needs and not root & set(needs[name])}
