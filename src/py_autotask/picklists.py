"""Which picklist entry a written value names: the one matcher for writes, bulk rows and create/update alike.

    from py_autotask.picklists import Picklist

    status = Picklist.from_metadata(field["picklistValues"])   # a `fields()` entry (or a UDF definition)
    status.match("complete").value                             # "5": the label, in any case
    status.match("5").label                                    # "Complete": an exact value

The rules (the bulk engine's, and since create/update take labels too, the client's):
- An exact value wins (`"5"` → 5 even if another entry is labelled "5"), active or not. Whether an
  inactive value may be written is the caller's rule: bulk, a validator, refuses it; a client write
  sends it as it sends an int (Autotask decides, and a record read back and written again keeps its
  old values).
- Otherwise the label — or the value, for UDF lists whose values are their texts — in any case, among
  the *active* entries: Autotask takes no inactive value in a write, so an inactive duplicate of a
  label is no ambiguity.
- Two active entries with one label: for a dependent picklist (`subIssueType` under `issueType`) those
  under the row's controlling value (`parent_value`); if more than one is left, the text is refused.
- A label only inactive entries have, and text that is neither value nor label, are refused.

Refusals are `PicklistError` (a ValueError) with the message both report. Filters read old records, so
inactive entries count there; they keep their own rules (`_core/filter_labels.py`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

__all__ = ["Picklist", "PicklistError", "PicklistValue"]

_SHOWN = 15  # labels listed in a refusal


class PicklistValue(NamedTuple):  # a tuple: a client write builds these per payload, cheaply
    """One picklist entry; `value` is always the string Autotask serves."""

    value: str
    label: str
    parent_value: str = ""
    active: bool = True

    def __str__(self) -> str:
        return repr(self.value) if self.label == self.value else f"{self.value} ({self.label!r})"


class PicklistError(ValueError):
    """Text that names no entry a write may use; the message says why (and which labels there are)."""


class Picklist:
    """A field's picklist entries, indexed once by value and by text for `match`."""

    __slots__ = ("_by_text", "_by_value", "entries")

    def __init__(self, entries: Iterable[PicklistValue]) -> None:
        self.entries: tuple[PicklistValue, ...] = tuple(entries)
        self._by_value: dict[str, PicklistValue] = {}
        self._by_text: dict[str, list[PicklistValue]] = {}
        by_value, by_text = self._by_value, self._by_text
        for entry in self.entries:
            by_value.setdefault(entry.value, entry)
            label = entry.label.strip().casefold()
            by_text.setdefault(label, []).append(entry)
            folded = entry.value.strip().casefold()  # a value in any case: UDF list values are texts
            if folded != label:
                by_text.setdefault(folded, []).append(entry)

    @classmethod
    def from_metadata(cls, raw: Iterable[Mapping[str, Any]] | None) -> Picklist:
        """From Autotask's `picklistValues` (a field's, or a UDF definition's)."""
        return cls(
            PicklistValue(value=str(e.get("value")), label=str(e.get("label") or e.get("value") or ""),
                          parent_value=str(e.get("parentValue") or ""), active=bool(e.get("isActive", True)))
            for e in raw or ()
        )

    def __iter__(self) -> Iterator[PicklistValue]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> PicklistValue:
        return self.entries[index]

    def by_value(self, value: str) -> PicklistValue | None:
        """The entry whose value is exactly `value` (active or not)."""
        return self._by_value.get(value)

    def label_of(self, value: str) -> str | None:
        """The label of a value, for messages."""
        entry = self._by_value.get(value)
        return entry.label if entry is not None else None

    def match(self, text: str, parent_value: str | None = None) -> PicklistValue:
        """The entry `text` names (see the module's rules); PicklistError when it names none a write may use."""
        wanted = text.strip()
        exact = self._by_value.get(wanted)
        if exact is not None:
            return exact
        same = self._by_text.get(wanted.casefold(), ())
        active = [e for e in same if e.active]
        if len(active) > 1 and parent_value is not None:
            active = [e for e in active if e.parent_value == parent_value] or active
        if len({e.value for e in active}) > 1:
            named = " and ".join(str(e) for e in active)
            raise PicklistError(f"the label {text!r} is ambiguous, it names the values {named}; "
                                "write the value instead")
        if active:
            return active[0]
        if same:
            shown = "" if same[0].value == same[0].label else f" (value {same[0].value})"
            raise PicklistError(f"{text!r} is inactive{shown}; Autotask takes only active values")
        raise PicklistError(self._unknown(text, parent_value))

    def active_labels(self, parent_value: str | None = None) -> list[str]:
        """The labels a write may use (under one controlling value when given), in the tenant's order."""
        return [e.label for e in self.entries
                if e.active and (parent_value is None or e.parent_value in ("", parent_value))]

    def _unknown(self, text: str, parent_value: str | None) -> str:
        labels = list(dict.fromkeys(self.active_labels(parent_value)))
        by_fold = {label.casefold(): label for label in labels}
        close = difflib.get_close_matches(text.strip().casefold(), list(by_fold), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(by_fold[c] for c in close)}?" if close else ""
        shown = ", ".join(labels[:_SHOWN]) + (", …" if len(labels) > _SHOWN else "")
        return f"{text!r} is neither a value nor a label of this picklist{hint} (labels: {shown or 'none active'})"
