"""Loads the spec data generated into the package's ``spec/`` folder (route table and entity models), once."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

__all__ = ["load_field_captures", "load_models", "load_routes"]

_PACKAGE = "autotask_sandbox"


def _read_json(name: str) -> Any:
    # importlib.resources keeps this working from a zip/wheel install, not just a source checkout.
    text = resources.files(_PACKAGE).joinpath("spec").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def load_routes() -> list[dict]:
    """Every swagger operation: method, path, operationId, entity, collection, action, child."""
    return list(_read_json("routes.json")["operations"])


@functools.cache
def load_models() -> dict[str, dict]:
    """Per entity tag: model, collection, legacy, hasUdfs, fields{name: swaggerType}, parentFields."""
    return dict(_read_json("models.json")["entities"])


@functools.cache
def load_field_captures() -> dict[str, list[dict]]:
    """Per entity tag: a real ``entityInformation/fields`` capture (spec/field-metadata), verbatim."""
    return dict(_read_json("field-captures.json")["entities"])
