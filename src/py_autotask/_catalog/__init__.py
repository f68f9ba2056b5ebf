"""The generated entity catalogue and zone table, loaded once from package data.

`catalog.json`, `types.py`, `accessors.py` and `zones.json` are written by `tools/generate.py` from the
real swagger in `spec/`; this module only reads them. Lookups accept the entity tag in any case
("TicketNotes", "ticketnotes") or its attribute form ("ticket_notes").
"""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import Any

from .._exceptions import UnsupportedOperationError

__all__ = ["entity_names", "find_entity", "load_catalog", "load_zones"]


def _read_json(name: str) -> Any:
    # importlib.resources keeps this working from a wheel or a zip, not only from a source checkout.
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


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
    """Lower-cased tag, attribute and underscore-free forms -> tag."""
    index: dict[str, str] = {}
    for name, ent in load_catalog().items():
        for key in (name, ent["attr"], ent["attr"].replace("_", "")):
            index.setdefault(key.lower(), name)
    return index


def entity_names() -> list[str]:
    """All entity tags, sorted."""
    return sorted(load_catalog())


def find_entity(name: str) -> dict[str, Any]:
    """The catalogue entry for `name` (tag or attribute form, any case); unknown names raise."""
    tag = _index().get(name.lower()) or _index().get(name.replace("_", "").lower())
    if tag is None:
        close = difflib.get_close_matches(name, entity_names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnsupportedOperationError(f"unknown Autotask entity {name!r}{hint}")
    return load_catalog()[tag]
