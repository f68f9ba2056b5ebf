"""Real ``entityInformation/fields`` captures, served verbatim instead of the generated overlay.

``tools/generate.py`` copies them from ``spec/field-metadata/`` (Resources and TicketWebhooks, captured from a
live instance in March 2025) into ``autotask_sandbox/spec/field-captures.json``, so they ship inside the package and
cannot drift from the spec files (``make test`` runs the generator's ``--check``).
"""

from __future__ import annotations

import copy

from ..specdata import load_field_captures

__all__ = ["captured_entities", "captured_fields"]


def captured_entities() -> list[str]:
    """Entity tags whose field metadata is a real capture."""
    return list(load_field_captures())


def captured_fields(entity: str) -> list[dict]:
    """The captured FieldInformationModel dicts of ``entity``, in capture order (fresh objects)."""
    return copy.deepcopy(load_field_captures()[entity])
