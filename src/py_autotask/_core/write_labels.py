"""Picklist labels in records to write (`create({"status": "Complete"})`), decided once for both clients.

A payload may name a picklist entry by its label where Autotask wants the tenant's value. Which entry a
text names is decided by `py_autotask.picklists` — the matcher the bulk engine's validator uses too, so a
label means the same written either way: an exact value wins, else an active entry's label in any case,
a dependent picklist's duplicate labels narrowed by the payload's controlling value (given by label too).
What is decided here:
- Only str values of number fields are looked at (picklist values are numbers); ints, and every other
  field, go out as given, and a payload without such a str never reads metadata.
- Values are not validated: an exact value, even an inactive one, goes out as an int would (Autotask
  decides, and a record read back and written again keeps its old values), where bulk refuses it.
- Unknown labels, inactive-only labels, ambiguous ones and text on a number field that is no picklist
  are refused, every problem of the payload in one `ValidationError`, before the write is sent.
- UDF picklists: a UDF value travels as the list item's text (docs/autotask-facts.md), so a label is
  matched case-insensitively and sent in the tenant's spelling (`"hardware failure"` → `"Hardware
  Failure"`); an exact value goes out as given. The UDF definitions are read only when a value is not
  exactly one of the definitions this client read before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._exceptions import ValidationError
from ..picklists import Picklist
from .flow import Flow

__all__ = ["label_keys", "payload_flow", "resolve_labels", "udfs_settled"]

_INTEGER = frozenset({"integer", "long", "short", "int", "byte"})
_NUMERIC = _INTEGER | frozenset({"double", "decimal", "float", "single"})


def label_keys(body: Mapping[str, Any], types: Mapping[str, str]) -> list[str]:
    """The payload keys holding a str on a number field (candidates for picklist labels)."""
    keys: list[str] = []
    lower: dict[str, str] | None = None  # built only for a str under a key not spelt as Autotask does
    for key, value in body.items():
        if not isinstance(value, str):
            continue
        data_type = types.get(key)
        if data_type is None:
            lower = lower if lower is not None else {n.lower(): t for n, t in types.items()}
            data_type = lower.get(key.lower())
        if data_type is not None and data_type.lower() in _NUMERIC:
            keys.append(key)
    return keys


def resolve_labels(entity: str, body: Mapping[str, Any], keys: Sequence[str],
                   metadata: Sequence[Mapping[str, Any]], udfs: Sequence[Mapping[str, Any]] | None = None
                   ) -> dict[str, Any]:
    """`body` with labels turned into values: the str values of `keys` and, given `udfs` (the UDF
    definitions), the `userDefinedFields` of picklist UDFs; every problem raises at once."""
    by_name = {str(f.get("name") or "").lower(): f for f in metadata}
    out = dict(body)
    problems: list[str] = []
    for key in keys:
        field = by_name.get(key.lower())
        if field is None:
            continue  # no metadata for it: Autotask will say what it thinks
        try:
            out[key] = _resolve(field, str(body[key]), body, by_name)
        except ValueError as exc:
            problems.append(f"{field.get('name')}: {exc}")
    if udfs is not None and _udf_items(body):
        out[_udf_key(body)] = _resolve_udfs(_udf_items(body), udfs, problems)
    if problems:
        raise ValidationError(f"{entity}: " + "; ".join(problems), problems)
    return out


def udfs_settled(body: Mapping[str, Any], udfs: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every UDF value of `body` needs no look-up in these definitions (no picklist, or a value as is)."""
    by_name = {str(u.get("name") or "").lower(): u for u in udfs}
    for item in _udf_items(body):
        udf = by_name.get(str(item.get("name") or "").lower())
        value = item.get("value")
        if udf is None or not udf.get("isPickList") or not isinstance(value, str) or value == "":
            continue
        if not any(str(e.get("value")) == value for e in udf.get("picklistValues") or ()):
            return False
    return True


def payload_flow(entity: str, body: dict[str, Any], fetch_fields: Callable[[], Flow], types: Mapping[str, str],
                 fetch_udfs: Callable[[], Flow] | None = None,
                 known_udfs: Sequence[Mapping[str, Any]] | None = None) -> Flow:
    """The payload to send: as is, or with labels resolved from the (cached) metadata.

    UDF definitions are read only when a picklist UDF's text is not exactly a value of the definitions
    read before (`known_udfs`), so writes that already carry values (the bulk engine's) read them once.
    """
    keys = label_keys(body, types)
    metadata = (yield from fetch_fields()) if keys else []
    udfs = None
    if fetch_udfs is not None and _udf_items(body) and (known_udfs is None or not udfs_settled(body, known_udfs)):
        udfs = yield from fetch_udfs()
    if not keys and udfs is None:
        return body
    return resolve_labels(entity, body, keys, metadata, udfs)


def _udf_key(body: Mapping[str, Any]) -> str:
    return next((k for k in body if k.lower() == "userdefinedfields"), "userDefinedFields")


def _udf_items(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = body.get(_udf_key(body))
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _resolve_udfs(items: Sequence[Mapping[str, Any]], udfs: Sequence[Mapping[str, Any]],
                  problems: list[str]) -> list[dict[str, Any]]:
    """UDF items with picklist labels as the list item's text (value == label for UDF lists, any case here)."""
    by_name = {str(u.get("name") or "").lower(): u for u in udfs}
    out = []
    for item in items:
        udf = by_name.get(str(item.get("name") or "").lower())
        value = item.get("value")
        if udf is not None and udf.get("isPickList") and isinstance(value, str) and value != "":
            try:
                value = _udf_value(udf, value)
            except ValueError as exc:
                problems.append(f"udf:{udf.get('name')}: {exc}")
        out.append({**item, "value": value})
    return out


def _udf_value(udf: Mapping[str, Any], text: str) -> str:
    # An exact value is sent as given, active or not (a record read back keeps its old value).
    return Picklist.from_metadata(udf.get("picklistValues")).match(text).value


def _resolve(field: Mapping[str, Any], text: str, body: Mapping[str, Any],
             by_name: Mapping[str, Mapping[str, Any]]) -> Any:
    data_type = str(field.get("dataType") or "").lower()
    if not field.get("isPickList"):
        number = _number(text.strip(), data_type)
        if number is None:
            raise ValueError(f"{text!r} is not a number ({data_type} field)")
        return text  # numeric text on a plain number field: sent as given, as before
    entry = Picklist.from_metadata(field.get("picklistValues")).match(text, _parent_value(field, body, by_name))
    return _typed(entry.value, data_type)


def _parent_value(field: Mapping[str, Any], body: Mapping[str, Any],
                  by_name: Mapping[str, Mapping[str, Any]]) -> str | None:
    """For a dependent picklist, the payload's controlling value (None: not set, or itself refused)."""
    parent = str(field.get("picklistParentValueField") or "")
    chosen = next((v for k, v in body.items() if parent and k.lower() == parent.lower()), None)
    if isinstance(chosen, str) and parent.lower() in by_name:  # the controlling field given by label, too
        try:
            chosen = _resolve(by_name[parent.lower()], chosen, body, by_name)
        except ValueError:
            return None  # its own problem is reported for its own key
    return None if chosen is None else str(chosen)


def _number(text: str, data_type: str) -> int | float | None:
    try:
        return int(text) if data_type in _INTEGER else float(text)
    except ValueError:
        return None


def _typed(value: Any, data_type: str) -> Any:
    """A picklist value (a string on the wire) as the field's type."""
    number = _number(str(value), data_type)
    return value if number is None else number
