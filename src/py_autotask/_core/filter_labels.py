"""Picklist labels in filter strings (`status=Complete`), decided once for the sync and async clients.

Users know picklist entries by label, Autotask filters want the per-tenant value. The labels live in the
entity's field metadata, which costs a request (then cached), so it is read only when a string filter
holds a word the field's data type cannot take (`Complete` on an integer field). Numbers keep meaning
values (`status=5`): a filter that needs no label never reads metadata. In F expressions (and raw filter
JSON) Python's types decide: an int is a value, a str on a number field is a label (`F.status ==
"Complete"`, `F.priority.in_(["High", 4])`), even one that reads as a number (`"5"` is the label "5").

Labels of inactive entries resolve too (filters often read old records). A label shared by two values
is refused rather than guessed; a word that is no label raises the query language's error, which lists
the field's labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .._exceptions import QuerySyntaxError
from .._query.compile import FieldIndex, build_filter, to_expr
from .._query.expr import NO_VALUE, STRING_OPERATORS, Condition, Expr, Group, Literal
from .flow import Flow

__all__ = ["LabelsNeeded", "Word", "filter_flow", "label_words", "picklists_for", "plan_filter"]

FilterJson = list[dict[str, Any]]
_NUMERIC_TYPES = frozenset({"integer", "long", "short", "int", "byte", "double", "decimal", "float", "single"})


@dataclasses.dataclass(frozen=True)
class Word:
    """A value written in a filter string, and that string (for a caret under it in errors)."""

    literal: Literal
    source: str | None


@dataclasses.dataclass(frozen=True)
class LabelsNeeded:
    """A filter whose words stand for picklist values: the filter, and per field the words to look up."""

    filter: Any
    words: Mapping[str, tuple[Word, ...]]  # field (the entity's spelling) -> the words written for it


def plan_filter(filter: Any, types: Mapping[str, str]) -> FilterJson | LabelsNeeded | None:
    """The filter JSON when no label is needed (None for no filter), else what to look up; other errors raise."""
    if filter is None:
        return None
    try:
        return build_filter(filter, fields=types)
    except QuerySyntaxError:
        words = label_words(filter, types)
        if not words:
            raise  # a syntax error, an unknown field, a bad date …: no metadata would fix it
    # Were every word a label, would the rest build? If not, that error stands and no metadata is read.
    build_filter(filter, fields=types, picklists={name: {w.literal.text: 0 for w in ws} for name, ws in words.items()})
    return LabelsNeeded(filter, words)


def label_words(filter: Any, types: Mapping[str, str]) -> dict[str, tuple[Word, ...]]:
    """Per field, the string-grammar words its data type cannot take (candidates for picklist labels)."""
    index = FieldIndex(types)
    found: dict[str, list[Word]] = {}
    for cond in _conditions(to_expr(filter)):
        if cond.udf or cond.op in STRING_OPERATORS or cond.value is NO_VALUE:
            continue  # UDF values are typed by look; string operators always send text
        name = index.resolve(cond.field)
        if name is None or types[name].lower() not in _NUMERIC_TYPES:
            continue  # picklist values are numbers; a word on any other field is just a bad value
        members = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        for member in members:
            if isinstance(member, Literal) and not _fits(member, name, types[name].lower()):
                found.setdefault(name, []).append(Word(member, cond.source))
            elif isinstance(member, str):  # an F expression's str on a number field: always a label
                found.setdefault(name, []).append(Word(Literal("string", member), None))
    return {name: tuple(words) for name, words in found.items()}


def picklists_for(needed: LabelsNeeded, metadata: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """`build_filter`'s `picklists=` for the fields that need labels; a label used that names two values raises."""
    by_name = {str(f.get("name") or "").lower(): f for f in metadata}
    picklists: dict[str, dict[str, Any]] = {}
    for name, words in needed.words.items():
        field = by_name.get(name.lower())
        if field is None or not field.get("isPickList"):
            continue  # not a picklist: the build reports the value the field's type cannot take
        entries = list(field.get("picklistValues") or [])
        same_label: dict[str, list[Mapping[str, Any]]] = {}
        for entry in entries:
            same_label.setdefault(_key(entry.get("label")), []).append(entry)
        for word in words:
            matches = same_label.get(_key(word.literal.text), [])
            if len({str(e.get("value")) for e in matches}) > 1:
                raise _ambiguous(name, word, matches)
        picklists[name] = {str(e.get("label")): e.get("value") for e in entries if e.get("label") is not None}
    return picklists


def filter_flow(plan: FilterJson | LabelsNeeded | None, fetch_fields: Callable[[], Flow],
                types: Mapping[str, str]) -> Flow:
    """The filter JSON of a plan: as is, or built again with labels from the (cached) field metadata."""
    if not isinstance(plan, LabelsNeeded):
        return plan
    metadata = yield from fetch_fields()
    return build_filter(plan.filter, fields=types, picklists=picklists_for(plan, metadata))


def _conditions(expr: Expr | None) -> Iterator[Condition]:
    if isinstance(expr, Group):
        for item in expr.items:
            yield from _conditions(item)
    elif isinstance(expr, Condition):
        yield expr


def _fits(word: Literal, name: str, data_type: str) -> bool:
    """Whether the field's data type takes `word` as it is (the compiler's own typing decides)."""
    try:
        build_filter(Condition("eq", name, word), fields={name: data_type})
    except QuerySyntaxError:
        return False
    return True


def _key(label: Any) -> str:
    return str(label or "").strip().lower()


def _ambiguous(name: str, word: Word, matches: Sequence[Mapping[str, Any]]) -> QuerySyntaxError:
    named = " and ".join(
        f"{e.get('value')} ({e.get('label')!r}{'' if e.get('isActive', True) else ', inactive'})" for e in matches
    )
    message = (f"{name!r}: the picklist label {word.literal.text!r} is ambiguous, it names the values {named}; "
               "write the value instead")
    if word.source is not None:
        return QuerySyntaxError(message, text=word.source, position=word.literal.pos)
    return QuerySyntaxError(message)
