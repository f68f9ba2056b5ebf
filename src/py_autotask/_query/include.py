"""`fields=` names (Autotask's IncludeFields) → the entity's fields and UDFs, checked before any query.

Autotask answers an IncludeFields name it does not know with a 500 (or silently without the column), so a
misspelt name is refused here with close matches, as the command line's `--fields` always did (it calls
this too). A name is a standard field in any case or snake_case (`due_date_time` → `dueDateTime`), or a
user-defined field: `udf:Customer Ranking`, or its bare name when no standard field has it — the one case
that needs the UDF definitions (one cached metadata read, made only then).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence

from .._exceptions import QuerySyntaxError
from .compile import FieldIndex

__all__ = ["UDF_PREFIX", "FieldName", "check_repeats", "needs_udfs", "resolve_fields"]

#: Marks a user-defined field in `fields=` and in export/table column names (`udf:Customer Ranking`).
UDF_PREFIX = "udf:"


@dataclasses.dataclass(frozen=True)
class FieldName:
    """A checked `fields=` entry: the name in Autotask's spelling, and whether it is a UDF."""

    name: str
    udf: bool = False


def check_repeats(names: Iterable[str]) -> None:
    """QuerySyntaxError for a name given twice in any case: a typo the command lines refuse before connecting.

    Needs no metadata, so `query --fields` and `export --fields` check it first; `resolve_fields` itself
    keeps the first of two names that mean one field (Python callers add `id` to lists that may hold it).
    """
    seen: set[str] = set()
    for raw in names:
        name = raw.strip()
        if name and name.casefold() in seen:
            raise QuerySyntaxError(f"{name!r} is given twice")
        seen.add(name.casefold())


def needs_udfs(names: Iterable[str], fields: Mapping[str, str]) -> bool:
    """Whether checking `names` needs the entity's UDF definitions (a `udf:` name, or no standard field)."""
    index = FieldIndex(fields)
    return any(_is_udf(n) or index.resolve(n.strip()) is None for n in names)


def resolve_fields(names: Iterable[str], fields: Mapping[str, str], udfs: Sequence[str] = (), *,
                   entity: str = "") -> list[FieldName]:
    """Each name as the field or UDF it means, in order, once each; QuerySyntaxError for an unknown name."""
    index = FieldIndex(fields)
    udf_lower = {u.lower(): u for u in udfs}
    out: dict[tuple[str, bool], FieldName] = {}
    for raw in names:
        name = raw.strip()
        if _is_udf(name):
            udf = udf_lower.get(name[len(UDF_PREFIX):].strip().lower())
            if udf is None:
                shown = ", ".join(udfs) or "none"
                raise QuerySyntaxError(f"{entity or 'the entity'} has no user-defined field "
                                       f"{name[len(UDF_PREFIX):].strip()!r} (UDFs: {shown})")
            found = FieldName(udf, udf=True)
        elif (standard := index.resolve(name)) is not None:
            found = FieldName(standard)
        elif name.lower() in udf_lower:
            found = FieldName(udf_lower[name.lower()], udf=True)
        else:
            raise QuerySyntaxError(f"{entity or 'the entity'} has no field {name!r}{_hint(name, index, udfs)}")
        out.setdefault((found.name.lower(), found.udf), found)
    return list(out.values())


def _is_udf(name: str) -> bool:
    return name.strip()[: len(UDF_PREFIX)].lower() == UDF_PREFIX


def _hint(name: str, index: FieldIndex, udfs: Sequence[str]) -> str:
    close = index.suggestions(name)[:3]
    close += [UDF_PREFIX + u for u in difflib.get_close_matches(name, list(udfs), n=2, cutoff=0.6)]
    return f"; did you mean {', '.join(close)}?" if close else ""
